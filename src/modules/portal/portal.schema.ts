import { boolean, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const portalBatches = pgTable('portal_batches', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  size: text('size').$type<'a6' | 'label'>().notNull(),
  language: text('language').notNull(),
  holdoutPercent: integer('holdout_percent').notNull(),
  orderCount: integer('order_count').notNull(),
  cardCount: integer('card_count').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export const portalCards = pgTable('portal_cards', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  batchId: text('batch_id'),
  orderId: text('order_id').notNull(),
  /** 'card' (printed, in a batch) or 'email' (the link in a reply e-mail; no batch). */
  kind: text('kind').$type<'card' | 'email'>().notNull().default('card'),
  holdout: boolean('holdout').notNull(),
  tokenHash: text('token_hash'),
  lookupHash: text('lookup_hash'),
  language: text('language').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  ticketId: text('ticket_id'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  /**
   * When the buyer answered the satisfaction question through this card (migration 0702). No longer
   * written: the answer is kept per conversation in portal_csat_answers (0703 copied these over).
   */
  csatAt: timestamp('csat_at', { withTimezone: true }),
});

export const portalScans = pgTable('portal_scans', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  batchId: text('batch_id').notNull(),
  cardId: text('card_id').notNull(),
  scannedAt: timestamp('scanned_at', { withTimezone: true }).notNull(),
});

export const portalSessions = pgTable('portal_sessions', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  orderId: text('order_id').notNull(),
  cardId: text('card_id').notNull(),
  sessionHash: text('session_hash').notNull(),
  language: text('language').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export const portalWarranties = pgTable('portal_warranties', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  orderId: text('order_id').notNull(),
  orderLineId: text('order_line_id').notNull(),
  buyerId: text('buyer_id').notNull(),
  productName: text('product_name').notNull(),
  serialNumber: text('serial_number').notNull(),
  proofSha256: text('proof_sha256'),
  warrantyDays: integer('warranty_days').notNull(),
  endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
  ticketId: text('ticket_id'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

/** The buyer answered the satisfaction question for this conversation (once per ticket, not per card). */
export const portalCsatAnswers = pgTable('portal_csat_answers', {
  orgId: text('org_id').notNull(),
  ticketId: text('ticket_id').notNull(),
  shopId: text('shop_id').notNull(),
  orderId: text('order_id').notNull(),
  answeredAt: timestamp('answered_at', { withTimezone: true }).notNull(),
});
