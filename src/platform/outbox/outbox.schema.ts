import { integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** `held`: a gate stopped the step before it ran (e.g. a payout hold); it runs only once released. */
export type OutboxStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled' | 'held';

export const outbox = pgTable('outbox', {
  /** Filled by the database from the parent row (migration 0021); brand scope reads it. */
  shopId: text('shop_id'),
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  handler: text('handler').notNull(),
  idempotencyKey: text('idempotency_key').notNull(),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  status: text('status').$type<OutboxStatus>().notNull(),
  attempts: integer('attempts').notNull(),
  maxAttempts: integer('max_attempts').notNull(),
  nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
  lastError: text('last_error'),
  result: jsonb('result').$type<Record<string, unknown> | null>(),
  subjectType: text('subject_type'),
  subjectId: text('subject_id'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  doneAt: timestamp('done_at', { withTimezone: true }),
});
