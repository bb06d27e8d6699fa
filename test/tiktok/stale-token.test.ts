import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookThread } from '../../src/app/webhook-thread.js';
import { TikTokApiError } from '../../src/integrations/tiktok/client.js';
import { createConnections } from '../../src/integrations/tiktok/connections.js';
import { tiktokConnections, tiktokWebhookEvents } from '../../src/integrations/tiktok/tiktok.schema.js';
import { silentLogger } from '../../src/platform/logger.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { connectedWorld, webhookBody, type TikTokTestWorld } from './helpers.js';

// Finding 12 of issue 10: after the demo re-authorised its shops, the webhook thread kept the
// token it had cached and 205 events failed for good with "36009004 invalid access token".

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

/** A second set of connections over the same database: what another process or the webhook thread holds. */
function otherProcess() {
  return createConnections({ db: ctx.platform.db, ids: ctx.platform.ids, clock: ctx.platform.clock, log: silentLogger, secretKey: ctx.platform.secretKey, client: ctx.services.tiktok.client });
}

async function storedRow(w: TikTokTestWorld) {
  const [row] = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(tiktokConnections).where(and(eq(tiktokConnections.orgId, w.org.orgId), eq(tiktokConnections.shopId, w.shopId))));
  return row!;
}

async function sendOrderEvent(w: TikTokTestWorld, prefix: string): Promise<string> {
  const o = w.sandbox.world.createOrder(w.tiktokShopId, { silent: true });
  const body = webhookBody(w.tiktokShopId, 1, { order_id: o.id, order_status: o.status, update_time: o.updateTime }, `${prefix}${o.id}`);
  expect((await ctx.services.tiktok.ingest.handle(Buffer.from(body), w.sandbox.signWebhook(body))).status).toBe(200);
  return `${prefix}${o.id}`;
}

async function eventByKey(w: TikTokTestWorld, key: string) {
  const [e] = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(tiktokWebhookEvents).where(and(eq(tiktokWebhookEvents.orgId, w.org.orgId), eq(tiktokWebhookEvents.dedupeKey, key))));
  return e;
}

describe('stale TikTok access tokens', () => {
  it('another process re-authorised the shop: the refused cached token is replaced by the stored one, without a refresh', async () => {
    const w = await connectedWorld(ctx);
    try {
      const other = otherProcess();
      const o = w.sandbox.world.createOrder(w.tiktokShopId, { silent: true });
      // Warm the other process's cache with the first token.
      expect((await other.withShop(w.org.orgId, w.shopId, (auth) => ctx.services.tiktok.client.getOrders(auth, [o.id]))).orders.map((x) => x.id)).toEqual([o.id]);

      w.sandbox.forgetAccessTokens();
      await ctx.services.tiktok.connections.completeAuthorisation(w.org.orgId, w.sandbox.issueAuthCode([w.tiktokShopId]));
      const afterReauth = await storedRow(w);

      const res = await other.withShop(w.org.orgId, w.shopId, (auth) => ctx.services.tiktok.client.getOrders(auth, [o.id]));
      expect(res.orders.map((x) => x.id)).toEqual([o.id]);
      // The stored token was good: no refresh rotated the grant.
      expect((await storedRow(w)).refreshTokenEnc).toBe(afterReauth.refreshTokenEnc);
    } finally {
      await w.close();
    }
  });

  it('the stored token itself is refused: one refresh and one retry, and the event is processed, not failed', async () => {
    const w = await connectedWorld(ctx);
    try {
      const before = await storedRow(w);
      w.sandbox.forgetAccessTokens();
      const key = await sendOrderEvent(w, '91');
      const r = await ctx.services.tiktok.processor.drain(w.org.orgId);
      expect(r).toMatchObject({ done: 1, failed: 0, retried: 0 });
      expect(await eventByKey(w, key)).toMatchObject({ status: 'done', timesProcessed: 1 });
      expect((await storedRow(w)).accessTokenEnc).not.toBe(before.accessTokenEnc);
    } finally {
      await w.close();
    }
  });

  it('a 36009004 about a parameter is neither refreshed nor retried', async () => {
    const w = await connectedWorld(ctx);
    try {
      const before = await storedRow(w);
      const o = w.sandbox.world.createOrder(w.tiktokShopId, { silent: true });
      w.sandbox.inject(/\/order\/202309\/orders$/, { kind: 'error', http: 400, code: 36009004, message: 'param ids is invalid' }, 1);
      let calls = 0;
      const err = await ctx.services.tiktok.connections
        .withShop(w.org.orgId, w.shopId, (auth) => {
          calls++;
          return ctx.services.tiktok.client.getOrders(auth, [o.id]);
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TikTokApiError);
      expect((err as TikTokApiError).code).toBe(36009004);
      expect(calls).toBe(1);
      expect((await storedRow(w)).refreshTokenEnc).toBe(before.refreshTokenEnc);
    } finally {
      await w.close();
    }
  });

  it('the webhook thread keeps processing after the main thread re-authorised the shop', async () => {
    const w = await connectedWorld(ctx);
    const tdb = await testDatabase();
    const thread = await startWebhookThread({ config: ctx.platform.config, adminUrl: tdb.adminUrl, appUrl: tdb.appUrl, secretKey: ctx.platform.secretKey, log: silentLogger, bases: { apiBase: w.sandbox.url, authBase: w.sandbox.url }, jobs: false, pollMs: 60_000, loops: 1 });
    const settled = async (key: string) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const e = await eventByKey(w, key);
        if (e && e.status !== 'pending') return e;
        if (Date.now() > deadline) throw new Error(`event ${key} still ${e?.status} (${e?.lastError})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      ctx.services.tiktok.useRemoteProcessor(thread);
      // The thread reads and caches the first token.
      expect(await settled(await sendOrderEvent(w, '92'))).toMatchObject({ status: 'done' });

      // The demo restarts its sandbox and authorises again: the old token is gone on the platform.
      w.sandbox.forgetAccessTokens();
      await ctx.services.tiktok.connections.completeAuthorisation(w.org.orgId, w.sandbox.issueAuthCode([w.tiktokShopId]));

      const e = await settled(await sendOrderEvent(w, '93'));
      expect(e).toMatchObject({ status: 'done', timesProcessed: 1 });
    } finally {
      await ctx.services.tiktok.stopProcessing();
      await thread.stop();
      await w.close();
    }
  });
});
