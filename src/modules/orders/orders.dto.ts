import { z } from 'zod';
import { pageQuery } from '../../platform/pagination.dto.js';

/**
 * Canonical states. Platform enums are kept raw beside these (rawStatus), so a new platform value
 * degrades to 'unknown' instead of failing a sync.
 */
export const ORDER_STATUSES = ['unpaid', 'on_hold', 'awaiting_shipment', 'shipped', 'delivered', 'completed', 'cancelled', 'unknown'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const DELIVERY_STATUSES = ['not_shipped', 'in_transit', 'delivered', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const RETURN_STATUSES = ['requested', 'awaiting_buyer_response', 'awaiting_buyer_shipment', 'buyer_shipped', 'approved', 'rejected', 'receive_rejected', 'completed', 'cancelled', 'unknown'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
export const RETURN_TYPES = ['refund_only', 'return_and_refund', 'replacement', 'cancellation', 'unknown'] as const;
export type ReturnType = (typeof RETURN_TYPES)[number];

export const TrafficSource = z.object({
  type: z.enum(['ad_campaign', 'creator_video', 'livestream', 'organic']),
  id: z.string().nullable(),
  name: z.string().nullable(),
});
export type TrafficSource = z.infer<typeof TrafficSource>;

/** What an integration hands the orders module: our vocabulary, integer minor units, no platform payloads. */
export interface BuyerInput {
  platformBuyerId: string;
  displayName?: string | null;
  email?: string | null;
  language?: string | null;
  country?: string | null;
}

export interface OrderLineInput {
  externalId: string;
  skuId: string;
  sellerSku?: string | null;
  productId: string;
  productName: string;
  skuName?: string | null;
  category?: string | null;
  imageUrl?: string | null;
  unitPrice: number;
  /** After the line's share of the seller discount (allocated with money.allocate). */
  paidAmount: number;
  rawStatus?: string | null;
  trafficSource: TrafficSource;
}

export interface OrderInput {
  shopId: string;
  externalId: string;
  buyer: BuyerInput;
  status: OrderStatus;
  rawStatus: string;
  currency: string;
  subtotal: number;
  shipping: number;
  sellerDiscount: number;
  platformDiscount: number;
  tax: number;
  total: number;
  placedAt: Date;
  paidAt?: Date | null;
  deliveredAt?: Date | null;
  trackingNumber?: string | null;
  carrier?: string | null;
  deliveryStatus: DeliveryStatus;
  buyerMessage?: string | null;
  externalUpdatedAt: Date;
  lines: OrderLineInput[];
}

export interface PlatformReturnOffer {
  kind: 'partial_refund';
  /** Minor units. */
  amount: number;
  currency: string;
  buyerRejected: boolean;
}

export interface PlatformReturnInput {
  shopId: string;
  kind: 'return' | 'cancellation';
  externalId: string;
  externalOrderId: string;
  type: ReturnType;
  rawType: string;
  status: ReturnStatus;
  rawStatus: string;
  reasonCode?: string | null;
  reasonText?: string | null;
  lines: { externalOrderLineId: string; skuId?: string | null; productName?: string | null; refundAmount?: number | null }[];
  currency?: string | null;
  refundAmount?: number | null;
  photos: string[];
  videos: string[];
  sellerNextAction?: string | null;
  sellerDeadline?: Date | null;
  arbitrationStatus?: string | null;
  /** A standing (or refused) seller offer such as a partial refund; never counted as refunded. */
  offer?: PlatformReturnOffer | null;
  requestedAt: Date;
  externalUpdatedAt: Date;
}

// ---------- HTTP views ----------

export const OrderLineView = z.object({
  id: z.string(),
  externalId: z.string(),
  skuId: z.string(),
  sellerSku: z.string().nullable(),
  productId: z.string(),
  productName: z.string(),
  skuName: z.string().nullable(),
  category: z.string().nullable(),
  imageUrl: z.string().nullable(),
  currency: z.string(),
  unitPrice: z.number().int(),
  paidAmount: z.number().int(),
  rawStatus: z.string().nullable(),
  trafficSource: TrafficSource,
});

export const OrderView = z.object({
  id: z.string(),
  shopId: z.string(),
  buyerId: z.string(),
  externalId: z.string(),
  status: z.string(),
  rawStatus: z.string(),
  currency: z.string(),
  subtotal: z.number().int(),
  shipping: z.number().int(),
  sellerDiscount: z.number().int(),
  platformDiscount: z.number().int(),
  tax: z.number().int(),
  total: z.number().int(),
  placedAt: z.string(),
  paidAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  trackingNumber: z.string().nullable(),
  carrier: z.string().nullable(),
  deliveryStatus: z.string(),
  buyerMessage: z.string().nullable(),
  lines: z.array(OrderLineView),
});
export type OrderView = z.infer<typeof OrderView>;

export const BuyerView = z.object({
  id: z.string(),
  platform: z.string(),
  platformBuyerId: z.string(),
  displayName: z.string().nullable(),
  email: z.string().nullable(),
  language: z.string().nullable(),
  country: z.string().nullable(),
  lifetimeValue: z.object({ amount: z.number().int(), currency: z.string().nullable(), orderCount: z.number().int() }),
});
export type BuyerView = z.infer<typeof BuyerView>;

export const PlatformReturnView = z.object({
  id: z.string(),
  shopId: z.string(),
  orderId: z.string().nullable(),
  buyerId: z.string().nullable(),
  kind: z.enum(['return', 'cancellation']),
  externalId: z.string(),
  externalOrderId: z.string(),
  type: z.string(),
  rawType: z.string(),
  status: z.string(),
  rawStatus: z.string(),
  reasonCode: z.string().nullable(),
  reasonText: z.string().nullable(),
  lines: z.array(z.object({ orderLineId: z.string().nullable(), externalOrderLineId: z.string(), skuId: z.string().nullable(), productName: z.string().nullable(), refundAmount: z.number().int().nullable() })),
  currency: z.string().nullable(),
  refundAmount: z.number().int().nullable(),
  photos: z.array(z.string()),
  videos: z.array(z.string()),
  sellerNextAction: z.string().nullable(),
  sellerDeadline: z.string().nullable(),
  arbitrationStatus: z.string().nullable(),
  offer: z.object({ kind: z.literal('partial_refund'), amount: z.number().int(), currency: z.string(), buyerRejected: z.boolean() }).nullable(),
  requestedAt: z.string(),
  updatedAt: z.string(),
});
export type PlatformReturnView = z.infer<typeof PlatformReturnView>;

export const OrderSidebarView = z.object({
  order: OrderView,
  delivery: z.object({ status: z.string(), trackingNumber: z.string().nullable(), carrier: z.string().nullable(), deliveredAt: z.string().nullable() }),
  buyer: BuyerView,
  returnHistory: z.array(PlatformReturnView),
});
export type OrderSidebarView = z.infer<typeof OrderSidebarView>;

export const PlatformReturnFilter = z.strictObject({
  shopId: z.string().min(1).optional(),
  orderId: z.string().min(1).optional(),
  buyerId: z.string().min(1).optional(),
  status: z.enum(RETURN_STATUSES).optional(),
  kind: z.enum(['return', 'cancellation']).optional(),
  limit: pageQuery.limit.default(50),
  cursor: pageQuery.cursor,
});
export type PlatformReturnFilter = z.input<typeof PlatformReturnFilter>;

// ---------- lists (Orders and Customers pages) ----------

/** `q`: an order number, tracking number, buyer name or e-mail (the lookup service ranks across kinds; this filters one list). */
export const OrderListQuery = z.strictObject({
  q: z.string().trim().min(1).max(200).optional(),
  buyerId: z.string().min(1).max(64).optional(),
  shopId: z.string().min(1).max(64).optional(),
  ...pageQuery,
});
export type OrderListQuery = z.input<typeof OrderListQuery>;

export const OrderSummaryView = z.object({
  id: z.string(),
  shopId: z.string(),
  externalId: z.string(),
  buyerId: z.string(),
  buyerName: z.string().nullable(),
  status: z.string(),
  deliveryStatus: z.string(),
  currency: z.string(),
  total: z.number().int(),
  lineCount: z.number().int(),
  trackingNumber: z.string().nullable(),
  placedAt: z.string(),
});
export type OrderSummaryView = z.infer<typeof OrderSummaryView>;

export const BuyerListQuery = z.strictObject({
  q: z.string().trim().min(1).max(200).optional(),
  ...pageQuery,
});
export type BuyerListQuery = z.input<typeof BuyerListQuery>;

export const BuyerSummaryView = z.object({
  id: z.string(),
  platform: z.string(),
  displayName: z.string().nullable(),
  email: z.string().nullable(),
  country: z.string().nullable(),
  orderCount: z.number().int(),
  lifetimeValue: z.object({ amount: z.number().int(), currency: z.string().nullable() }),
  lastOrderAt: z.string().nullable(),
  createdAt: z.string(),
});
export type BuyerSummaryView = z.infer<typeof BuyerSummaryView>;
