import { describe, expect, it } from 'vitest';
import { cancellationStatus, mapMessage, orderStatus, returnStatus, returnType } from './mapping.js';
import { TikTokSchemaError, findDrift, parseResponse } from './json.js';
import { Order, type Conversation, type Message } from './schemas.js';
import { decryptSecret, encryptSecret } from './secrets.js';

describe('lenient enum mapping (raw values are always stored beside these)', () => {
  it('accepts the spellings seen in docs, SDK and webhooks', () => {
    expect(orderStatus('CANCELLED')).toBe('cancelled');
    expect(orderStatus('CANCEL')).toBe('cancelled');
    expect(orderStatus('PARTIALLY_SHIPPING')).toBe('awaiting_shipment');
    expect(orderStatus('in_transit')).toBe('shipped');
    expect(orderStatus('SOMETHING_NEW')).toBe('unknown');
    expect(returnStatus('REFUND_OR_RETURN_REQUEST_REJECT')).toBe('rejected');
    expect(returnStatus('RETURN_OR_REFUND_REQUEST_REJECT')).toBe('rejected');
    expect(returnStatus('REJECT_RECEIVE_PACKAGE')).toBe('receive_rejected');
    expect(returnStatus('AWAITING_BUYER_RESPONSE')).toBe('awaiting_buyer_response');
    expect(returnType('RETURN_AND_REFUND')).toBe('return_and_refund');
    expect(cancellationStatus('CANCELLATION_REQUEST_CANCEL')).toBe('cancelled');
    expect(cancellationStatus('CANCELLATION_REQUEST_CANCELLED')).toBe('cancelled');
  });
});

describe('response parsing', () => {
  const base = { id: '1', status: 'DELIVERED', user_id: '2', create_time: 1, update_time: 2, payment: { currency: 'EUR', total_amount: '1.00' }, line_items: [] };
  it('keeps unknown fields and reports them as drift', () => {
    const v = parseResponse(Order, { ...base, brand_new: 1, payment: { ...base.payment, vat_mode: 'x' } }, 'orders');
    expect((v as Record<string, unknown>).brand_new).toBe(1);
    expect(findDrift(Order, { ...base, brand_new: 1, payment: { ...base.payment, vat_mode: 'x' } }).sort()).toEqual(['brand_new', 'payment.vat_mode']);
  });
  it('names the field that broke the shape', () => {
    expect(() => parseResponse(Order, { ...base, payment: {} }, 'orders')).toThrow(TikTokSchemaError);
    expect(() => parseResponse(Order, { ...base, payment: {} }, 'orders')).toThrow(/payment\.currency/);
  });
});

describe('token encryption at rest', () => {
  it('round-trips and detects tampering', () => {
    const key = Buffer.alloc(32, 3);
    const s = encryptSecret(key, 'ROW_secret');
    expect(s).not.toContain('ROW_secret');
    expect(decryptSecret(key, s)).toBe('ROW_secret');
    expect(() => decryptSecret(Buffer.alloc(32, 4), s)).toThrow();
  });
});

describe('chat messages', () => {
  const conv = { id: '7600000000000000001', participants: [{ im_user_id: '69', user_id: '70', nickname: 'Lena K.', role: 'BUYER' }], create_time: 1 } as unknown as Conversation;
  const msg = (role: string, type = 'TEXT', content = JSON.stringify({ content: 'Hallo' })) =>
    ({ id: `73${role}`, index: '1', type, content, sender: { im_user_id: '69', role }, is_visible: true, create_time: 1_770_000_000 }) as unknown as Message;
  const ctx = { orgId: 'org_1', shopId: 'shp_1', language: 'de' };
  it('imports what the shop or its service team wrote on the platform as outbound, the buyer as inbound, at the platform time', () => {
    expect(mapMessage(conv, msg('BUYER'), ctx)).toMatchObject({ direction: 'inbound', text: 'Hallo', externalThreadId: conv.id, sentAt: '2026-02-02T02:40:00.000Z', buyer: { externalId: '70', name: 'Lena K.', language: 'de' } });
    expect(mapMessage(conv, msg('CUSTOMER_SERVICE'), ctx)).toMatchObject({ direction: 'outbound', text: 'Hallo', sentAt: '2026-02-02T02:40:00.000Z' });
    expect(mapMessage(conv, msg('SHOP'), ctx)).toMatchObject({ direction: 'outbound' });
  });
  it('skips system notices, cards and hidden messages', () => {
    expect(mapMessage(conv, msg('SYSTEM'), ctx)).toBeNull();
    expect(mapMessage(conv, msg('BUYER', 'ORDER_CARD', JSON.stringify({ order_id: '58' })), ctx)).toBeNull();
    expect(mapMessage(conv, { ...msg('BUYER'), is_visible: false } as Message, ctx)).toBeNull();
  });
});
