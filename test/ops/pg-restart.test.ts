import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { compose } from '../../src/app/compose.js';
import { createPlatform } from '../../src/app/deps.js';
import { appUrlFrom, migrate } from '../../src/app/migrate.js';
import { ensureDatabase, freePort, startEmbedded, type EmbeddedHandle } from '../../src/app/postgres.js';
import { buildServer } from '../../src/app/server.js';
import { systemClock } from '../../src/platform/clock.js';
import { createPool, Database } from '../../src/platform/db.js';
import { newId } from '../../src/platform/ids.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { TestContext } from '../helpers/context.js';
import { TEST_PASSWORD } from '../helpers/org.js';
import { connectedWorld, type TikTokTestWorld } from '../tiktok/helpers.js';
import { login, newChat, postWebhook, reply, startNode, stopNode, until, type Node } from './cluster.js';

/**
 * Postgres restarted under load: a running `afterdesk start` (API and worker in one process) on a
 * Postgres of this test's own — the run's shared server cannot be restarted under other tests —
 * while the platform keeps delivering chats and agents keep replying. The app must reconnect by
 * itself: its pools, pg-boss, the webhook thread and the outbox LISTEN.
 */
const dir = path.resolve('.tmp', `pg-restart-${process.pid}`);
const PG_PASSWORD = 'restart-superuser';
const APP_PASSWORD = 'restart-app-password';
let pgPort: number;
let server: EmbeddedHandle | undefined;
let ctx: TestContext;
let w: TikTokTestWorld;
let admin: pg.Pool;
let node: Node | undefined;
let adminUrl: string;

const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };
const startPostgres = () => startEmbedded({ dir, port: pgPort, password: PG_PASSWORD, log: quiet, fast: true });

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  pgPort = await freePort();
  server = await startPostgres();
  await ensureDatabase(server.superuserUrl('postgres'), 'afterdesk');
  adminUrl = server.superuserUrl('afterdesk');
  await migrate(adminUrl, APP_PASSWORD);
  const appUrl = appUrlFrom(adminUrl, APP_PASSWORD);
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: adminUrl, APP_DATABASE_URL: appUrl, LOG_LEVEL: 'silent', DATA_DIR: '.tmp/test-data', LOGIN_RATE_LIMIT: '1000' });
  const db = new Database(createPool(appUrl, 4));
  const platform = createPlatform({ config, db, adminUrl, clock: systemClock, ids: newId, log: silentLogger, jobs: undefined, secretKey: crypto.randomBytes(32) });
  const services = compose(platform);
  const app = await buildServer(platform, services);
  ctx = {
    platform,
    services,
    app,
    clock: systemClock,
    async close() {
      await app.close();
      await db.close();
    },
  };
  // A sandbox without seeded history: the workers' five-minute reconciliation may run inside the
  // test, and it would import the seeded conversations as tickets of their own (a count off by
  // one to five, depending on how far it got). Only the test's own chats exist, so a reconciliation
  // can only bring them again, which the ingest must take as duplicates.
  w = await connectedWorld(ctx, { ordersPerShop: 0 });
  admin = new pg.Pool({ connectionString: adminUrl, max: 2 });
  admin.on('error', () => undefined);
}, 120_000);

afterAll(async () => {
  if (node) await stopNode(node);
  await admin?.end().catch(() => undefined);
  await w?.close();
  await ctx?.close().catch(() => undefined);
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const q = async <T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> => (await admin.query(text, params)).rows as T[];

/** What the platform and an agent do with a request that failed: send it again a moment later. */
async function persist<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean): Promise<{ value: T; failures: number }> {
  let failures = 0;
  let last: unknown;
  const end = Date.now() + 25_000;
  for (;;) {
    try {
      const v = await fn();
      if (ok(v)) return { value: v, failures };
      last = v;
    } catch (e) {
      // refused or reset while the database is away
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what} never succeeded: ${String(last)}\n${node?.output().slice(-3000)}`);
    failures++;
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('Postgres restarted while webhooks and replies flow', () => {
  it('the app reconnects by itself; acknowledged events are processed once and no reply is sent twice', async () => {
    const orgId = w.org.orgId;
    node = await startNode('app', {
      adminUrl,
      appUrl: appUrlFrom(adminUrl, APP_PASSWORD),
      secretKeyHex: ctx.platform.secretKey.toString('hex'),
      platformUrl: w.sandbox.url,
      worker: true,
      extra: { OUTBOX_LEASE_MS: '3000', WEBHOOK_LEASE_MS: '3000' },
    });
    const app = node;
    const listening = async () => (await q<{ n: number }>(`select count(*)::int as n from pg_stat_activity where query = 'listen afterdesk_outbox'`))[0]!.n;
    await until('the outbox LISTEN', async () => (await listening()) === 1);

    const chats = Array.from({ length: 30 }, () => newChat(w));
    const ticketOf = new Map<string, string>();
    const tickets = async (n: number) =>
      until(`${n} tickets`, async () => {
        const rows = await q<{ id: string; external_thread_id: string }>('select id, external_thread_id from tickets where org_id = $1', [orgId]);
        for (const r of rows) ticketOf.set(r.external_thread_id, r.id);
        return rows.length >= n;
      }, 30_000, 150);
    let webhookFailures = 0;
    let replyFailures = 0;
    const deliver = async (from: number, to: number) => {
      for (const c of chats.slice(from, to)) {
        webhookFailures += (await persist('webhook', () => postWebhook(app, c), (s) => s === 200)).failures;
        await new Promise((r) => setTimeout(r, 60));
      }
    };
    const text = (i: number) => `Antwort ${i}: Ihr Paket ist unterwegs.`;
    let cookie = '';
    const answer = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const ticketId = ticketOf.get(chats[i]!.conversationId)!;
        // The same client key on every try: a reply whose answer was lost is not written twice.
        replyFailures += (await persist('reply', () => reply(app, cookie, ticketId, text(i), `restart-reply-${i}`), (s) => s === 201)).failures;
        await new Promise((r) => setTimeout(r, 60));
      }
    };

    await deliver(0, 10);
    await tickets(10);
    cookie = await login(app, w.org.users.agent.email, TEST_PASSWORD);

    // Chats and replies in flight; Postgres goes down (fast shutdown: sessions cut) and comes back.
    const flowing = Promise.all([deliver(10, 25), answer(0, 10)]);
    await new Promise((r) => setTimeout(r, 400));
    await server!.stop();
    await new Promise((r) => setTimeout(r, 1_000));
    server = await startPostgres();
    await flowing;
    await deliver(25, 30);
    await tickets(30);
    await answer(10, 30);

    await until('every acknowledged event processed', async () => (await q<{ n: number }>(`select count(*)::int as n from tiktok_webhook_events where org_id = $1 and status = 'done'`, [orgId]))[0]!.n === 30, 45_000, 200);
    await until('every reply sent', async () => (await q<{ n: number }>(`select count(*)::int as n from outbox where org_id = $1 and handler = 'tiktok.send_message' and status = 'done'`, [orgId]))[0]!.n === 30, 45_000, 200);

    // The restart really hit the flow (else this test proves nothing).
    expect(webhookFailures + replyFailures).toBeGreaterThan(0);
    const events = await q<{ status: string; times_processed: number }>('select status, times_processed from tiktok_webhook_events where org_id = $1', [orgId]);
    expect(events).toHaveLength(30);
    expect(events.every((e) => e.status === 'done' && e.times_processed === 1)).toBe(true);
    expect((await q<{ n: number }>('select count(*)::int as n from tickets where org_id = $1', [orgId]))[0]!.n).toBe(30);
    const steps = await q<{ status: string }>(`select status from outbox where org_id = $1 and handler = 'tiktok.send_message'`, [orgId]);
    expect(steps).toHaveLength(30);
    for (const [i, c] of chats.entries()) {
      const shop = w.sandbox.world.conversations.get(c.conversationId)!.messages.filter((m) => m.senderRole === 'SHOP');
      expect(shop.map((m) => (JSON.parse(m.content) as { content: string }).content)).toEqual([text(i)]);
    }
    expect(w.sandbox.writebacks.filter((x) => x.kind === 'send_message')).toHaveLength(30);
    // Reconnected by itself: the outbox LISTEN is open again, the job queue and database answer.
    await until('the outbox LISTEN after the restart', async () => (await listening()) === 1, 15_000, 200);
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'up', jobs: 'up' });
    expect(app.child.exitCode).toBeNull();
  }, 90_000);
});
