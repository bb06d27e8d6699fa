/**
 * Reason codes a seller may put on Create Return, by market, return type and order status
 * (Partner Center "Refund reasons" and "Return reasons" tables). The UK renames several; other
 * markets in those tables share the US names, and our EU shops are assumed to as well.
 */
export type Market = 'UK' | 'default';
type CreateType = 'REFUND' | 'RETURN_AND_REFUND';
type Stage = 'shipped' | 'delivered';

const DELIVERED_REFUND = ['missing_product', 'not_received', 'not_match_description', 'damaged', 'wrong_product', 'missed_delivery_date'];

export const SELLER_CREATE_REASONS: Record<Market, Record<CreateType, Partial<Record<Stage, string[]>>>> = {
  default: {
    REFUND: {
      shipped: ['seller_shipped_refund_package_lost', 'seller_shipped_refund_package_delivery_failed', 'seller_shipped_refund_miss_estimated_delivery_date'],
      delivered: DELIVERED_REFUND.map((k) => `ecom_order_delivered_refund_reason_${k}_seller`),
    },
    RETURN_AND_REFUND: { delivered: ['seller_ecom_delivered_return_refund_reason1'] },
  },
  UK: {
    REFUND: {
      shipped: ['seller_package_lost_uk', 'ecom_order_shipped_refund_reason_not_arrive_on_time_seller_uk'],
      delivered: [...DELIVERED_REFUND.map((k) => `ecom_order_delivered_refund_reason_${k}_seller_uk`), 'ecom_order_delivered_refund_reason_defective_seller_uk', 'buyer_refund_suspected_counterfeit_seller_uk'],
    },
    RETURN_AND_REFUND: {
      delivered: [
        'seller_ecom_delivered_return_refund_reason1_uk',
        ...['not_match_description', 'missing_product', 'damaged', 'defective', 'wrong_product'].map((k) => `ecom_order_delivered_refund_and_return_reason_${k}_seller_uk`),
        'buyer_return_and_refund_suspected_counterfeit_seller_uk',
      ],
    },
  },
};

/** Seller Cancel Order reasons by order status (Partner Center "Cancel reasons"). */
export const SELLER_CANCEL_REASONS: Record<Market, Record<'unpaid' | 'paid', string[]>> = {
  default: {
    unpaid: ['seller_cancel_unpaid_reason_out_of_stock', 'seller_cancel_unpaid_reason_wrong_price', 'seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed', 'seller_cancel_unpaid_reason_buyer_requested_cancellation'],
    paid: ['seller_cancel_reason_out_of_stock', 'seller_cancel_reason_wrong_price', 'seller_cancel_paid_reason_address_not_deliver', 'seller_cancel_paid_reason_buyer_requested_cancellation'],
  },
  UK: {
    unpaid: ['seller_cancel_unpaid_reason_out_of_stock_uk', 'seller_cancel_unpaid_reason_wrong_price_uk', 'seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed_uk'],
    paid: ['seller_cancel_reason_wrong_price_uk', 'seller_cancel_paid_reason_address_not_deliver_uk', 'seller_cancel_reason_out_of_stock_uk'],
  },
};

export function sellerCancelReasons(market: Market, orderStatus: string): string[] {
  if (orderStatus === 'UNPAID') return SELLER_CANCEL_REASONS[market].unpaid;
  if (orderStatus === 'ON_HOLD' || orderStatus === 'AWAITING_SHIPMENT') return SELLER_CANCEL_REASONS[market].paid;
  return [];
}

export const marketOf = (region: string | null | undefined): Market => (region === 'GB' || region === 'UK' ? 'UK' : 'default');

const stageOf = (orderStatus: string): Stage | undefined =>
  orderStatus === 'AWAITING_COLLECTION' || orderStatus === 'IN_TRANSIT' ? 'shipped' : orderStatus === 'DELIVERED' ? 'delivered' : undefined;

export function sellerCreateReasons(market: Market, type: CreateType, orderStatus: string): string[] {
  const stage = stageOf(orderStatus);
  return stage ? (SELLER_CREATE_REASONS[market][type][stage] ?? []) : [];
}

/**
 * The reason code for a seller-initiated refund. The platform takes only codes from its table for
 * the order's status; our refunds carry free text (a remedy's category), so the nearest code is
 * chosen from it. Null when the order's status allows no seller refund (the platform will say so).
 */
export function sellerRefundReason(market: Market, orderStatus: string, text: string): string | null {
  const allowed = sellerCreateReasons(market, 'REFUND', orderStatus);
  if (allowed.length === 0) return null;
  if (allowed.includes(text)) return text;
  const t = text.toLowerCase();
  const pick = (needle: string) => allowed.find((r) => r.includes(needle));
  if (stageOf(orderStatus) === 'shipped') return (/lost/.test(t) ? pick('lost') : undefined) ?? pick('estimated_delivery') ?? pick('not_arrive_on_time') ?? allowed[0]!;
  const byWord: [RegExp, string][] = [
    [/damag|broken/, 'damaged'],
    [/missing/, 'missing_product'],
    [/wrong/, 'wrong_product'],
    [/not.?received|lost|never arrived/, 'not_received'],
    [/late|delay/, 'missed_delivery_date'],
  ];
  for (const [re, key] of byWord) if (re.test(t)) return pick(key) ?? allowed[0]!;
  return pick('not_match_description') ?? allowed[0]!;
}
