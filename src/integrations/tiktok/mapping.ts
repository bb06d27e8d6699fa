import type { InboundMessage } from '../../modules/helpdesk/index.js';
import type { DeliveryStatus, OrderInput, OrderStatus, PlatformReturnInput, ReturnStatus, ReturnType, TrafficSource } from '../../modules/orders/index.js';
import { allocate, parseDecimal } from '../../platform/money.js';
import type { Cancellation, ConversationRef, Message, Order, ReturnOrder, ReturnRecord } from './schemas.js';

/**
 * TikTok payloads → our domain vocabulary. Pure functions: the only place that knows both sides.
 * Enum mapping is lenient (doc pitfalls 11): spellings differ between docs, SDK and webhooks, so
 * unknown values map to 'unknown' and the raw value is always stored beside the canonical one.
 */
const norm = (s: string | null | undefined) => (s ?? '').trim().toUpperCase();

export function orderStatus(raw: string): OrderStatus {
  switch (norm(raw)) {
    case 'UNPAID':
      return 'unpaid';
    case 'ON_HOLD':
      return 'on_hold';
    case 'AWAITING_SHIPMENT':
    case 'PARTIALLY_SHIPPING':
      return 'awaiting_shipment';
    case 'AWAITING_COLLECTION':
    case 'IN_TRANSIT':
      return 'shipped';
    case 'DELIVERED':
      return 'delivered';
    case 'COMPLETED':
      return 'completed';
    case 'CANCELLED':
    case 'CANCEL':
      return 'cancelled';
    default:
      return 'unknown';
  }
}

export function deliveryStatus(raw: string): DeliveryStatus {
  const s = orderStatus(raw);
  if (s === 'shipped') return 'in_transit';
  if (s === 'delivered' || s === 'completed') return 'delivered';
  if (s === 'cancelled') return 'cancelled';
  return 'not_shipped';
}

export function returnStatus(raw: string): ReturnStatus {
  switch (norm(raw)) {
    case 'RETURN_OR_REFUND_REQUEST_PENDING':
    case 'REPLACEMENT_REQUEST_PENDING':
      return 'requested';
    case 'AWAITING_BUYER_RESPONSE':
      return 'awaiting_buyer_response';
    case 'AWAITING_BUYER_SHIP':
      return 'awaiting_buyer_shipment';
    case 'BUYER_SHIPPED_ITEM':
      return 'buyer_shipped';
    case 'RETURN_OR_REFUND_REQUEST_SUCCESS':
    case 'REPLACEMENT_REQUEST_REFUND_SUCCESS':
    case 'REQUEST_SUCCESS':
      return 'approved';
    // Both word orders appear in the wild; the API value is REFUND_OR_RETURN_…
    case 'REFUND_OR_RETURN_REQUEST_REJECT':
    case 'RETURN_OR_REFUND_REQUEST_REJECT':
    case 'REPLACEMENT_REQUEST_REJECT':
    case 'REQUEST_REJECTED':
      return 'rejected';
    case 'REJECT_RECEIVE_PACKAGE':
    case 'RECEIVE_REJECTED':
      return 'receive_rejected';
    case 'RETURN_OR_REFUND_REQUEST_COMPLETE':
    case 'REPLACEMENT_REQUEST_COMPLETE':
      return 'completed';
    case 'RETURN_OR_REFUND_REQUEST_CANCEL':
    case 'RETURN_OR_REFUND_CANCEL':
    case 'REPLACEMENT_REQUEST_CANCEL':
      return 'cancelled';
    default:
      return 'unknown';
  }
}

export function returnType(raw: string): ReturnType {
  switch (norm(raw)) {
    case 'REFUND':
      return 'refund_only';
    case 'RETURN_AND_REFUND':
      return 'return_and_refund';
    case 'REPLACEMENT':
      return 'replacement';
    default:
      return 'unknown';
  }
}

export function cancellationStatus(raw: string): ReturnStatus {
  switch (norm(raw)) {
    case 'CANCELLATION_REQUEST_PENDING':
      return 'requested';
    case 'CANCELLATION_REQUEST_SUCCESS':
      return 'approved';
    case 'CANCELLATION_REQUEST_COMPLETE':
      return 'completed';
    // The filter/create docs say _CANCEL, the search response and webhook say _CANCELLED.
    case 'CANCELLATION_REQUEST_CANCEL':
    case 'CANCELLATION_REQUEST_CANCELLED':
      return 'cancelled';
    case 'CANCELLATION_REQUEST_REJECT':
    case 'CANCELLATION_REQUEST_REJECTED':
      return 'rejected';
    default:
      return 'unknown';
  }
}

/**
 * Line items carry no traffic source on the platform: a new line starts organic with provenance
 * `none`, and the attribution feeds (affiliate orders, ads reports, LIVE windows) claim it later.
 */
const UNATTRIBUTED: TrafficSource = { type: 'organic', id: null, name: null };

const LANG_BY_REGION: Record<string, string> = { US: 'en', GB: 'en', UK: 'en', IE: 'en', CA: 'en', DE: 'de', AT: 'de', FR: 'fr', IT: 'it', ES: 'es', MX: 'es' };
export const languageForRegion = (region: string | null | undefined) => LANG_BY_REGION[norm(region)] ?? undefined;

const secs = (s: number | undefined | null) => (s ? new Date(s * 1000) : null);
const amount = (v: string | undefined | null, currency: string) => (v === undefined || v === null || v === '' ? 0 : parseDecimal(v, currency).amount);

export function mapOrder(shopId: string, o: Order): OrderInput {
  const currency = o.payment.currency;
  const prices = o.line_items.map((l) => amount(l.sale_price, currency));
  const orderSellerDiscount = amount(o.payment.seller_discount, currency);
  const lineDiscounts = o.line_items.map((l) => amount(l.seller_discount, currency));
  const lineSum = lineDiscounts.reduce((a, b) => a + b, 0);
  // Prefer the platform's own per-line split when it adds up; otherwise share the order-level
  // seller discount pro rata so per-line refunds never drift by a cent.
  const shares = lineSum > 0 && lineSum === orderSellerDiscount ? lineDiscounts : allocate({ amount: orderSellerDiscount, currency }, prices).map((m) => m.amount);
  const region = o.recipient_address?.region_code ?? null;
  return {
    shopId,
    externalId: o.id,
    buyer: { platformBuyerId: o.user_id, displayName: o.buyer_nickname || null, email: o.buyer_email || null, language: languageForRegion(region) ?? null, country: region || null },
    status: orderStatus(o.status),
    rawStatus: o.status,
    currency,
    subtotal: amount(o.payment.sub_total, currency),
    shipping: amount(o.payment.shipping_fee, currency),
    sellerDiscount: orderSellerDiscount,
    platformDiscount: amount(o.payment.platform_discount, currency),
    tax: amount(o.payment.tax, currency),
    total: amount(o.payment.total_amount, currency),
    placedAt: new Date(o.create_time * 1000),
    paidAt: secs(o.paid_time),
    deliveredAt: secs(o.delivery_time),
    trackingNumber: o.tracking_number || null,
    carrier: o.shipping_provider || null,
    deliveryStatus: deliveryStatus(o.status),
    buyerMessage: o.buyer_message || null,
    externalUpdatedAt: new Date(o.update_time * 1000),
    lines: o.line_items.map((l, i) => ({
      externalId: l.id,
      skuId: l.sku_id,
      sellerSku: l.seller_sku ?? null,
      productId: l.product_id,
      productName: l.product_name,
      skuName: l.sku_name ?? null,
      category: l.product_category ?? null,
      imageUrl: l.sku_image ?? null,
      unitPrice: prices[i]!,
      paidAmount: prices[i]! - shares[i]!,
      rawStatus: l.display_status ?? null,
      trafficSource: UNATTRIBUTED,
    })),
  };
}

/** The seller's partial refund offer on a return, if one was made: an offer, not money paid. */
export function partialRefundOffer(r: ReturnOrder): PlatformReturnInput['offer'] {
  const pr = r.partial_refund;
  if (norm(r.seller_proposed_return_type) !== 'PARTIAL_REFUND' || !pr?.amount || !pr.currency) return null;
  return { kind: 'partial_refund', amount: amount(pr.amount, pr.currency), currency: pr.currency, buyerRejected: r.buyer_rejected_partial_refund === true };
}

export function mapReturn(shopId: string, r: ReturnOrder, records: ReturnRecord[] = []): PlatformReturnInput {
  const currency = r.refund_amount?.currency ?? r.return_line_items[0]?.refund_amount?.currency ?? null;
  const next = r.seller_next_action_response?.[0];
  return {
    shopId,
    kind: 'return',
    externalId: r.return_id,
    externalOrderId: r.order_id,
    type: returnType(r.return_type),
    rawType: r.return_type,
    status: returnStatus(r.return_status),
    rawStatus: r.return_status,
    reasonCode: r.return_reason ?? null,
    reasonText: r.return_reason_text ?? null,
    lines: r.return_line_items.map((l) => ({
      externalOrderLineId: l.order_line_item_id,
      skuId: l.sku_id ?? null,
      productName: l.product_name ?? null,
      refundAmount: l.refund_amount?.refund_total ? amount(l.refund_amount.refund_total, l.refund_amount.currency) : null,
    })),
    currency,
    refundAmount: currency && r.refund_amount?.refund_total ? amount(r.refund_amount.refund_total, currency) : null,
    offer: partialRefundOffer(r),
    photos: records.flatMap((x) => (x.images ?? []).map((i) => i.url).filter((u): u is string => !!u)),
    videos: records.flatMap((x) => (x.videos ?? []).map((v) => v.url).filter((u): u is string => !!u)),
    sellerNextAction: next?.action ?? null,
    sellerDeadline: secs(next?.deadline),
    arbitrationStatus: r.arbitration_status || null,
    requestedAt: new Date(r.create_time * 1000),
    externalUpdatedAt: new Date(r.update_time * 1000),
  };
}

export function mapCancellation(shopId: string, c: Cancellation): PlatformReturnInput {
  const currency = c.refund_amount?.currency ?? null;
  const next = c.seller_next_action_response?.[0];
  return {
    shopId,
    kind: 'cancellation',
    externalId: c.cancel_id,
    externalOrderId: c.order_id,
    type: 'cancellation',
    rawType: c.cancel_type,
    status: cancellationStatus(c.cancel_status),
    rawStatus: c.cancel_status,
    reasonCode: c.cancel_reason ?? null,
    reasonText: c.cancel_reason_text ?? null,
    lines: c.cancel_line_items.map((l) => ({ externalOrderLineId: l.order_line_item_id, skuId: l.sku_id ?? null, refundAmount: l.refund_amount?.refund_total ? amount(l.refund_amount.refund_total, l.refund_amount.currency) : null })),
    currency,
    refundAmount: currency && c.refund_amount?.refund_total ? amount(c.refund_amount.refund_total, currency) : null,
    photos: [],
    videos: [],
    sellerNextAction: next?.action ?? null,
    sellerDeadline: secs(next?.deadline),
    arbitrationStatus: null,
    requestedAt: new Date(c.create_time * 1000),
    externalUpdatedAt: new Date(c.update_time * 1000),
  };
}

/** Message content is a JSON string whose shape depends on the type. */
export function messageContent(m: Message): { text: string; attachments: { url?: string; contentType?: string }[]; orderId?: string } | null {
  let c: Record<string, unknown> = {};
  try {
    c = JSON.parse(m.content) as Record<string, unknown>;
  } catch {
    c = { content: m.content };
  }
  switch (norm(m.type)) {
    case 'TEXT':
      return { text: String(c.content ?? ''), attachments: [] };
    case 'IMAGE':
      return { text: '', attachments: [{ url: String(c.url ?? ''), contentType: 'image/*' }] };
    case 'VIDEO':
      return { text: '', attachments: [{ url: String(c.url ?? ''), contentType: 'video/*' }] };
    case 'ORDER_CARD':
    case 'RETURN_REFUND_CARD':
    case 'LOGISTICS_CARD':
    // The buyer opened the chat from an order page: the platform names that order.
    case 'BUYER_ENTER_FROM_ORDER':
      return { text: '', attachments: [], orderId: c.order_id === undefined ? undefined : String(c.order_id) };
    default:
      return null;
  }
}

export interface ConversationContext {
  orgId: string;
  shopId: string;
  /** Our order for this conversation, if one could be linked. */
  orderId?: string;
  livestreamSessionId?: string;
  language?: string;
}

/** One platform chat message → the helpdesk's InboundMessage (null for cards, system notices, hidden messages). */
export function mapMessage(conv: ConversationRef, m: Message, ctx: ConversationContext): InboundMessage | null {
  if (m.is_visible === false) return null;
  const role = norm(m.sender.role);
  if (role !== 'BUYER' && role !== 'SHOP' && role !== 'CUSTOMER_SERVICE') return null;
  const content = messageContent(m);
  if (!content || (content.text === '' && content.attachments.length === 0)) return null;
  const buyer = conv.participants.find((p) => norm(p.role) === 'BUYER');
  return {
    orgId: ctx.orgId,
    shopId: ctx.shopId,
    channel: ctx.livestreamSessionId ? 'livestream' : 'tiktok_chat',
    externalThreadId: conv.id,
    externalMessageId: m.id,
    buyer: {
      ...(buyer?.user_id ? { externalId: buyer.user_id } : {}),
      ...(buyer?.nickname ? { name: buyer.nickname } : {}),
      ...(ctx.language ? { language: ctx.language } : {}),
    },
    ...(ctx.orderId ? { orderId: ctx.orderId } : {}),
    direction: role === 'BUYER' ? 'inbound' : 'outbound',
    text: content.text,
    ...(content.attachments.length ? { attachments: content.attachments } : {}),
    sentAt: new Date(m.create_time * 1000).toISOString(),
    ...(ctx.livestreamSessionId ? { livestreamSessionId: ctx.livestreamSessionId } : {}),
  };
}
