import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookThread } from '../../src/app/webhook-thread.js';
import { tiktokWebhookEvents } from '../../src/integrations/tiktok/tiktok.schema.js';
import { orders as ordersTable } from '../../src/modules/orders/orders.schema.js';
import { silentLogger } from '../../src/platform/logger.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { connectedWorld, webhookBody } from './helpers.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

describe('webhook processing in its own thread', () => {
  it('is woken by stores, follows a retarget, writes each order once, and stops cleanly', async () => {
    const w = await connectedWorld(ctx);
    const tdb = await testDatabase();
    // A dead host first: only the retarget below lets the thread reach the sandbox. A poll of a
    // minute means only the wake-up sent on every store can make it work within this test.
    const thread = await startWebhookThread({ config: ctx.platform.config, adminUrl: tdb.adminUrl, appUrl: tdb.appUrl, secretKey: ctx.platform.secretKey, log: silentLogger, bases: { apiBase: 'http://127.0.0.1:9', authBase: 'http://127.0.0.1:9' }, jobs: false, pollMs: 60_000, loops: 1 });
    try {
      thread.retarget({ apiBase: w.sandbox.url, authBase: w.sandbox.url });
      ctx.services.tiktok.useRemoteProcessor(thread);
      const created = Array.from({ length: 40 }, () => w.sandbox.world.createOrder(w.tiktokShopId, { silent: true }));
      for (const o of created) {
        const body = webhookBody(w.tiktokShopId, 1, { order_id: o.id, order_status: o.status, update_time: o.updateTime }, `7${o.id}`);
        expect((await ctx.services.tiktok.ingest.handle(Buffer.from(body), w.sandbox.signWebhook(body))).status).toBe(200);
      }
      const events = () => ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(tiktokWebhookEvents).where(eq(tiktokWebhookEvents.orgId, w.org.orgId)));
      const deadline = Date.now() + 30_000;
      while ((await events()).some((e) => e.status !== 'done')) {
        if (Date.now() > deadline) throw new Error(`not processed: ${JSON.stringify((await events()).map((e) => [e.status, e.lastError]))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const evs = await events();
      expect(evs).toHaveLength(40);
      expect(evs.every((e) => e.timesProcessed === 1 && e.workRefs?.startsWith('o:'))).toBe(true);
      const orders = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(ordersTable).where(and(eq(ordersTable.orgId, w.org.orgId), inArray(ordersTable.externalId, created.map((o) => o.id)))));
      expect(orders.map((o) => o.externalId).sort()).toEqual(created.map((o) => o.id).sort());

      // Stopped: the thread is gone and a new event stays pending (stored and acknowledged, not processed).
      await ctx.services.tiktok.stopProcessing();
      const late = w.sandbox.world.createOrder(w.tiktokShopId, { silent: true });
      const body = webhookBody(w.tiktokShopId, 1, { order_id: late.id, order_status: late.status, update_time: late.updateTime }, `7${late.id}`);
      expect((await ctx.services.tiktok.ingest.handle(Buffer.from(body), w.sandbox.signWebhook(body))).status).toBe(200);
      await new Promise((r) => setTimeout(r, 300));
      expect((await events()).find((e) => e.dedupeKey === `7${late.id}`)?.status).toBe('pending');
    } finally {
      await thread.stop();
      await w.close();
    }
  });
  it('a thread that dies is started again and processes what arrives next', async () => {
    const w = await connectedWorld(ctx);
    const tdb = await testDatabase();
    const thread = await startWebhookThread({ config: ctx.platform.config, adminUrl: tdb.adminUrl, appUrl: tdb.appUrl, secretKey: ctx.platform.secretKey, log: silentLogger, bases: { apiBase: w.sandbox.url, authBase: w.sandbox.url }, jobs: false, pollMs: 60_000, loops: 1 });
    try {
      ctx.services.tiktok.useRemoteProcessor(thread);
      await thread.kill();
      const started = Date.now();
      await thread.ready();
      // The first restart waits a second, so a thread that dies at once does not spin.
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      const o = w.sandbox.world.createOrder(w.tiktokShopId, { silent: true });
      const body = webhookBody(w.tiktokShopId, 1, { order_id: o.id, order_status: o.status, update_time: o.updateTime }, `8${o.id}`);
      expect((await ctx.services.tiktok.ingest.handle(Buffer.from(body), w.sandbox.signWebhook(body))).status).toBe(200);
      const deadline = Date.now() + 20_000;
      for (;;) {
        const [e] = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(tiktokWebhookEvents).where(and(eq(tiktokWebhookEvents.orgId, w.org.orgId), eq(tiktokWebhookEvents.dedupeKey, `8${o.id}`))));
        if (e?.status === 'done') break;
        if (Date.now() > deadline) throw new Error(`not processed after the restart: ${e?.status} ${e?.lastError}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await ctx.services.tiktok.stopProcessing();
      await thread.stop();
      await w.close();
    }
  });
});
