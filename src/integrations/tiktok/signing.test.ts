import { describe, expect, it } from 'vitest';
import { parseTikTokJson } from './json.js';
import { signRequest, stringToSign, verifyWebhookSignature, webhookSignature } from './signing.js';

/**
 * Fixed vectors. The string-to-sign is written out by hand from the platform's rule
 * (path + sorted key/value pairs without `sign`/`access_token` + raw body), and the expected
 * digest is HMAC-SHA256(key = "s3cr3t", message = "s3cr3t" + string + "s3cr3t") in lowercase hex,
 * computed once outside this code (a one-line crypto.createHmac call on the literal string) and pasted here.
 */
describe('TikTok request signing', () => {
  const secret = 's3cr3t';

  it('signs a POST search: sorted params, no separators, body appended, sign/access_token excluded', () => {
    const query = { timestamp: 1700000000, shop_cipher: 'GCP_XYZ', app_key: 'abc123', page_size: 20, sign: 'ignored', access_token: 'ignored' };
    const body = '{"order_status":"DELIVERED"}';
    const expected = '/order/202309/orders/searchapp_keyabc123page_size20shop_cipherGCP_XYZtimestamp1700000000{"order_status":"DELIVERED"}';
    expect(stringToSign('/order/202309/orders/search', query, body)).toBe(expected);
    const r = signRequest(secret, '/order/202309/orders/search', query, body);
    expect(r.signed).toBe(expected);
    expect(r.sign).toBe('a29440c466d9297cb4329065684ebdb2d3fbfed144d78543d571c329140b47ae');
  });

  it('joins array values with commas and signs a GET without body', () => {
    const r = signRequest(secret, '/order/202309/orders', { app_key: 'abc123', timestamp: '1700000000', shop_cipher: 'GCP_XYZ', ids: ['A1', 'B2'] }, '');
    expect(r.signed).toBe('/order/202309/ordersapp_keyabc123idsA1,B2shop_cipherGCP_XYZtimestamp1700000000');
    expect(r.sign).toBe('c97c2c15d10305445f980c4a06fdbcfdd70fca452a60aa35f614e0814ba0f051');
  });

  it('drops empty/undefined params from the signature (what is signed is what is sent)', () => {
    expect(stringToSign('/p', { b: '', a: undefined, c: 'x', page_token: null })).toBe('/pcx');
  });

  it('sorts by code unit (uppercase before lowercase, "_" after letters) and does not URL-encode', () => {
    expect(stringToSign('/p', { b: '1', a_b: 'x y/z', B: '2', ab: '&' })).toBe('/pB2a_bx y/zab&b1');
  });

  it('leaves the body out for multipart uploads', () => {
    expect(stringToSign('/customer_service/202309/images/upload', { app_key: 'k' }, 'binary', { multipart: true })).toBe('/customer_service/202309/images/uploadapp_keyk');
  });

  it('emits lowercase hex only (uppercase is rejected by the platform)', () => {
    expect(signRequest(secret, '/x', {}, '').sign).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('TikTok webhook signature', () => {
  const body = '{"type":1,"shop_id":"7494001000000000001"}';
  it('is HMAC-SHA256(app_secret, app_key + raw body) in lowercase hex', () => {
    expect(webhookSignature('abc123', 's3cr3t', body)).toBe('e9a7c08fad096e756ad08f7d2b6662bdb1eff8ea0e7b21fb6c7c895f902d8b46');
  });
  it('accepts the right signature and says why it rejects others', () => {
    const sig = 'e9a7c08fad096e756ad08f7d2b6662bdb1eff8ea0e7b21fb6c7c895f902d8b46';
    expect(verifyWebhookSignature('abc123', 's3cr3t', Buffer.from(body), sig)).toEqual({ valid: true });
    expect(verifyWebhookSignature('abc123', 's3cr3t', body, undefined)).toMatchObject({ valid: false, reason: 'missing_signature' });
    expect(verifyWebhookSignature('abc123', 's3cr3t', body, 'Bearer x')).toMatchObject({ valid: false, reason: 'malformed_signature' });
    expect(verifyWebhookSignature('abc123', 's3cr3t', body + '\n', sig)).toMatchObject({ valid: false, reason: 'mismatch' });
    expect(verifyWebhookSignature('other', 's3cr3t', body, sig)).toMatchObject({ valid: false, reason: 'mismatch' });
    // Re-encoding the JSON (spaces) changes the digest: we must hash the raw bytes.
    expect(verifyWebhookSignature('abc123', 's3cr3t', JSON.stringify(JSON.parse(body), null, 1), sig)).toMatchObject({ valid: false });
  });
});

describe('big-int-safe JSON', () => {
  it('keeps 64-bit ids exact and small numbers numeric', () => {
    const v = parseTikTokJson('{"product_id":576486316948490001,"type":12,"price":"19.99","ratio":0.5}') as Record<string, unknown>;
    expect(v).toEqual({ product_id: '576486316948490001', type: 12, price: '19.99', ratio: 0.5 });
    expect(JSON.parse('{"a":576486316948490001}').a).not.toBe(576486316948490001n.toString());
  });
});
