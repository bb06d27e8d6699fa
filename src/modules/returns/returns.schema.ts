import { boolean, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { ReturnPolicy } from '../tenancy/index.js';
import type { Grade, ReasonNode, ReasonSnapshot, RefundComputation, RefundTrigger, ReturnStatus } from './returns.rules.js';

export const reasonTrees = pgTable('return_reason_trees', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  version: integer('version').notNull(),
  nodes: jsonb('nodes').$type<ReasonNode[]>().notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export interface ExchangeInfo {
  sku: string;
  label: string;
  status: 'reserved' | 'out_of_stock' | 'released' | 'shipped';
  fallback: string | null;
}

export const returns = pgTable('returns', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  rma: text('rma').notNull(),
  shopId: text('shop_id').notNull(),
  orderId: text('order_id').notNull(),
  buyerId: text('buyer_id'),
  ticketId: text('ticket_id'),
  platformReturnId: text('platform_return_id'),
  channel: text('channel').$type<'tiktok' | 'self_service' | 'agent'>().notNull(),
  status: text('status').$type<ReturnStatus>().notNull(),
  resolution: text('resolution').$type<'refund' | 'exchange' | 'no_refund'>().notNull(),
  reason: jsonb('reason').$type<ReasonSnapshot | null>(),
  buyerNote: text('buyer_note'),
  photos: text('photos').array().notNull(),
  language: text('language').notNull(),
  policy: jsonb('policy').$type<ReturnPolicy>().notNull(),
  refundTrigger: text('refund_trigger').$type<RefundTrigger>().notNull(),
  currency: text('currency').notNull(),
  refundTotal: integer('refund_total').notNull(),
  refundCalc: jsonb('refund_calc').$type<RefundComputation>().notNull(),
  trackingNumber: text('tracking_number'),
  requestedAt: timestamp('requested_at', { withTimezone: true }).notNull(),
  approvedAt: timestamp('approved_at', { withTimezone: true }),
  receivedAt: timestamp('received_at', { withTimezone: true }),
  receivedBy: text('received_by'),
  inspectedAt: timestamp('inspected_at', { withTimezone: true }),
  inspectedBy: text('inspected_by'),
  grade: text('grade').$type<Grade>(),
  inspectionPassed: boolean('inspection_passed'),
  inspectionNote: text('inspection_note'),
  inspectionPhotos: text('inspection_photos').array().notNull(),
  refundRemedyId: text('refund_remedy_id'),
  refundedAt: timestamp('refunded_at', { withTimezone: true }),
  platformRefundedAt: timestamp('platform_refunded_at', { withTimezone: true }),
  appealDeadline: timestamp('appeal_deadline', { withTimezone: true }),
  appealStatus: text('appeal_status').$type<'open' | 'won' | 'lost'>(),
  exchange: jsonb('exchange').$type<ExchangeInfo | null>(),
  closedAt: timestamp('closed_at', { withTimezone: true }),
  createdBy: text('created_by').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const returnLines = pgTable('return_lines', {
  /** Filled by the database from the parent row (migration 0021); brand scope reads it. */
  shopId: text('shop_id'),
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  returnId: text('return_id').notNull(),
  orderLineId: text('order_line_id').notNull(),
  sku: text('sku').notNull(),
  productId: text('product_id').notNull(),
  productName: text('product_name').notNull(),
  category: text('category'),
  unitPrice: integer('unit_price').notNull(),
  paid: integer('paid').notNull(),
  restockingFee: integer('restocking_fee').notNull(),
  couponClawback: integer('coupon_clawback').notNull(),
  refund: integer('refund').notNull(),
  reason: jsonb('reason').$type<ReasonSnapshot | null>(),
  active: boolean('active').notNull(),
});

export const exchangeStock = pgTable('exchange_stock', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  sku: text('sku').notNull(),
  productId: text('product_id').notNull(),
  label: text('label').notNull(),
  available: integer('available').notNull(),
  reserved: integer('reserved').notNull(),
});

/**
 * TikTok requests the import turned away under the policy, and when it looks at them again
 * (`importCheckDue` in returns.rules.ts): the five-minute import does not re-judge the same
 * requests every time, and older ones it keeps turning away do not hold newer ones back.
 */
export const platformReturnChecks = pgTable('platform_return_checks', {
  orgId: text('org_id').notNull(),
  platformReturnId: text('platform_return_id').notNull(),
  shopId: text('shop_id').notNull(),
  code: text('code').notNull(),
  reasons: jsonb('reasons').$type<unknown>().notNull(),
  seen: text('seen').notNull(),
  basis: text('basis').notNull(),
  attempts: integer('attempts').notNull(),
  checkedAt: timestamp('checked_at', { withTimezone: true }).notNull(),
  recheckAt: timestamp('recheck_at', { withTimezone: true }).notNull(),
});
