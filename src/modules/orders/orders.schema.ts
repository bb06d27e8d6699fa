import { bigint, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { PlatformReturnOffer } from './orders.dto.js';

const ts = (name: string) => timestamp(name, { withTimezone: true });
const minor = (name: string) => bigint(name, { mode: 'number' });

export const buyers = pgTable('buyers', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  platform: text('platform').notNull(),
  platformBuyerId: text('platform_buyer_id').notNull(),
  displayName: text('display_name'),
  email: text('email'),
  language: text('language'),
  country: text('country'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const orders = pgTable('orders', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  buyerId: text('buyer_id').notNull(),
  externalId: text('external_id').notNull(),
  status: text('status').notNull(),
  rawStatus: text('raw_status').notNull(),
  currency: text('currency').notNull(),
  subtotalAmount: minor('subtotal_amount').notNull(),
  shippingAmount: minor('shipping_amount').notNull(),
  sellerDiscountAmount: minor('seller_discount_amount').notNull(),
  platformDiscountAmount: minor('platform_discount_amount').notNull(),
  taxAmount: minor('tax_amount').notNull(),
  totalAmount: minor('total_amount').notNull(),
  placedAt: ts('placed_at').notNull(),
  paidAt: ts('paid_at'),
  deliveredAt: ts('delivered_at'),
  trackingNumber: text('tracking_number'),
  carrier: text('carrier'),
  deliveryStatus: text('delivery_status').notNull(),
  buyerMessage: text('buyer_message'),
  externalUpdatedAt: ts('external_updated_at').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const orderLines = pgTable('order_lines', {
  /** Filled by the database from the parent row (migration 0021); brand scope reads it. */
  shopId: text('shop_id'),
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  orderId: text('order_id').notNull(),
  externalId: text('external_id').notNull(),
  skuId: text('sku_id').notNull(),
  sellerSku: text('seller_sku'),
  productId: text('product_id').notNull(),
  productName: text('product_name').notNull(),
  skuName: text('sku_name'),
  category: text('category'),
  imageUrl: text('image_url'),
  currency: text('currency').notNull(),
  unitPriceAmount: minor('unit_price_amount').notNull(),
  paidAmount: minor('paid_amount').notNull(),
  rawStatus: text('raw_status'),
  trafficSourceType: text('traffic_source_type').$type<TrafficSourceType>().notNull(),
  trafficSourceId: text('traffic_source_id'),
  trafficSourceName: text('traffic_source_name'),
  /** Which attribution feed set the source (`affiliate_orders`, `ads_report`, `live_window`) or `none` (organic fallback). */
  trafficSourceProvenance: text('traffic_source_provenance').notNull().default('none'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export type TrafficSourceType = 'ad_campaign' | 'creator_video' | 'livestream' | 'organic';

export interface PlatformReturnLine {
  orderLineId: string | null;
  externalOrderLineId: string;
  skuId: string | null;
  productName: string | null;
  refundAmount: number | null;
}

export const platformReturns = pgTable('platform_returns', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  orderId: text('order_id'),
  buyerId: text('buyer_id'),
  kind: text('kind').$type<'return' | 'cancellation'>().notNull(),
  externalId: text('external_id').notNull(),
  externalOrderId: text('external_order_id').notNull(),
  type: text('type').notNull(),
  rawType: text('raw_type').notNull(),
  status: text('status').notNull(),
  rawStatus: text('raw_status').notNull(),
  reasonCode: text('reason_code'),
  reasonText: text('reason_text'),
  lines: jsonb('lines').$type<PlatformReturnLine[]>().notNull(),
  currency: text('currency'),
  refundAmount: minor('refund_amount'),
  photos: jsonb('photos').$type<string[]>().notNull(),
  videos: jsonb('videos').$type<string[]>().notNull(),
  sellerNextAction: text('seller_next_action'),
  sellerDeadline: ts('seller_deadline'),
  arbitrationStatus: text('arbitration_status'),
  offer: jsonb('offer').$type<PlatformReturnOffer>(),
  requestedAt: ts('requested_at').notNull(),
  externalUpdatedAt: ts('external_updated_at').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

