export { createIntegrationsService, emitWebhookEvent, WEBHOOK_DELIVERY_STEP, type IntegrationsService, type WebhookEventInput } from './integrations.service.js';
export { integrationsRoutes } from './integrations.routes.js';
export { registerTokenAuth, bearerOf } from './integrations.http.js';
export { integrationsPrivacy } from './integrations.privacy.js';
export { TOKEN_SCOPES, requiredScope, signWebhook, verifyWebhookSignature, SIGNATURE_HEADER, WEBHOOK_EVENTS, AUTO_DISABLE_AFTER_FAILURES, type TokenScope } from './integrations.rules.js';
export * from './integrations.dto.js';
