import { bigint, boolean, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { Compensation, IncidentChannel, IncidentLanguage, IncidentPattern, IncidentStatus } from './incidents.rules.js';

const ts = (name: string) => timestamp(name, { withTimezone: true });

export interface ProposalFacts {
  key: string;
  reason: string;
  recent: number;
  baseline: number;
  expected: number;
  pValue: number;
  ticketIds: string[];
}

export const incidents = pgTable('incidents', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  title: text('title').notNull(),
  status: text('status').$type<IncidentStatus>().notNull(),
  pattern: jsonb('pattern').$type<IncidentPattern>().notNull(),
  excludedBuyerIds: text('excluded_buyer_ids').array().notNull(),
  channels: text('channels').array().$type<IncidentChannel[]>().notNull(),
  messages: jsonb('messages').$type<Partial<Record<IncidentLanguage, string>>>().notNull(),
  compensation: jsonb('compensation').$type<Compensation>().notNull(),
  currency: text('currency').notNull(),
  totalCost: bigint('total_cost', { mode: 'number' }).notNull(),
  deadlineHours: integer('deadline_hours').notNull(),
  approvalReason: text('approval_reason'),
  proposal: jsonb('proposal').$type<ProposalFacts | null>(),
  declaredBy: text('declared_by'),
  approvedBy: text('approved_by'),
  approvedAt: ts('approved_at'),
  frozenAt: ts('frozen_at'),
  sendStartedAt: ts('send_started_at'),
  repliesNotified: integer('replies_notified').notNull(),
  rootCause: text('root_cause'),
  fix: text('fix'),
  closedAt: ts('closed_at'),
  closedBy: text('closed_by'),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

export type BuyerStatus = 'targeted' | 'pending_decision' | 'skipped' | 'queued' | 'unreachable' | 'cancelled';

export const incidentBuyers = pgTable('incident_buyers', {
  orgId: text('org_id').notNull(),
  incidentId: text('incident_id').notNull(),
  buyerId: text('buyer_id').notNull(),
  shopId: text('shop_id').notNull(),
  orderIds: text('order_ids').array().notNull(),
  language: text('language').notNull(),
  country: text('country'),
  complained: boolean('complained').notNull(),
  channel: text('channel').$type<IncidentChannel | null>(),
  unreachableReason: text('unreachable_reason'),
  addedAfterFreeze: boolean('added_after_freeze').notNull(),
  status: text('status').$type<BuyerStatus>().notNull(),
  outboxId: text('outbox_id'),
  couponLedgerId: text('coupon_ledger_id'),
  sendAt: ts('send_at'),
  queuedAt: ts('queued_at'),
  createdAt: ts('created_at').notNull(),
});

export const incidentApplications = pgTable('incident_applications', {
  orgId: text('org_id').notNull(),
  incidentId: text('incident_id').notNull(),
  ticketId: text('ticket_id').notNull(),
  shopId: text('shop_id').notNull(),
  messageId: text('message_id').notNull(),
  couponLedgerId: text('coupon_ledger_id'),
  appliedBy: text('applied_by').notNull(),
  appliedAt: ts('applied_at').notNull(),
});

/** The lot (batch) of an order line, imported from a CSV; one per line, a re-import replaces it. */
export const incidentLots = pgTable('incident_lots', {
  orgId: text('org_id').notNull(),
  orderLineId: text('order_line_id').notNull(),
  shopId: text('shop_id').notNull(),
  orderId: text('order_id').notNull(),
  platformOrderId: text('platform_order_id').notNull(),
  sellerSku: text('seller_sku'),
  lot: text('lot').notNull(),
  importId: text('import_id').notNull(),
  importedAt: ts('imported_at').notNull(),
});
