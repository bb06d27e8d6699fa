import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tiktokWebhookEvents } from '../../src/integrations/tiktok/tiktok.schema.js';
import { orders as ordersTable, platformReturns as platformReturnsTable } from '../../src/modules/orders/orders.schema.js';
import { ticketMessages as ticketMessagesTable, tickets as ticketsTable } from '../../src/modules/helpdesk/helpdesk.schema.js';
import { AppError } from '../../src/platform/errors.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor } from '../helpers/org.js';
import { connectedWorld, webhookBody } from './helpers.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

async function events(orgId: string) {
  return ctx.platform.db.tenant(orgId, (tx) => tx.select().from(tiktokWebhookEvents).where(eq(tiktokWebhookEvents.orgId, orgId)));
}

async function post(body: string, signature?: string) {
  return ctx.app.inject({ method: 'POST', url: '/webhooks/tiktok', headers: { 'content-type': 'application/json', ...(signature !== undefined ? { authorization: signature } : {}) }, payload: body });
}

describe('POST /webhooks/tiktok', () => {
  it('one shop whose rows cannot be written fails only its own events; the other shop of the batch is applied', async () => {
    const w = await connectedWorld(ctx, { connect: false });
    const fr = w.sandbox.world.shops.find((s) => s.region === 'FR')!;
    const frShop = await ctx.services.tenancy.createShop(actorFor(w.org, 'owner'), { brandId: w.org.brandId, name: 'FR shop', market: 'FR' });
    await ctx.services.tiktok.connections.completeAuthorisation(w.org.orgId, w.sandbox.issueAuthCode([w.tiktokShopId, fr.id]));
    const engine = ctx.services.tiktok.engine;
    const real = engine.applyIn.bind(engine);
    // Rows of the FR shop are refused (as a constraint or a bad value would refuse them).
    const spy = vi.spyOn(engine, 'applyIn').mockImplementation(async (tx, orgId, b) => {
      if (b.orders.some((o) => o.shopId === frShop.id)) throw AppError.validation('orders.bad_row', 'refused for the test', [{ field: 'orders', message: 'refused' }]);
      return real(tx, orgId, b);
    });
    try {
      const de = Array.from({ length: 3 }, () => w.sandbox.world.createOrder(w.tiktokShopId, { silent: true }));
      const frOrders = Array.from({ length: 2 }, () => w.sandbox.world.createOrder(fr.id, { silent: true }));
      for (const [shopId, o] of [...de.map((o) => [w.tiktokShopId, o] as const), ...frOrders.map((o) => [fr.id, o] as const)]) {
        const body = webhookBody(shopId, 1, { order_id: o.id, order_status: o.status, update_time: o.updateTime }, `6${o.id}`);
        expect((await post(body, w.sandbox.signWebhook(body))).statusCode).toBe(200);
      }
      const r = await ctx.services.tiktok.processor.drain(w.org.orgId);
      expect(r).toMatchObject({ claimed: 5, done: 3, failed: 2, retried: 0 });
      const byStatus = (await events(w.org.orgId)).map((e) => [e.shopId, e.status]).sort();
      expect(byStatus).toEqual([...de.map(() => [w.shopId, 'done']), ...frOrders.map(() => [frShop.id, 'failed'])].sort());
      const stored = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select({ externalId: ordersTable.externalId }).from(ordersTable).where(eq(ordersTable.orgId, w.org.orgId)));
      expect(stored.map((o) => o.externalId).sort()).toEqual(de.map((o) => o.id).sort());
    } finally {
      spy.mockRestore();
      await w.close();
    }
  });

  it('a burst for a shop not yet cached looks the shop up once, not once per request', async () => {
    const w = await connectedWorld(ctx);
    const spy = vi.spyOn(ctx.platform.db, 'system');
    try {
      const all = await Promise.all(Array.from({ length: 25 }, () => ctx.services.tiktok.connections.resolveTikTokShop(w.tiktokShopId)));
      expect(new Set(all.map((r) => `${r?.orgId}|${r?.shopId}`))).toEqual(new Set([`${w.org.orgId}|${w.shopId}`]));
      expect(spy).toHaveBeenCalledTimes(1);
      // Cached afterwards: no query at all.
      await ctx.services.tiktok.connections.resolveTikTokShop(w.tiktokShopId);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
      await w.close();
    }
  });

  it('stores a validly signed event, acknowledges with an empty 200, and processing re-fetches the order', async () => {
    const w = await connectedWorld(ctx);
    try {
      const order = [...w.sandbox.world.orders.values()].find((o) => o.shopId === w.tiktokShopId)!;
      const body = webhookBody(w.tiktokShopId, 1, { order_id: order.id, order_status: 'AWAITING_SHIPMENT', update_time: order.updateTime }, '7100000000000000001');
      const res = await post(body, w.sandbox.signWebhook(body));
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('');
      const stored = await events(w.org.orgId);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ shopId: w.shopId, type: 1, status: 'pending', rawBody: body, ttsNotificationId: '7100000000000000001' });

      const r = await ctx.services.tiktok.processor.drain(w.org.orgId);
      expect(r).toEqual({ claimed: 1, done: 1, ignored: 0, retried: 0, failed: 0 });
      const [o] = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(ordersTable).where(eq(ordersTable.orgId, w.org.orgId)));
      // The stored status is the platform's current one, not the payload's.
      expect(o).toMatchObject({ externalId: order.id, rawStatus: order.status, shopId: w.shopId });
      expect((await events(w.org.orgId))[0]).toMatchObject({ status: 'done', timesProcessed: 1 });
    } finally {
      await w.close();
    }
  });

  it('rejects unsigned and tampered bodies with 401 and stores nothing', async () => {
    const w = await connectedWorld(ctx);
    try {
      const order = [...w.sandbox.world.orders.values()].find((o) => o.shopId === w.tiktokShopId)!;
      const body = webhookBody(w.tiktokShopId, 1, { order_id: order.id, order_status: 'DELIVERED', update_time: 1 });
      const unsigned = await post(body);
      expect(unsigned.statusCode).toBe(401);
      expect(unsigned.json()).toMatchObject({ code: 'tiktok.webhook_missing_signature' });
      const tampered = await post(body.replace('DELIVERED', 'CANCELLED'), w.sandbox.signWebhook(body));
      expect(tampered.statusCode).toBe(401);
      expect(tampered.json()).toMatchObject({ code: 'tiktok.webhook_mismatch' });
      const wrongKey = await post(body, 'f'.repeat(64));
      expect(wrongKey.statusCode).toBe(401);
      expect(await events(w.org.orgId)).toHaveLength(0);
    } finally {
      await w.close();
    }
  });

  it('dedupes duplicated and replayed deliveries on tts_notification_id (an old event is never rejected for its age)', async () => {
    const w = await connectedWorld(ctx);
    try {
      const order = [...w.sandbox.world.orders.values()].find((o) => o.shopId === w.tiktokShopId)!;
      // Sent 14 hours ago: the platform's last retries arrive that late.
      const body = webhookBody(w.tiktokShopId, 1, { order_id: order.id, order_status: order.status, update_time: order.updateTime }, '7100000000000000002', Math.floor(Date.now() / 1000) - 14 * 3600);
      const sig = w.sandbox.signWebhook(body);
      const results = await Promise.all([post(body, sig), post(body, sig), post(body, sig)]);
      expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
      await ctx.services.tiktok.processor.drain(w.org.orgId);
      // A replay after processing is acknowledged and does not run again.
      expect((await post(body, sig)).statusCode).toBe(200);
      const r2 = await ctx.services.tiktok.processor.drain(w.org.orgId);
      expect(r2.claimed).toBe(0);
      const stored = await events(w.org.orgId);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ deliveries: 4, timesProcessed: 1, status: 'done' });
      const orders = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(ordersTable).where(eq(ordersTable.orgId, w.org.orgId)));
      expect(orders).toHaveLength(1);
    } finally {
      await w.close();
    }
  });

  it('tolerates out-of-order delivery: the newest platform state wins because the entity is re-fetched', async () => {
    const w = await connectedWorld(ctx);
    try {
      const world = w.sandbox.world;
      const order = [...world.orders.values()].find((o) => o.shopId === w.tiktokShopId && o.status === 'DELIVERED')!;
      const rt = world.openReturn(order.id, { reason: 'damaged', type: 'RETURN_AND_REFUND', silent: true });
      const pendingBody = webhookBody(w.tiktokShopId, 12, { order_id: order.id, return_id: rt.id, return_status: 'RETURN_OR_REFUND_REQUEST_PENDING', return_type: rt.type, update_time: rt.updateTime });
      world.setReturnStatus(rt.id, 'AWAITING_BUYER_SHIP', { silent: true, at: rt.updateTime + 60 });
      const approvedBody = webhookBody(w.tiktokShopId, 12, { order_id: order.id, return_id: rt.id, return_status: 'AWAITING_BUYER_SHIP', return_type: rt.type, update_time: rt.updateTime });
      // Newest first, processed; then the stale one arrives and is processed too.
      expect((await post(approvedBody, w.sandbox.signWebhook(approvedBody))).statusCode).toBe(200);
      await ctx.services.tiktok.processor.drain(w.org.orgId);
      expect((await post(pendingBody, w.sandbox.signWebhook(pendingBody))).statusCode).toBe(200);
      await ctx.services.tiktok.processor.drain(w.org.orgId);
      const rows = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(platformReturnsTable).where(eq(platformReturnsTable.orgId, w.org.orgId)));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ externalId: rt.id, rawStatus: 'AWAITING_BUYER_SHIP', status: 'awaiting_buyer_shipment', type: 'return_and_refund', reasonCode: 'ecom_order_delivered_refund_and_return_reason_damaged' });
      expect(rows[0]!.photos).toEqual([`${w.sandbox.url}/media/return/${order.id}/1.png`, `${w.sandbox.url}/media/return/${order.id}/2.png`]);
      expect(rows[0]!.videos).toEqual([`${w.sandbox.url}/media/return/${order.id}/unboxing.mp4`]);
      const photo = await fetch(rows[0]!.photos[0]!);
      expect(photo.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await photo.arrayBuffer()).subarray(1, 4).toString('ascii')).toBe('PNG');
      expect((await events(w.org.orgId)).map((e) => e.timesProcessed)).toEqual([1, 1]);
    } finally {
      await w.close();
    }
  });

  it('answers 200 without storing for a shop no organisation connected, and 400 naming the field for a signed bad envelope', async () => {
    const w = await connectedWorld(ctx);
    try {
      const unknown = webhookBody('7999999999999999999', 1, { order_id: '1', order_status: 'X', update_time: 1 });
      expect((await post(unknown, w.sandbox.signWebhook(unknown))).statusCode).toBe(200);
      const bad = JSON.stringify({ type: 'one', shop_id: w.tiktokShopId, data: {} });
      const r = await post(bad, w.sandbox.signWebhook(bad));
      expect(r.statusCode).toBe(400);
      expect(r.json().details.issues[0].field).toBe('type');
      expect(await events(w.org.orgId)).toHaveLength(0);
    } finally {
      await w.close();
    }
  });
});

describe('sandbox → Afterdesk over real HTTP', () => {
  it('delivers signed webhooks, retries after a failed delivery, and chats land in the helpdesk once (livestream channel)', async () => {
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (ctx.app.server.address() as AddressInfo).port;
    // A flaky proxy in front of Afterdesk: the first delivery gets a 503, later ones pass through.
    let failures = 1;
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', async () => {
        if (failures-- > 0) {
          res.writeHead(503).end();
          return;
        }
        const r = await fetch(`http://127.0.0.1:${port}/webhooks/tiktok`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: String(req.headers.authorization ?? '') }, body: Buffer.concat(chunks) });
        res.writeHead(r.status).end(await r.text());
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const w = await connectedWorld(ctx, { retryDelaysMs: [20, 20, 20, 20] });
    try {
      await ctx.services.tiktok.connections.registerWebhooks(w.org.orgId, w.shopId, `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/hook`);
      const world = w.sandbox.world;
      const shop = world.shop(w.tiktokShopId)!;
      const liveIdx = shop.sources.findIndex((s) => s.type === 'LIVE' && s.product === 'aurore');
      world.goLive(w.tiktokShopId, liveIdx);
      await ctx.services.tiktok.attribution.syncShop(w.org.orgId, w.shopId, { days: 2 });
      const order = world.createOrder(w.tiktokShopId, { productKey: 'aurore', sourceIdx: liveIdx, units: 1 });
      const msg = world.buyerMessage(order, 'colour', { text: 'Im Livestream sah die Tasche rosa aus, in echt ist sie beige.' });
      await w.sandbox.flushWebhooks();
      await new Promise((r) => setTimeout(r, 80));
      await w.sandbox.flushWebhooks();
      // 1 order event + 2 message events (order card, text); the first delivery failed once then succeeded.
      const mine = w.sandbox.deliveries.filter((d) => d.shopId === w.tiktokShopId);
      // (plus a type 13 when the world picked a buyer who had never chatted with the shop)
      expect(mine.map((d) => d.type).filter((t) => t !== 13).sort()).toEqual([1, 14, 14]);
      expect(mine.flatMap((d) => d.outcomes).filter((o) => o === 503)).toHaveLength(1);
      expect(mine.every((d) => d.outcomes[d.outcomes.length - 1] === 200)).toBe(true);

      await ctx.services.tiktok.processor.drain(w.org.orgId);
      const tickets = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(ticketsTable).where(eq(ticketsTable.orgId, w.org.orgId)));
      expect(tickets).toHaveLength(1);
      const [ours] = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(ordersTable).where(and(eq(ordersTable.orgId, w.org.orgId), eq(ordersTable.externalId, order.id))));
      expect(tickets[0]).toMatchObject({ channel: 'livestream', externalThreadId: [...world.conversations.values()].find((c) => c.buyer.userId === order.buyer.userId)!.id, orderId: ours!.id, livestreamSessionId: shop.sources[liveIdx]!.id });
      const msgs = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(ticketMessagesTable).where(eq(ticketMessagesTable.orgId, w.org.orgId)));
      expect(msgs.filter((m) => m.externalMessageId === msg.id)).toHaveLength(1);
    } finally {
      await w.close();
      proxy.close();
    }
  });
});
