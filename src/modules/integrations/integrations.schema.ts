import { boolean, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const apiTokens = pgTable('api_tokens', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  name: text('name').notNull(),
  prefix: text('prefix').notNull(),
  tokenHash: text('token_hash').notNull(),
  scopes: text('scopes').array().notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

export const webhookEndpoints = pgTable('webhook_endpoints', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  url: text('url').notNull(),
  description: text('description').notNull(),
  events: text('events').array().notNull(),
  secretEnc: text('secret_enc').notNull(),
  active: boolean('active').notNull(),
  consecutiveFailures: integer('consecutive_failures').notNull(),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  disabledReason: text('disabled_reason'),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const webhookDeliveries = pgTable('webhook_deliveries', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  endpointId: text('endpoint_id').notNull(),
  eventId: text('event_id').notNull(),
  eventType: text('event_type').notNull(),
  attempt: integer('attempt').notNull(),
  ok: boolean('ok').notNull(),
  httpStatus: integer('http_status'),
  error: text('error'),
  durationMs: integer('duration_ms').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull(),
});
