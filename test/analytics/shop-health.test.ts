import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyticsService, type OwnerNotice } from '../../src/modules/analytics/index.js';
import type { OrderInput, PlatformReturnInput } from '../../src/modules/orders/index.js';
import { ManualClock } from '../../src/platform/clock.js';
import { newId } from '../../src/platform/ids.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg } from '../helpers/org.js';

let ctx: TestContext;
const clock = new ManualClock(new Date('2026-03-20T08:00:00Z'));
beforeAll(async () => {
  ctx = await createTestContext({ clock });
});
afterAll(async () => {
  await ctx?.close();
});

const order = (shopId: string, ext: string): OrderInput =>
  ({ shopId, externalId: ext, buyer: { platformBuyerId: `b-${ext}`, displayName: null, email: null }, status: 'delivered', rawStatus: 'DELIVERED', currency: 'EUR', subtotal: 1000, shipping: 0, sellerDiscount: 0, platformDiscount: 0, tax: 0, total: 1000, placedAt: new Date('2026-03-01T10:00:00Z'), paidAt: null, deliveredAt: new Date('2026-03-04T10:00:00Z'), trackingNumber: null, carrier: null, deliveryStatus: 'delivered', externalUpdatedAt: new Date('2026-03-04T10:00:00Z'), lines: [{ externalId: `${ext}-1`, skuId: 's', productId: 'p', productName: 'Bag', unitPrice: 1000, paidAmount: 1000, trafficSource: { type: 'organic', id: null, name: null } }] }) as unknown as OrderInput;
const ret = (shopId: string, ext: string, reason: string): PlatformReturnInput => ({ shopId, kind: 'return', externalId: `R-${ext}`, externalOrderId: ext, type: 'return_and_refund', rawType: 'RETURN_AND_REFUND', status: 'requested', rawStatus: 'RETURN_OR_REFUND_REQUEST_PENDING', reasonCode: reason, reasonText: reason, lines: [{ externalOrderLineId: `${ext}-1`, refundAmount: 1000 }], currency: 'EUR', refundAmount: 1000, photos: [], videos: [], requestedAt: new Date('2026-03-05T10:00:00Z'), externalUpdatedAt: new Date('2026-03-05T10:00:00Z') });

describe('shop health', () => {
  it('computes the non-buyer-fault return rate, uses the market limit with its source, and warns the owners once a day', async () => {
    const org = await createTestOrg(ctx);
    const owner = actorFor(org, 'owner');
    const notices: OwnerNotice[] = [];
    const a = createAnalyticsService({ db: ctx.platform.db, ids: newId, clock, notifyOwners: async (_org, n) => void notices.push(n) });
    // 50 delivered; 3 returned "damaged" (carrier), 1 "not as described" (seller), 2 "no longer needed" (buyer).
    const orders = Array.from({ length: 50 }, (_, i) => order(org.shopId, `H${i}`));
    const returns = [...[0, 1, 2].map((i) => ret(org.shopId, `H${i}`, 'ecom_order_delivered_refund_and_return_reason_damaged')), ret(org.shopId, 'H3', 'ecom_order_delivered_refund_and_return_reason_not_as_described'), ...[4, 5].map((i) => ret(org.shopId, `H${i}`, 'ecom_order_delivered_refund_and_return_reason_no_longer_needed'))];
    await ctx.platform.db.tenant(org.orgId, async (tx) => {
      await ctx.services.orders.applyOrders(tx, org.orgId, orders);
      await ctx.services.orders.applyPlatformReturns(tx, org.orgId, returns);
    });
    const [h] = await a.shopHealth(owner, { shopId: org.shopId });
    const nbf = h!.metrics.find((m) => m.metric === 'non_buyer_fault_return_rate')!;
    // (3 carrier + 1 seller) / 50 = 8 % against the default 5 %: crossed.
    expect(nbf).toMatchObject({ value: 4 / 50, limit: 0.05, state: 'crossed', better: 'lower' });
    expect(nbf.source).toMatch(/no public TikTok Shop source/);
    expect(h!.rating).toBeNull();

    await a.setThreshold(owner, { market: 'DE', metric: 'non_buyer_fault_return_rate', limit: 0.09, source: 'Seller Center DE, shop health page (our screenshot 2026-03)' });
    const [h2] = await a.shopHealth(owner, { shopId: org.shopId });
    // 8 % against 9 %: within 20 % of the way to the limit → near.
    expect(h2!.metrics.find((m) => m.metric === 'non_buyer_fault_return_rate')).toMatchObject({ limit: 0.09, state: 'near', source: 'Seller Center DE, shop health page (our screenshot 2026-03)' });

    expect(await a.checkHealth(org.orgId)).toBe(1);
    expect(notices).toEqual([expect.objectContaining({ kind: 'shop_health', shopId: org.shopId, metric: 'non_buyer_fault_return_rate', severity: 'near', value: 0.08, limit: 0.09 })]);
    // Once a day per shop and metric.
    expect(await a.checkHealth(org.orgId)).toBe(0);
    clock.advance(24 * 3600_000);
    expect(await a.checkHealth(org.orgId)).toBe(1);
  });
});

describe('operations', () => {
  it('SLA clocks by shop, channel, agent, policy and promise; buyers who complained vs not', async () => {
    const { seedOrder, seedTicket } = await import('../helpers/returns.js');
    const org = await createTestOrg(ctx);
    const owner = actorFor(org, 'owner');
    const complained = await seedOrder(ctx, org, { lines: [{ unitPrice: 10_000 }] });
    await seedOrder(ctx, org, { lines: [{ unitPrice: 5_000 }] });
    await seedTicket(ctx, org, complained.orderId, 'Kaputt angekommen');
    const from = new Date(clock.now().getTime() - 86_400_000).toISOString().slice(0, 10);
    const to = new Date(clock.now().getTime() + 2 * 86_400_000).toISOString().slice(0, 10);
    const ops = await ctx.services.analytics.operations(owner, { from, to });
    // One ticket: its first-reply clock runs (neither met nor breached yet) under every dimension.
    const firstReply = ops.sla.filter((r) => r.metric === 'first_reply');
    expect(firstReply.map((r) => r.dimension).sort()).toEqual(['agent', 'channel', 'policy', 'promise', 'shop']);
    expect(firstReply.every((r) => r.met === 0 && r.breached === 0 && r.attainment === null)).toBe(true);
    expect(firstReply.find((r) => r.dimension === 'shop')!.key).toBe(org.shopId);
    // Two buyers: the one with a ticket and the one without, each with one order.
    expect(ops.buyers.map((b) => [b.complained, b.buyers, b.repurchaseRate])).toEqual([[false, 1, 0], [true, 1, 0]]);
  });
});
