import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export type AuditActorType = 'user' | 'token' | 'system' | 'anonymous';

/** Append-only (migration 0040): the app role may insert and read, never change or delete. */
export const auditEvents = pgTable('audit_events', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull(),
  actorType: text('actor_type').$type<AuditActorType>().notNull(),
  actorId: text('actor_id'),
  actorLabel: text('actor_label'),
  action: text('action').notNull(),
  subjectType: text('subject_type'),
  subjectId: text('subject_id'),
  before: jsonb('before'),
  after: jsonb('after'),
  context: jsonb('context').$type<Record<string, unknown>>().notNull(),
});
