import { integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { ErasureReport } from './privacy.dto.js';

/** Retention periods of an organisation, in days (null keeps). */
export const privacySettings = pgTable('privacy_settings', {
  orgId: text('org_id').notNull().primaryKey(),
  closedTicketContentDays: integer('closed_ticket_content_days'),
  webhookBodyDays: integer('webhook_body_days'),
  orderPersonalDays: integer('order_personal_days'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  updatedBy: text('updated_by'),
});

/** One row per erasure: ids, counts and what was held back — never the erased content. */
export const privacyErasures = pgTable('privacy_erasures', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  buyerId: text('buyer_id').notNull(),
  requestedBy: text('requested_by').notNull(),
  requestedAt: timestamp('requested_at', { withTimezone: true }).notNull(),
  report: jsonb('report').$type<ErasureReport>().notNull(),
});
