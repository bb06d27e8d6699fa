import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq, inArray, and } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tiktokWebhookEvents } from '../../src/integrations/tiktok/tiktok.schema.js';
import { WebhookProcessor } from '../../src/integrations/tiktok/webhooks.js';
import { orderLines as orderLinesTable, orders as ordersTable } from '../../src/modules/orders/orders.schema.js';
import { systemClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { connectedWorld, webhookBody } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

describe('webhook worker killed with SIGKILL mid-burst', () => {
  it('after a fresh processor finishes, every event was processed exactly once and its effects exist exactly once', async () => {
    const w = await connectedWorld(ctx);
    try {
      const world = w.sandbox.world;
      const N = 120;
      const created = Array.from({ length: N }, () => world.createOrder(w.tiktokShopId, { silent: true }));
      // Each order is announced twice (a duplicate delivery) — both must collapse into one event.
      for (const o of created) {
        const body = webhookBody(w.tiktokShopId, 1, { order_id: o.id, order_status: o.status, update_time: o.updateTime }, `9${o.id}`);
        for (let k = 0; k < 2; k++) expect((await ctx.services.tiktok.ingest.handle(Buffer.from(body), w.sandbox.signWebhook(body))).status).toBe(200);
      }
      const tdb = await testDatabase();
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/processor-child.ts')], {
        env: {
          ...process.env,
          CHILD_ADMIN_URL: tdb.adminUrl,
          CHILD_APP_URL: tdb.appUrl,
          CHILD_SANDBOX_URL: w.sandbox.url,
          CHILD_SECRET_KEY: ctx.platform.secretKey.toString('hex'),
          CHILD_ORG_ID: w.org.orgId,
          CHILD_BATCH: '10',
          CHILD_LEASE_MS: '1500',
          // Slow enough that the kill lands mid-burst even when the parent reads the child's output late.
          CHILD_SLOW_MS: '200',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let doneByChild = 0;
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += String(c)));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child made no progress: ${stderr}`)), 45_000);
        child.stdout.on('data', (c: Buffer) => {
          for (const line of String(c).split('\n')) {
            const m = /^done (\d+)$/.exec(line);
            if (m) doneByChild = Number(m[1]);
          }
          // Kill once it is well into the burst, while a batch is in flight.
          if (doneByChild >= 30) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      const mid = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(tiktokWebhookEvents).where(eq(tiktokWebhookEvents.orgId, w.org.orgId)));
      const doneAtKill = mid.filter((e) => e.status === 'done').length;
      expect(doneAtKill).toBeGreaterThanOrEqual(30);
      expect(doneAtKill).toBeLessThan(N);

      // A fresh processor; events the dead worker had claimed come back when its lease ends.
      await new Promise((r) => setTimeout(r, 1600));
      const fresh = new WebhookProcessor({ db: ctx.platform.db, clock: systemClock, log: silentLogger, engine: ctx.services.tiktok.engine, connections: ctx.services.tiktok.connections, batchSize: 50 });
      await fresh.drain(w.org.orgId);

      const evs = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(tiktokWebhookEvents).where(eq(tiktokWebhookEvents.orgId, w.org.orgId)));
      expect(evs).toHaveLength(N);
      expect(evs.every((e) => e.status === 'done' && e.timesProcessed === 1 && e.deliveries === 2)).toBe(true);
      const ids = created.map((o) => o.id);
      const orders = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(ordersTable).where(and(eq(ordersTable.orgId, w.org.orgId), inArray(ordersTable.externalId, ids))));
      expect(orders).toHaveLength(N);
      expect(new Set(orders.map((o) => o.externalId)).size).toBe(N);
      const lines = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.select().from(orderLinesTable).where(and(eq(orderLinesTable.orgId, w.org.orgId), inArray(orderLinesTable.orderId, orders.map((o) => o.id)))));
      expect(lines).toHaveLength(created.reduce((a, o) => a + o.lines.length, 0));
      expect(new Set(lines.map((l) => `${l.orderId}|${l.externalId}`)).size).toBe(lines.length);
    } finally {
      await w.close();
    }
  });
});
