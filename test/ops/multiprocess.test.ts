import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { actorFor, TEST_PASSWORD } from '../helpers/org.js';
import { connectedWorld, type TikTokTestWorld } from '../tiktok/helpers.js';
import { login, newChat, platformProxy, postWebhook, reply, startNode, stopNode, until, type Node, type PlatformProxy } from './cluster.js';

/**
 * The documented scale-out shape, for real: two API processes (`WORKER=false`) and two worker
 * processes of `afterdesk start` on one Postgres, the platform (sandbox) in this process. Leases
 * are shortened through OUTBOX_LEASE_MS / WEBHOOK_LEASE_MS so a killed worker's claims come back
 * within the test.
 */
let ctx: TestContext;
let w: TikTokTestWorld;
let proxy: PlatformProxy;
let admin: pg.Client;
const nodes: Node[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ clock: systemClock });
  // A sandbox without seeded history: the workers' five-minute reconciliation may run inside the
  // test, and it would import the seeded conversations as tickets of their own (a count off by
  // one to five, depending on how far it got). Only the test's own chats exist, so a reconciliation
  // can only bring them again, which the ingest must take as duplicates.
  w = await connectedWorld(ctx, { ordersPerShop: 0 });
  proxy = await platformProxy(w.sandbox.url);
  const tdb = await testDatabase();
  admin = new pg.Client({ connectionString: tdb.adminUrl });
  await admin.connect();
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => stopNode(n)));
  await admin?.end();
  await proxy?.close();
  await w?.close();
  await ctx?.close();
});

const q = async <T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> => (await admin.query(text, params)).rows as T[];

describe('two API and two worker processes on one Postgres', () => {
  it('webhooks, replies, SLA timers and a cron job each happen exactly once; a worker killed mid-batch loses nothing', async () => {
    const orgId = w.org.orgId;
    // A one-minute first-reply target in calendar time, so a chat 45 s old breaches in the test.
    await ctx.services.sla.createPolicy(actorFor(w.org, 'owner'), { name: 'ops: one minute', shopId: w.shopId, firstReplyMinutes: 1, mode: 'calendar', warningPercents: [50] });
    // The same target under another policy, so raising the priority moves a clock to a new generation.
    await ctx.services.sla.createPolicy(actorFor(w.org, 'owner'), { name: 'ops: one minute, high', shopId: w.shopId, priority: 'high', firstReplyMinutes: 1, mode: 'calendar', warningPercents: [50] });
    const tdb = await testDatabase();
    const env = { adminUrl: tdb.adminUrl, appUrl: tdb.appUrl, secretKeyHex: ctx.platform.secretKey.toString('hex'), platformUrl: proxy.url, extra: { OUTBOX_LEASE_MS: '3000', WEBHOOK_LEASE_MS: '3000' } };
    const started = await Promise.all([
      startNode('api1', { ...env, worker: false }),
      startNode('api2', { ...env, worker: false }),
      startNode('worker1', { ...env, worker: true }),
      startNode('worker2', { ...env, worker: true }),
    ]);
    nodes.push(...started);
    const [api1, api2, worker1, worker2] = started as [Node, Node, Node, Node];
    // A lifecycle cron job (hourly in production) made due every minute: both workers' pg-boss
    // timekeepers see it, and it must run once per minute slot, not once per worker. The TikTok
    // reconciliation too, so it runs while webhooks and replies are in flight.
    await q(`update pgboss.schedule set cron = '* * * * *' where name in ('maintenance.purge_sessions', 'tiktok.reconcile')`);

    // ---- phase 1: both workers up ----
    const breaching = Array.from({ length: 3 }, () => newChat(w, 45));
    const answered = Array.from({ length: 8 }, () => newChat(w));
    // Every event is delivered twice, once to each API process (the platform re-sends).
    for (const [i, c] of [...breaching, ...answered].entries()) {
      expect(await postWebhook(i % 2 ? api1 : api2, c)).toBe(200);
      expect(await postWebhook(i % 2 ? api2 : api1, c)).toBe(200);
    }
    const ticketOf = new Map<string, string>();
    await until('11 tickets from 11 chats', async () => {
      const rows = await q<{ id: string; external_thread_id: string }>('select id, external_thread_id from tickets where org_id = $1', [orgId]);
      for (const r of rows) ticketOf.set(r.external_thread_id, r.id);
      return rows.length >= 11;
    });
    const cookies = [await login(api1, w.org.users.agent.email, TEST_PASSWORD), await login(api2, w.org.users.agent.email, TEST_PASSWORD)];
    // A change made on an API process moves the late tickets' clocks to a new generation: the
    // timer for it must be queued there (an API process sends jobs, it only does not work them).
    for (const [i, c] of breaching.entries()) {
      const node = i % 2 ? api1 : api2;
      const r = await fetch(`${node.url}/api/tickets/${ticketOf.get(c.conversationId)!}/priority`, { method: 'POST', headers: { 'content-type': 'application/json', origin: node.url, cookie: cookies[i % 2]! }, body: JSON.stringify({ priority: 'high' }) });
      expect(r.status).toBe(200);
    }
    const recalculated = await q<{ n: number }>(`select count(*)::int as n from sla_clock_events where org_id = $1 and kind = 'recalculated'`, [orgId]);
    expect(recalculated[0]!.n).toBe(3);
    const firstText = (i: number) => `Ihr Paket ist unterwegs (${i}).`;
    for (const [i, c] of answered.entries()) {
      const ticketId = ticketOf.get(c.conversationId)!;
      await reply(i % 2 ? api1 : api2, cookies[i % 2]!, ticketId, firstText(i), `first-${i}-reply`);
      // A double submit reaches the other API process: the client key makes it a no-op.
      await reply(i % 2 ? api2 : api1, cookies[(i + 1) % 2]!, ticketId, firstText(i), `first-${i}-reply`);
    }
    const sendsDone = (n: number) =>
      until(`${n} chat replies sent`, async () => {
        const [r] = await q<{ done: number; all: number }>(`select count(*) filter (where status = 'done')::int as done, count(*)::int as "all" from outbox where org_id = $1 and handler = 'tiktok.send_message'`, [orgId]);
        return r!.done === n && r!.all === n;
      });
    await sendsDone(8);
    await until('3 SLA breaches escalated', async () => {
      const [r] = await q<{ n: number }>(`select count(*)::int as n from sla_clock_events where org_id = $1 and kind = 'escalated'`, [orgId]);
      return r!.n >= 3;
    }, 40_000, 250);

    const conv = (id: string) => w.sandbox.world.conversations.get(id)!;
    const shopTexts = (id: string) => conv(id).messages.filter((m) => m.senderRole === 'SHOP').map((m) => (JSON.parse(m.content) as { content: string }).content);
    for (const [i, c] of answered.entries()) expect(shopTexts(c.conversationId)).toEqual([firstText(i)]);
    for (const c of breaching) expect(shopTexts(c.conversationId)).toEqual([]);
    expect(w.sandbox.writebacks.filter((x) => x.kind === 'send_message')).toHaveLength(8);
    const events = await q<{ id: string; status: string; times_processed: number; deliveries: number; attempts: number; last_error: string | null }>('select id, status, times_processed, deliveries, attempts, last_error from tiktok_webhook_events where org_id = $1', [orgId]);
    expect(events).toHaveLength(11);
    expect(events.every((e) => e.status === 'done' && e.times_processed === 1 && e.deliveries === 2)).toBe(true);
    // Breaches: one per late ticket (and one escalation), none for the answered ones.
    const slaEvents = await q<{ ticket_id: string; kind: string }>(
      `select c.ticket_id, e.kind from sla_clock_events e join sla_clocks c on c.org_id = e.org_id and c.id = e.clock_id where e.org_id = $1 and e.kind in ('breached', 'escalated')`,
      [orgId],
    );
    const late = breaching.map((c) => ticketOf.get(c.conversationId)!);
    expect(slaEvents.filter((e) => e.kind === 'breached').map((e) => e.ticket_id).sort()).toEqual([...late].sort());
    expect(slaEvents.filter((e) => e.kind === 'escalated').map((e) => e.ticket_id).sort()).toEqual([...late].sort());

    // ---- phase 2: worker 2 paused, worker 1 killed while it holds a webhook batch and outbox steps ----
    const phase2At = new Date();
    worker2.child.kill('SIGSTOP');
    proxy.holdMs = 60_000;
    const late2 = Array.from({ length: 4 }, () => newChat(w));
    for (const [i, c] of late2.entries()) expect(await postWebhook(i % 2 ? api1 : api2, c)).toBe(200);
    const secondText = (i: number) => `Die Sendungsnummer folgt (${i}).`;
    const again = answered.slice(0, 4);
    for (const [i, c] of again.entries()) await reply(i % 2 ? api1 : api2, cookies[i % 2]!, ticketOf.get(c.conversationId)!, secondText(i), `second-${i}-reply`);
    // Steps and batches run one after another in a worker: it holds the first ones, the rest wait.
    const held = await until('worker 1 holding claims mid-batch', async () => {
      const steps = await q<{ id: string }>(`select id from outbox where org_id = $1 and handler = 'tiktok.send_message' and status = 'running'`, [orgId]);
      const evs = await q<{ id: string }>(`select id from tiktok_webhook_events where org_id = $1 and status = 'pending' and attempts = 1`, [orgId]);
      const calls = [...proxy.inFlight.values()].reduce((a, b) => a + b, 0);
      return steps.length >= 1 && evs.length >= 1 && calls >= 2 ? { steps: steps.map((x) => x.id), events: evs.map((x) => x.id) } : undefined;
    });
    worker1.child.kill('SIGKILL');
    expect((await worker1.exited).signal).toBe('SIGKILL');
    // The send that had left worker 1 still reaches the platform (its answer is lost).
    proxy.holdMs = 0;
    proxy.release();
    worker2.child.kill('SIGCONT');

    await sendsDone(12);
    await until('all 15 events processed', async () => {
      const [r] = await q<{ n: number }>(`select count(*)::int as n from tiktok_webhook_events where org_id = $1 and status = 'done'`, [orgId]);
      return r!.n === 15;
    });
    const tickets = await q<{ n: number }>('select count(*)::int as n from tickets where org_id = $1', [orgId]);
    expect(tickets[0]!.n).toBe(15);
    const events2 = await q<{ id: string; times_processed: number; attempts: number }>('select id, times_processed, attempts from tiktok_webhook_events where org_id = $1', [orgId]);
    expect(events2.every((e) => e.times_processed === 1)).toBe(true);
    // The killed worker's batch came back after its lease: a second claim, one processing.
    const phase1 = new Set(events.map((e) => e.id));
    expect(events2.filter((e) => !phase1.has(e.id) && e.attempts === 2).map((e) => e.id).sort()).toEqual([...held.events].sort());
    const second = await q<{ id: string; attempts: number; status: string }>(`select id, attempts, status from outbox where org_id = $1 and handler = 'tiktok.send_message' and created_at >= $2`, [orgId, phase2At]);
    expect(second).toHaveLength(4);
    expect(second.every((s) => s.status === 'done')).toBe(true);
    expect(second.filter((s) => s.attempts === 2).map((s) => s.id).sort()).toEqual([...held.steps].sort());
    expect(second.filter((s) => s.attempts !== 2).every((s) => s.attempts === 1)).toBe(true);
    for (const [i, c] of again.entries()) expect(shopTexts(c.conversationId)).toEqual([firstText(i), secondText(i)]);
    for (const [i, c] of answered.slice(4).entries()) expect(shopTexts(c.conversationId)).toEqual([firstText(i + 4)]);
    expect(w.sandbox.writebacks.filter((x) => x.kind === 'send_message')).toHaveLength(12);

    // ---- the cron job: once per minute slot, with two timekeepers ----
    const runs = await until('the lifecycle cron job to run', async () => {
      const r = await q<{ slot: number; state: string }>(`select floor(extract(epoch from created_on) / 60)::int as slot, state from pgboss.job where name = 'maintenance.purge_sessions'`);
      return r.some((x) => x.state === 'completed') ? r : undefined;
    }, 45_000, 200);
    const perSlot = new Map<number, number>();
    for (const r of runs) perSlot.set(r.slot, (perSlot.get(r.slot) ?? 0) + 1);
    expect([...perSlot.values()].every((n) => n === 1)).toBe(true);
    expect(runs.filter((r) => r.state === 'failed')).toHaveLength(0);

    // ---- the reconciliation (every five minutes in production, every minute here) ----
    // It walks the same conversations the webhooks brought, our replies in them included: nothing
    // comes twice, and no reply is sent again.
    await until('a reconciliation to complete', async () => (await q<{ n: number }>(`select count(*)::int as n from pgboss.job where name = 'tiktok.reconcile' and state = 'completed'`))[0]!.n > 0, 80_000, 500);
    const [cursor] = await q<{ n: number }>(`select count(*)::int as n from tiktok_sync_cursors where org_id = $1 and kind = 'conversations' and last_run_at is not null`, [orgId]);
    expect(cursor!.n).toBe(1);
    expect((await q<{ n: number }>('select count(*)::int as n from tickets where org_id = $1', [orgId]))[0]!.n).toBe(15);
    const [msgs] = await q<{ inbound: number; outbound: number }>(`select count(*) filter (where direction = 'inbound')::int as inbound, count(*) filter (where direction = 'outbound')::int as outbound from ticket_messages where org_id = $1 and kind = 'public'`, [orgId]);
    expect(msgs).toEqual({ inbound: 15, outbound: 12 });
    expect(w.sandbox.writebacks.filter((x) => x.kind === 'send_message')).toHaveLength(12);
    for (const n of [api1, api2, worker2]) expect(n.output()).not.toMatch(/"level":(50|60)/);
  }, 150_000);
});
