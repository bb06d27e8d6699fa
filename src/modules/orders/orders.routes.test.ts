import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { createTestOrg } from '../../../test/helpers/org.js';
import type { OrderInput, PlatformReturnInput } from './orders.dto.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

function order(shopId: string, ext: string, over: Partial<OrderInput> = {}): OrderInput {
  return {
    shopId,
    externalId: ext,
    buyer: { platformBuyerId: 'b-1', displayName: 'Lena M.', email: 'x@scs.tiktokw.eu', language: 'de', country: 'DE' },
    status: 'delivered',
    rawStatus: 'DELIVERED',
    currency: 'EUR',
    subtotal: 24000,
    shipping: 0,
    sellerDiscount: 0,
    platformDiscount: 0,
    tax: 0,
    total: 24000,
    placedAt: new Date('2026-03-01T10:00:00Z'),
    paidAt: new Date('2026-03-01T10:00:30Z'),
    deliveredAt: new Date('2026-03-04T10:00:00Z'),
    trackingNumber: 'DH123',
    carrier: 'DHL',
    deliveryStatus: 'delivered',
    externalUpdatedAt: new Date('2026-03-04T10:00:00Z'),
    lines: [
      { externalId: `${ext}-1`, skuId: 'sku-1', productId: 'p-1', productName: 'Foulard Soie', unitPrice: 24000, paidAmount: 24000, trafficSource: { type: 'livestream', id: 'live-7', name: 'Rose Poudré launch' } },
    ],
    ...over,
  };
}

describe('orders module', () => {
  it('serves order, sidebar (lines, source, delivery, return history, lifetime value), buyer and platform returns; 404 across organisations', async () => {
    const org = await createTestOrg(ctx);
    const other = await createTestOrg(ctx);
    const svc = ctx.services.orders;
    const ids = await ctx.platform.db.tenant(org.orgId, (tx) => svc.applyOrders(tx, org.orgId, [order(org.shopId, 'A'), order(org.shopId, 'B', { total: 10000, subtotal: 10000 }), order(org.shopId, 'C', { status: 'cancelled', rawStatus: 'CANCELLED', total: 5000 })]));
    const ret: PlatformReturnInput = {
      shopId: org.shopId,
      kind: 'return',
      externalId: 'R1',
      externalOrderId: 'A',
      type: 'return_and_refund',
      rawType: 'RETURN_AND_REFUND',
      status: 'requested',
      rawStatus: 'RETURN_OR_REFUND_REQUEST_PENDING',
      reasonCode: 'not_as_described',
      reasonText: 'Farbe weicht vom Livestream ab',
      lines: [{ externalOrderLineId: 'A-1', refundAmount: 24000 }],
      currency: 'EUR',
      refundAmount: 24000,
      photos: ['https://img/1.jpg'],
      videos: [],
      sellerNextAction: 'SELLER_RESPOND_RETURN',
      sellerDeadline: new Date('2026-03-07T10:00:00Z'),
      requestedAt: new Date('2026-03-05T10:00:00Z'),
      externalUpdatedAt: new Date('2026-03-05T10:00:00Z'),
    };
    await ctx.platform.db.tenant(org.orgId, (tx) => svc.applyPlatformReturns(tx, org.orgId, [ret]));
    // An older re-fetch never overwrites a newer state.
    await ctx.platform.db.tenant(org.orgId, (tx) => svc.applyOrders(tx, org.orgId, [order(org.shopId, 'A', { status: 'shipped', rawStatus: 'IN_TRANSIT', externalUpdatedAt: new Date('2026-03-02T00:00:00Z') })]));

    const cookie = await org.cookie('agent');
    const a = ids.get('A')!;
    const res = await ctx.app.inject({ url: `/api/orders/${a}`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: a, externalId: 'A', status: 'delivered', rawStatus: 'DELIVERED', total: 24000, lines: [{ externalId: 'A-1', paidAmount: 24000, trafficSource: { type: 'livestream', id: 'live-7', name: 'Rose Poudré launch' } }] });

    const side = await ctx.app.inject({ url: `/api/orders/${a}/sidebar`, headers: { cookie } });
    expect(side.statusCode).toBe(200);
    const sb = side.json();
    expect(sb.delivery).toEqual({ status: 'delivered', trackingNumber: 'DH123', carrier: 'DHL', deliveredAt: '2026-03-04T10:00:00.000Z' });
    // Cancelled orders do not count towards lifetime value.
    expect(sb.buyer.lifetimeValue).toEqual({ amount: 34000, currency: 'EUR', orderCount: 2 });
    expect(sb.returnHistory).toHaveLength(1);
    expect(sb.returnHistory[0]).toMatchObject({ externalId: 'R1', orderId: a, status: 'requested', photos: ['https://img/1.jpg'], lines: [{ externalOrderLineId: 'A-1', orderLineId: sb.order.lines[0].id, refundAmount: 24000 }] });

    const buyer = await ctx.app.inject({ url: `/api/buyers/${sb.buyer.id}`, headers: { cookie } });
    expect(buyer.json()).toMatchObject({ platformBuyerId: 'b-1', language: 'de', country: 'DE' });
    const list = await ctx.app.inject({ url: '/api/platform-returns?status=requested', headers: { cookie } });
    expect(list.json().items.map((r: { externalId: string }) => r.externalId)).toEqual(['R1']);
    const bad = await ctx.app.inject({ url: '/api/platform-returns?status=nope&extra=1', headers: { cookie } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.issues.map((i: { field: string }) => i.field).sort()).toEqual(['querystring.extra', 'querystring.status'].sort());

    const foreign = await other.cookie('agent');
    expect((await ctx.app.inject({ url: `/api/orders/${a}`, headers: { cookie: foreign } })).statusCode).toBe(404);
    expect((await ctx.app.inject({ url: `/api/orders/${a}/sidebar`, headers: { cookie: foreign } })).statusCode).toBe(404);
    expect((await ctx.app.inject({ url: `/api/buyers/${sb.buyer.id}`, headers: { cookie: foreign } })).statusCode).toBe(404);
    expect((await ctx.app.inject({ url: '/api/platform-returns', headers: { cookie: foreign } })).json().items).toEqual([]);
    expect((await ctx.app.inject({ url: `/api/orders/${a}` })).statusCode).toBe(401);
  });
});
