import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tiktokConnections, tiktokSyncCursors } from '../../src/integrations/tiktok/tiktok.schema.js';
import { buyers as buyersTable, orderLines as orderLinesTable, orders as ordersTable, platformReturns as platformReturnsTable } from '../../src/modules/orders/orders.schema.js';
import { tickets as ticketsTable } from '../../src/modules/helpdesk/helpdesk.schema.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { connectedWorld } from './helpers.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const q = <T>(orgId: string, fn: (tx: Parameters<Parameters<TestContext['platform']['db']['tenant']>[1]>[0]) => Promise<T>) => ctx.platform.db.tenant(orgId, fn);

describe('incremental sync', () => {
  it('pulls everything once, then only what changed since the cursor (update_time_ge, inclusive)', async () => {
    let offset = 0;
    const w = await connectedWorld(ctx, { nowMs: () => Date.now() + offset });
    try {
      const world = w.sandbox.world;
      const mine = [...world.orders.values()].filter((o) => o.shopId === w.tiktokShopId);
      const first = await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders'], { pageSize: 5 });
      expect(first.orders).toBe(mine.length);
      const maxUpdate = Math.max(...mine.map((o) => o.updateTime));
      const [cur] = await q(w.org.orgId, (tx) => tx.select().from(tiktokSyncCursors).where(and(eq(tiktokSyncCursors.orgId, w.org.orgId), eq(tiktokSyncCursors.kind, 'orders'))));
      expect(cur).toMatchObject({ shopId: w.shopId, watermark: maxUpdate, lastCount: mine.length });
      const rows = await q(w.org.orgId, (tx) => tx.select().from(ordersTable).where(eq(ordersTable.orgId, w.org.orgId)));
      expect(rows).toHaveLength(mine.length);
      const lines = await q(w.org.orgId, (tx) => tx.select().from(orderLinesTable).where(eq(orderLinesTable.orgId, w.org.orgId)));
      expect(lines).toHaveLength(mine.reduce((a, o) => a + o.lines.length, 0));

      // Two minutes later one order ships and a new one arrives; nothing else changes.
      offset = 120_000;
      const target = mine.find((o) => o.status === 'AWAITING_SHIPMENT') ?? mine[0]!;
      world.ship(target.id, { silent: true });
      const fresh = world.createOrder(w.tiktokShopId, { silent: true });
      const expected = [...world.orders.values()].filter((o) => o.shopId === w.tiktokShopId && o.updateTime >= maxUpdate);
      const second = await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ["orders"]);
      expect(second.orders).toBe(expected.length);
      expect(expected.map((o) => o.id)).toContain(target.id);
      expect(expected.map((o) => o.id)).toContain(fresh.id);
      const shipped = await ctx.services.orders.findOrderByExternalId({ orgId: w.org.orgId, userId: 'x', role: 'owner' }, w.shopId, target.id);
      expect(shipped).toMatchObject({ rawStatus: 'IN_TRANSIT', status: 'shipped', deliveryStatus: 'in_transit', trackingNumber: world.orders.get(target.id)!.trackingNumber });
      const third = await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders']);
      // Only the entities sitting exactly on the watermark second come back (inclusive bound).
      // Only the entity sitting exactly on the watermark second comes back (inclusive bound): the new order.
      expect(third.orders).toBe([...world.orders.values()].filter((o) => o.shopId === w.tiktokShopId && o.updateTime >= fresh.updateTime).length);
      expect(third.orders).toBe(1);
    } finally {
      await w.close();
    }
  });

  it('maps money, discounts per line, traffic sources, buyers and returns with photos; reconciliation catches missed webhooks', async () => {
    const w = await connectedWorld(ctx);
    try {
      const world = w.sandbox.world;
      const shop = world.shop(w.tiktokShopId)!;
      const live = shop.sources.findIndex((s) => s.type === 'LIVE' && s.product === 'aurore');
      world.goLive(w.tiktokShopId, live);
      // The shop's LIVE session list is synced (Analytics API), so a chat about an order placed during it is a livestream ticket.
      await ctx.services.tiktok.attribution.syncShop(w.org.orgId, w.shopId, { days: 2 });
      const o = world.createOrder(w.tiktokShopId, { productKey: 'aurore', sourceIdx: live, units: 2, silent: true });
      o.sellerDiscount = 1001; // odd cents: the allocation must still add up
      world.setOrderStatus(o.id, 'DELIVERED', { silent: true });
      const rt = world.openReturn(o.id, { reason: 'colour', silent: true });
      world.buyerMessage(o, 'colour', { silent: true });
      // Webhooks were never delivered (no address registered): the reconciliation pass (reconcileAll
      // runs exactly this per active shop) finds everything from the cursors.
      const r = await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId);
      expect(r).toMatchObject({ returns: [...world.returns.values()].filter((x) => x.shopId === w.tiktokShopId).length });
      // The order arrived organic (line items name no source); the next attribution pass claims it for the session.
      await ctx.services.tiktok.attribution.syncShop(w.org.orgId, w.shopId, { days: 2 });
      const order = await ctx.services.orders.findOrderByExternalId({ orgId: w.org.orgId, userId: 'x', role: 'owner' }, w.shopId, o.id);
      expect(order).not.toBeNull();
      expect(order!.lines).toHaveLength(2);
      expect(order!.lines.map((l) => l.unitPrice)).toEqual([129000, 129000]);
      expect(order!.lines.map((l) => l.paidAmount)).toEqual([129000 - 501, 129000 - 500]);
      expect(order!.lines[0]!.trafficSource).toEqual({ type: 'livestream', id: shop.sources[live]!.id, name: shop.sources[live]!.name });
      expect(order!.lines[0]).toMatchObject({ category: 'designer_fashion', productName: 'Sac Aurore Leather Handbag', skuName: 'Rose Poudré' });
      expect(order).toMatchObject({ currency: 'EUR', sellerDiscount: 1001, total: 2 * 129000 - 1001 - o.platformDiscount + o.shippingFee, status: 'delivered' });
      const [buyer] = await q(w.org.orgId, (tx) => tx.select().from(buyersTable).where(and(eq(buyersTable.orgId, w.org.orgId), eq(buyersTable.platformBuyerId, o.buyer.userId))));
      expect(buyer).toMatchObject({ displayName: o.buyer.nickname, email: o.buyer.email, country: 'DE', language: 'de' });
      const [prt] = await q(w.org.orgId, (tx) => tx.select().from(platformReturnsTable).where(and(eq(platformReturnsTable.orgId, w.org.orgId), eq(platformReturnsTable.externalId, rt.id))));
      expect(prt).toMatchObject({
        kind: 'return',
        status: 'requested',
        rawStatus: 'RETURN_OR_REFUND_REQUEST_PENDING',
        type: 'return_and_refund',
        reasonText: 'Farbe weicht vom Livestream ab',
        sellerNextAction: 'SELLER_RESPOND_RETURN',
        refundAmount: 129000 - 501,
        orderId: order!.id,
        buyerId: buyer!.id,
      });
      expect(prt!.photos).toHaveLength(2);
      expect(prt!.lines).toEqual([{ orderLineId: order!.lines[0]!.id, externalOrderLineId: o.lines[0]!.id, skuId: shop.products.find((p) => p.key === 'aurore')!.skuId, productName: 'Sac Aurore Leather Handbag', refundAmount: 129000 - 501 }]);
      expect(prt!.sellerDeadline!.getTime()).toBe((rt.updateTime + 48 * 3600) * 1000);
      // The chat and the return request reached the inbox; the chat is a livestream ticket.
      const tickets = await q(w.org.orgId, (tx) => tx.select().from(ticketsTable).where(eq(ticketsTable.orgId, w.org.orgId)));
      const byChannel = Object.fromEntries(tickets.filter((t) => t.orderId === order!.id).map((t) => [t.channel, t.externalThreadId]));
      expect(byChannel).toMatchObject({ livestream: [...world.conversations.values()].find((c) => c.buyer.userId === o.buyer.userId)!.id, tiktok_return_request: `return:${rt.id}` });
      // A second reconciliation is a no-op for the inbox (idempotent ingestion).
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId);
      expect(await q(w.org.orgId, (tx) => tx.select().from(ticketsTable).where(eq(ticketsTable.orgId, w.org.orgId)))).toHaveLength(tickets.length);
    } finally {
      await w.close();
    }
  });

  it('a delivered line stays open to returns: DELIVERED lines map as delivered and the order is eligible', async () => {
    const w = await connectedWorld(ctx);
    try {
      const world = w.sandbox.world;
      const o = world.createOrder(w.tiktokShopId, { productKey: 'aurore', units: 1, silent: true });
      world.ship(o.id, { silent: true });
      world.setOrderStatus(o.id, 'DELIVERED', { silent: true });
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders']);
      const owner = { orgId: w.org.orgId, userId: w.org.users.owner.id, role: 'owner' as const };
      const order = await ctx.services.orders.findOrderByExternalId(owner, w.shopId, o.id);
      expect(order).toMatchObject({ status: 'delivered', rawStatus: 'DELIVERED', deliveryStatus: 'delivered' });
      expect(order!.lines.map((l) => l.rawStatus)).toEqual(['DELIVERED']);
      const e = await ctx.services.returns.eligibility(owner, { orderId: order!.id, orderLineIds: order!.lines.map((l) => l.id), reasonCode: 'changed_mind' });
      expect(e.reasons).toEqual([]);
      expect(e.eligible).toBe(true);
    } finally {
      await w.close();
    }
  });

  it('stores a partial refund offer as an offer beside the requested refund, and the refusal', async () => {
    const w = await connectedWorld(ctx);
    try {
      const world = w.sandbox.world;
      const o = world.createOrder(w.tiktokShopId, { productKey: 'aurore', units: 1, silent: true });
      world.ship(o.id, { silent: true });
      world.setOrderStatus(o.id, 'DELIVERED', { silent: true });
      const rt = world.openReturn(o.id, { reason: 'colour', type: 'RETURN_AND_REFUND', silent: true });
      rt.partialRefund = 2500;
      world.setReturnStatus(rt.id, 'AWAITING_BUYER_RESPONSE', { role: 'SELLER', silent: true });
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders', 'returns']);
      const row = async () => (await q(w.org.orgId, (tx) => tx.select().from(platformReturnsTable).where(and(eq(platformReturnsTable.orgId, w.org.orgId), eq(platformReturnsTable.externalId, rt.id)))))[0]!;
      expect(await row()).toMatchObject({ status: 'awaiting_buyer_response', refundAmount: rt.refundTotal, offer: { kind: 'partial_refund', amount: 2500, currency: 'EUR', buyerRejected: false } });
      world.answerPartialRefund(rt.id, false, { silent: true });
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['returns']);
      expect(await row()).toMatchObject({ status: 'requested', refundAmount: rt.refundTotal, offer: { amount: 2500, buyerRejected: true } });
      expect(w.sandbox.refunds.filter((r) => r.returnId === rt.id)).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it('links a chat the buyer opened from an order page (BUYER_ENTER_FROM_ORDER) to that order, not the buyer\'s latest', async () => {
    const w = await connectedWorld(ctx);
    try {
      const world = w.sandbox.world;
      const first = world.createOrder(w.tiktokShopId, { silent: true });
      world.ship(first.id, { silent: true });
      world.setOrderStatus(first.id, 'DELIVERED', { silent: true });
      const later = world.createOrder(w.tiktokShopId, { buyer: first.buyer, silent: true });
      world.buyerEntersFromOrder(first, 'damaged', { silent: true });
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders', 'conversations']);
      const owner = { orgId: w.org.orgId, userId: 'x', role: 'owner' as const };
      const ours = await ctx.services.orders.findOrderByExternalId(owner, w.shopId, first.id);
      const newer = await ctx.services.orders.findOrderByExternalId(owner, w.shopId, later.id);
      expect(newer).not.toBeNull();
      const conv = [...world.conversations.values()].find((c) => c.buyer.userId === first.buyer.userId)!;
      expect(conv.messages.map((m) => m.type).slice(-2)).toEqual(['BUYER_ENTER_FROM_ORDER', 'TEXT']);
      const tickets = await q(w.org.orgId, (tx) => tx.select().from(ticketsTable).where(and(eq(ticketsTable.orgId, w.org.orgId), eq(ticketsTable.externalThreadId, conv.id))));
      expect(tickets.map((t) => t.orderId)).toEqual([ours!.id]);
    } finally {
      await w.close();
    }
  });

  it('a buyer\'s cancellation request reaches the inbox once, linked to its order', async () => {
    const w = await connectedWorld(ctx);
    try {
      const world = w.sandbox.world;
      const o = world.createOrder(w.tiktokShopId, { silent: true });
      const c = world.requestCancel(o.id, { silent: true });
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders', 'cancellations']);
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['cancellations']);
      const ours = await ctx.services.orders.findOrderByExternalId({ orgId: w.org.orgId, userId: 'x', role: 'owner' }, w.shopId, o.id);
      const tickets = await q(w.org.orgId, (tx) => tx.select().from(ticketsTable).where(and(eq(ticketsTable.orgId, w.org.orgId), eq(ticketsTable.externalThreadId, `cancel:${c.id}`))));
      expect(tickets.map((t) => [t.channel, t.orderId])).toEqual([['tiktok_return_request', ours!.id]]);
    } finally {
      await w.close();
    }
  });

  it('refreshes an expired access token once (rotate-and-replace) and keeps tokens encrypted at rest', async () => {
    const w = await connectedWorld(ctx);
    try {
      const [before] = await q(w.org.orgId, (tx) => tx.select().from(tiktokConnections).where(eq(tiktokConnections.orgId, w.org.orgId)));
      expect(before!.accessTokenEnc).toMatch(/^v1\./);
      expect(before!.accessTokenEnc).not.toContain('ROW_');
      w.sandbox.expireAccessTokens();
      const r = await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['cancellations']);
      expect(r.cancellations).toBeGreaterThanOrEqual(0);
      const [after] = await q(w.org.orgId, (tx) => tx.select().from(tiktokConnections).where(eq(tiktokConnections.orgId, w.org.orgId)));
      expect(after!.refreshTokenEnc).not.toBe(before!.refreshTokenEnc);
      expect(after!.accessTokenEnc).not.toBe(before!.accessTokenEnc);
      expect(after!.status).toBe('active');
    } finally {
      await w.close();
    }
  });
});
