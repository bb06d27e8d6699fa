import { boolean, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { CouponOffer, Economics, LadderConfig, ProblemCategory, RemedyKind, RemedyStatus } from './remedies.rules.js';

export const remedySettings = pgTable('remedy_settings', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  ladder: jsonb('ladder').$type<LadderConfig>().notNull(),
  highTicketThreshold: integer('high_ticket_threshold'),
  couponMinimumRule: text('coupon_minimum_rule').$type<'claw_back' | 'keep_discount'>().notNull(),
  defaultCostPercent: integer('default_cost_percent').notNull(),
  defaultResalePercent: integer('default_resale_percent').notNull(),
  returnShipping: integer('return_shipping').notNull(),
  outboundShipping: integer('outbound_shipping').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const productEconomics = pgTable('product_economics', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  key: text('key').notNull(),
  itemCost: integer('item_cost').notNull(),
  resalePercent: integer('resale_percent').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const remedies = pgTable('remedies', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  ticketId: text('ticket_id'),
  returnId: text('return_id'),
  orderId: text('order_id').notNull(),
  orderLineIds: text('order_line_ids').array().notNull(),
  platformReturnId: text('platform_return_id'),
  buyerId: text('buyer_id'),
  language: text('language').notNull(),
  category: text('category').$type<ProblemCategory>().notNull(),
  suggestedCategory: text('suggested_category').$type<ProblemCategory>(),
  faultOwner: text('fault_owner').$type<'buyer' | 'seller' | 'carrier' | 'platform'>().notNull(),
  optionKey: text('option_key').notNull(),
  kind: text('kind').$type<RemedyKind>().notNull(),
  tier: integer('tier').notNull(),
  currency: text('currency').notNull(),
  paidBase: integer('paid_base').notNull(),
  refundAmount: integer('refund_amount').notNull(),
  coupon: jsonb('coupon').$type<CouponOffer | null>(),
  reship: boolean('reship').notNull(),
  apologyCard: boolean('apology_card').notNull(),
  givenValue: integer('given_value').notNull(),
  economics: jsonb('economics').$type<Economics>().notNull(),
  status: text('status').$type<RemedyStatus>().notNull(),
  proposedBy: text('proposed_by').notNull(),
  limitCheck: text('limit_check').notNull(),
  approvalReason: text('approval_reason'),
  decidedBy: text('decided_by'),
  decidedAt: timestamp('decided_at', { withTimezone: true }),
  decisionNote: text('decision_note'),
  reconcileRound: integer('reconcile_round').notNull(),
  failedStep: text('failed_step'),
  buyerMessage: text('buyer_message'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  completedAt: timestamp('completed_at', { withTimezone: true }),
});

export const reships = pgTable('reships', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  remedyId: text('remedy_id').notNull(),
  orderId: text('order_id').notNull(),
  lines: jsonb('lines').$type<{ orderLineId: string; sku: string; productName: string }[]>().notNull(),
  apologyCard: boolean('apology_card').notNull(),
  status: text('status').$type<'requested' | 'released' | 'cancelled'>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/** An open hold stops every payout on the order (a failed inspection) until someone decides. */
export const payoutHolds = pgTable('payout_holds', {
  /** Filled by the database from the parent row (migration 0021); brand scope reads it. */
  shopId: text('shop_id'),
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  orderId: text('order_id').notNull(),
  returnId: text('return_id').notNull(),
  reason: text('reason').notNull(),
  placedBy: text('placed_by').notNull(),
  placedAt: timestamp('placed_at', { withTimezone: true }).notNull(),
  releasedAt: timestamp('released_at', { withTimezone: true }),
  releasedBy: text('released_by'),
  outcome: text('outcome').$type<'pay' | 'cancel'>(),
});
