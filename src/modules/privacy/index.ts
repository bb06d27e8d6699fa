export { createPrivacyService, type PrivacyService, type PrivacyDeps } from './privacy.service.js';
export { privacyRoutes } from './privacy.routes.js';
export { registerPrivacyJobs, PRIVACY_RETENTION_JOB } from './privacy.jobs.js';
export { foundationPrivacy, evidencePrivacy } from './privacy.core.js';
export * from './privacy.registry.js';
export * from './privacy.dto.js';
