import { describe, expect, it } from 'vitest';
import { marketOf, sellerCreateReasons, sellerRefundReason } from './reasons.js';

describe('seller refund reason codes (Create Return takes codes, not free text)', () => {
  it.each<[string, string, string, string | null]>([
    ['default', 'DELIVERED', 'Remedy rem_1 (colour_difference)', 'ecom_order_delivered_refund_reason_not_match_description_seller'],
    ['default', 'DELIVERED', 'Remedy rem_2 (damaged_in_transit)', 'ecom_order_delivered_refund_reason_damaged_seller'],
    ['default', 'DELIVERED', 'Parts missing from the box', 'ecom_order_delivered_refund_reason_missing_product_seller'],
    ['default', 'DELIVERED', 'ecom_order_delivered_refund_reason_wrong_product_seller', 'ecom_order_delivered_refund_reason_wrong_product_seller'],
    ['default', 'IN_TRANSIT', 'Parcel lost by the carrier', 'seller_shipped_refund_package_lost'],
    ['default', 'IN_TRANSIT', 'Goodwill', 'seller_shipped_refund_miss_estimated_delivery_date'],
    ['UK', 'DELIVERED', 'Remedy rem_3 (size_fit)', 'ecom_order_delivered_refund_reason_not_match_description_seller_uk'],
    ['UK', 'AWAITING_COLLECTION', 'Goodwill', 'ecom_order_shipped_refund_reason_not_arrive_on_time_seller_uk'],
    ['default', 'COMPLETED', 'Goodwill', null],
    ['default', 'AWAITING_SHIPMENT', 'Goodwill', null],
  ])('%s %s "%s" → %s', (market, status, text, expected) => {
    expect(sellerRefundReason(market as 'UK' | 'default', status, text)).toBe(expected);
  });

  it('knows the UK by GB or UK and has no seller return reason before delivery', () => {
    expect([marketOf('GB'), marketOf('UK'), marketOf('DE'), marketOf(null)]).toEqual(['UK', 'UK', 'default', 'default']);
    expect(sellerCreateReasons('default', 'RETURN_AND_REFUND', 'IN_TRANSIT')).toEqual([]);
  });
});
