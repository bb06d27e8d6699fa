import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/pagination.dto.js';

/**
 * What an API token may do. Each scope opens one area of the API for reading or writing; the
 * token then acts with a supervisor's role inside it, so owner-only routes (team, settings that
 * move money, privacy) stay closed to every token whatever its scopes. There is no
 * `remedies:write`: giving money away needs a person with remedy authority limits.
 */
export const TOKEN_SCOPES = ['tickets:read', 'tickets:write', 'orders:read', 'returns:read', 'returns:write', 'remedies:read', 'sla:read'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** The events outgoing webhooks can subscribe to (what the codebase emits today). */
export const WEBHOOK_EVENTS = ['ticket.created', 'remedy.completed', 'sla.breached', 'webhook.test'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const SUBSCRIBABLE_EVENTS = WEBHOOK_EVENTS.filter((e) => e !== 'webhook.test');

export const TokenScopeDto = z.enum(TOKEN_SCOPES);

export const ApiTokenView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  status: z.enum(['active', 'expired', 'revoked']),
});
export type ApiTokenView = z.infer<typeof ApiTokenView>;

export const CreateApiToken = z.strictObject({
  name: z.string().trim().min(1).max(80),
  scopes: z.array(TokenScopeDto).min(1).max(TOKEN_SCOPES.length),
  /** Optional end of validity (ISO time in the future). */
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
});
export type CreateApiToken = z.infer<typeof CreateApiToken>;

export const CreatedApiToken = z.object({ token: z.string().describe('Shown once; store it now'), item: ApiTokenView });
export const ScopeList = z.object({ items: z.array(z.object({ scope: TokenScopeDto, routes: z.array(z.string()) })) });

export const WebhookEventDto = z.enum(SUBSCRIBABLE_EVENTS as unknown as [string, ...string[]]);

export const WebhookEndpointView = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.string()),
  active: z.boolean(),
  consecutiveFailures: z.number().int(),
  disabledAt: z.string().nullable(),
  disabledReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookEndpointView = z.infer<typeof WebhookEndpointView>;

export const CreateWebhook = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(500),
  description: z.string().trim().max(200).optional(),
  events: z.array(WebhookEventDto).min(1).max(20),
});
export type CreateWebhook = z.infer<typeof CreateWebhook>;

export const UpdateWebhook = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(500).optional(),
  description: z.string().trim().max(200).optional(),
  events: z.array(WebhookEventDto).min(1).max(20).optional(),
  /** Turning an endpoint on again clears its failure count and notice. */
  active: z.boolean().optional(),
});
export type UpdateWebhook = z.infer<typeof UpdateWebhook>;

export const CreatedWebhook = z.object({ secret: z.string().describe('Signing secret, shown once'), item: WebhookEndpointView });

export const WebhookDeliveryView = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  attempt: z.number().int(),
  ok: z.boolean(),
  httpStatus: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  at: z.string(),
});
export type WebhookDeliveryView = z.infer<typeof WebhookDeliveryView>;
export const DeliveryPage = pageOf(WebhookDeliveryView);
export const DeliveryQuery = z.strictObject({ ...pageQuery });
export const TestSendView = z.object({ eventId: z.string(), outboxId: z.string() });
