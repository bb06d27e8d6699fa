import { describe, expect, it } from 'vitest';
import { decodeWork, encodeWork, workOf } from './webhooks.rules.js';

describe('webhook work, decided at receipt', () => {
  it('names the entity each topic re-fetches', () => {
    expect(workOf({ type: 1, data: { order_id: '576000000000000001', order_status: 'AWAITING_SHIPMENT' } })).toEqual({ kind: 'fetch', orderIds: ['576000000000000001'], returnIds: [], cancelIds: [], conversationIds: [] });
    expect(workOf({ type: 3, data: { order_id: 42 } })).toMatchObject({ orderIds: ['42'] });
    expect(workOf({ type: 4, data: { package_list: [{ order_id_list: ['1', '2'] }, { order_id_list: [3] }, {}] } })).toMatchObject({ orderIds: ['1', '2', '3'] });
    expect(workOf({ type: 11, data: { cancel_id: 'c1', order_id: 'o1' } })).toMatchObject({ cancelIds: ['c1'], orderIds: [] });
    expect(workOf({ type: 12, data: { return_id: 'r9', order_id: 'o1' } })).toMatchObject({ returnIds: ['r9'], orderIds: [] });
    expect(workOf({ type: 13, data: { conversation_id: 'v1' } })).toMatchObject({ conversationIds: ['v1'] });
    expect(workOf({ type: 14, data: { conversation_id: 'v2', message_id: 'm' } })).toMatchObject({ conversationIds: ['v2'] });
  });

  it('de-authorisation and expiry are actions; unknown topics and missing ids are ignored', () => {
    expect(workOf({ type: 6, data: {} })).toEqual({ kind: 'deauth' });
    expect(workOf({ type: 7, data: { expiration_time: 1 } })).toEqual({ kind: 'expiring' });
    expect(workOf({ type: 99, data: { product_id: 'p' } })).toEqual({ kind: 'ignore' });
    expect(workOf({ type: 15, data: {} })).toEqual({ kind: 'ignore' });
    expect(workOf({ type: 1, data: {} })).toEqual({ kind: 'ignore' });
    expect(workOf({ type: 12, data: { return_id: '' } })).toEqual({ kind: 'ignore' });
    expect(workOf({ type: 4, data: { package_list: 'nope' } })).toEqual({ kind: 'ignore' });
    expect(workOf({ type: 1, data: { order_id: 'a b' } })).toEqual({ kind: 'ignore' });
  });

  it('product events (5, 15, 16) refresh the named product', () => {
    for (const type of [5, 15, 16]) expect(workOf({ type, data: { product_id: '1729601000000000002', update_time: 1 } })).toEqual({ kind: 'products', productIds: ['1729601000000000002'] });
    expect(encodeWork(workOf({ type: 15, data: { product_id: '17296' } }))).toBe('p:17296');
  });

  it('round-trips through the stored form', () => {
    for (const w of [
      workOf({ type: 4, data: { package_list: [{ order_id_list: ['1', '2'] }] } }),
      workOf({ type: 12, data: { return_id: 'r9' } }),
      workOf({ type: 14, data: { conversation_id: 'v2' } }),
      workOf({ type: 5, data: { product_id: 'p7' } }),
      { kind: 'deauth' as const },
      { kind: 'expiring' as const },
      { kind: 'ignore' as const },
    ]) {
      expect(decodeWork(encodeWork(w))).toEqual(w);
    }
    expect(encodeWork(workOf({ type: 4, data: { package_list: [{ order_id_list: ['1', '2'] }] } }))).toBe('o:1 o:2');
  });

  it('an absent or unreadable stored form means "parse the raw body"', () => {
    expect(decodeWork(null)).toBeUndefined();
    expect(decodeWork('')).toBeUndefined();
    expect(decodeWork('x:1')).toBeUndefined();
    expect(decodeWork('o:1  o:2')).toBeUndefined();
  });
});
