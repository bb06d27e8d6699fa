import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { compose } from '../../src/app/compose.js';
import { createPlatform } from '../../src/app/deps.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createPool, Database } from '../../src/platform/db.js';
import { newId } from '../../src/platform/ids.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { Actor } from '../../src/platform/tenancy.js';
import type { BenchContext } from '../../bench/harness.js';
import { benchWorld } from '../../bench/world/world.js';

const TABLES = ['organisations', 'brands', 'shops', 'users', 'buyers', 'orders', 'order_lines', 'platform_returns', 'return_reason_trees', 'returns', 'return_lines', 'return_counters', 'tickets', 'ticket_threads', 'ticket_messages', 'ticket_counters', 'sla_tickets', 'sla_clocks', 'sla_clock_events', 'outbox'];

/** One digest per table over every column in key order (argon2 hashes are salted, so those are left out). */
async function digests(url: string): Promise<Record<string, string>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const out: Record<string, string> = {};
    for (const t of TABLES) {
      const order = t === 'organisations' ? 'org_id' : t === 'sla_tickets' ? 'org_id, ticket_id' : 'org_id, id';
      const r = await c.query(`select count(*)::text || ':' || coalesce(md5(string_agg((to_jsonb(x) - 'password_hash')::text, '|' order by ${order.split(', ').map((k) => `x.${k}`).join(', ')})), '') as d from ${t} x`);
      out[t] = String(r.rows[0].d);
    }
    return out;
  } finally {
    await c.end();
  }
}

describe('bench world generator', () => {
  // Under the checkout like the bench's own cluster: Postgres runs as its own OS user when we are root.
  const dir = path.resolve('.tmp', `bench-world-test-${process.pid}`);
  const closers: Array<() => Promise<void>> = [];
  const ctx: BenchContext = {
    scale: 1,
    log: () => undefined,
    onClose: (fn) => void closers.unshift(fn),
    database: () => Promise.reject(new Error('not used')),
  };
  beforeAll(() => {
    process.env.BENCH_WORLD_DIR = dir;
  });
  afterAll(async () => {
    for (const fn of closers) await fn();
    delete process.env.BENCH_WORLD_DIR;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds the same rows from the same seed and size, other rows from another seed, and clones the cached template', async () => {
    const first = await benchWorld(ctx, { size: 300, seed: 7 });
    expect(first.built).toBe(true);
    const a = await digests(first.adminUrl);
    expect(first.manifest.counts.buyers).toBe(300);
    expect(first.manifest.counts.orders).toBe(1_200);
    expect(first.manifest.counts.order_lines).toBeGreaterThan(2_400);
    expect(first.manifest.counts.platform_returns).toBeGreaterThan(0);
    expect(first.manifest.counts.returns).toBeGreaterThan(0);
    expect(first.manifest.counts.tickets).toBeGreaterThan(0);
    expect(first.manifest.samples.orders[0]).toMatch(/^ord_[0-9a-z]{26}$/);
    expect(first.manifest.samples.orderLines[0]).toMatch(/^oln_[0-9a-z]{26}$/);

    const cached = await benchWorld(ctx, { size: 300, seed: 7 });
    expect(cached.built).toBe(false);
    expect(await digests(cached.adminUrl)).toEqual(a);

    const rebuilt = await benchWorld(ctx, { size: 300, seed: 7, rebuild: true });
    expect(rebuilt.built).toBe(true);
    expect(await digests(rebuilt.adminUrl)).toEqual(a);

    const other = await benchWorld(ctx, { size: 300, seed: 8 });
    const b = await digests(other.adminUrl);
    expect(b.orders).not.toEqual(a.orders);
    expect(b.order_lines).not.toEqual(a.order_lines);
  }, 300_000);

  it('serves the app: its services read and write the world on the app role under row-level security', async () => {
    const w = await benchWorld(ctx, { size: 300, seed: 7 });
    const m = w.manifest;
    const db = new Database(createPool(w.appUrl, 2));
    const clock = new ManualClock(m.now);
    const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: w.adminUrl, APP_DATABASE_URL: w.appUrl, LOG_LEVEL: 'silent' });
    const p = createPlatform({ config, db, adminUrl: w.adminUrl, clock, ids: newId, log: silentLogger, jobs: undefined, secretKey: Buffer.alloc(32, 7) });
    const s = compose(p);
    try {
      const org = m.orgs[0]!;
      const agent: Actor = { orgId: org.orgId, userId: org.users.agents[0]!, role: 'agent' };
      const owner: Actor = { orgId: org.orgId, userId: org.users.owner, role: 'owner' };
      const c = new pg.Client({ connectionString: w.adminUrl });
      await c.connect();
      const q = async (text: string) => (await c.query(text, [org.orgId])).rows[0] as Record<string, string>;
      const ret = await q(`select id, order_id from returns where org_id = $1 order by id limit 1`);
      const tkt = await q(`select id from tickets where org_id = $1 and status = 'open' order by id limit 1`);
      // A delivered order inside the return window with no return yet: the write path's subject.
      const fresh = await q(`select o.id as order_id, min(ol.id) as line_id from orders o join order_lines ol on ol.org_id = o.org_id and ol.order_id = o.id
        where o.org_id = $1 and o.status = 'delivered' and not exists (select 1 from return_lines r where r.org_id = o.org_id and r.order_line_id = ol.id)
        group by o.id order by o.id limit 1`);
      const rma = await q(`select value::int8 as value from return_counters where org_id = $1 and id = 'rma'`);
      // Beside every ticket what the app writes with it: its SLA row, a first-reply and a resolution
      // clock with their audit rows, none of them running (a bench would set off their timers); an
      // outbox step for every agent reply; the ticket's shop on its thread and messages.
      const beside = await q(`select
          (select count(*) from tickets where org_id = $1) as tickets,
          (select count(*) from sla_tickets s join tickets t on t.org_id = s.org_id and t.id = s.ticket_id and t.shop_id = s.shop_id and t.status = s.status where s.org_id = $1) as sla_rows,
          (select count(*) from sla_clocks where org_id = $1) as clocks,
          (select count(*) from sla_clocks where org_id = $1 and state in ('running', 'paused')) as running,
          (select count(*) from sla_clocks c join tickets t on t.org_id = c.org_id and t.id = c.ticket_id
            where c.org_id = $1 and c.metric = 'resolution' and t.sla_due_at is not null and c.due_at <> t.sla_due_at) as due_mismatch,
          (select count(*) from sla_clock_events where org_id = $1) as clock_events,
          (select count(*) from outbox where org_id = $1 and status = 'done' and subject_type = 'ticket_message') as steps,
          (select count(*) from ticket_messages where org_id = $1 and direction = 'outbound' and author_type = 'user') as replies,
          (select count(*) from ticket_messages m join tickets t on t.org_id = m.org_id and t.id = m.ticket_id where m.org_id = $1 and m.shop_id is distinct from t.shop_id) as message_shop_mismatch,
          (select count(*) from ticket_threads h join tickets t on t.org_id = h.org_id and t.id = h.ticket_id where h.org_id = $1 and h.shop_id is distinct from t.shop_id) as thread_shop_mismatch`);
      await c.end();
      const counts = Object.fromEntries(Object.entries(beside).map(([k, v]) => [k, Number(v)]));
      const n = counts.tickets!;
      expect(n).toBeGreaterThan(0);
      expect(counts.replies).toBeGreaterThan(0);
      expect(counts).toEqual({
        tickets: n, sla_rows: n, clocks: 2 * n, running: 0, due_mismatch: 0, clock_events: 4 * n,
        steps: counts.replies, replies: counts.replies, message_shop_mismatch: 0, thread_shop_mismatch: 0,
      });

      const r = await s.returns.get(agent, ret.id!);
      expect(r).toMatchObject({ id: ret.id, orderId: ret.order_id, channel: 'tiktok' });
      expect((await s.returns.list(agent, { limit: 20 })).length).toBeGreaterThan(0);
      const t = await s.helpdesk.getTicket(agent, tkt.id!);
      expect(t.messages.length).toBe(t.ticket.messageCount);
      await s.helpdesk.getSidebar(agent, tkt.id!);
      expect((await s.helpdesk.list(agent, { view: 'all', limit: 10 })).items.length).toBe(10);
      const order = await s.orders.getOrder(agent, fresh.order_id!);
      expect(order.lines.reduce((a, l) => a + l.paidAmount, 0) + order.shipping).toBe(order.total);
      expect((await s.orders.listPlatformReturns(agent, { limit: 5 })).length).toBe(5);

      const created = await s.returns.create(owner, { orderId: fresh.order_id!, orderLineIds: [fresh.line_id!], reasonCode: 'size_fit', channel: 'agent' });
      expect(created.rma).toBe(`RMA-${String(Number(rma.value) + 1).padStart(6, '0')}`);
      // The app reads the world's clocks as its own.
      const clocks = await s.sla.getClocks(agent, tkt.id!);
      expect(clocks.map((k) => k.metric).sort()).toEqual(['first_reply', 'resolution']);
      expect(clocks.find((k) => k.metric === 'resolution')!.dueAt).toBe(new Date(t.ticket.slaDueAt!).toISOString());
      const replied = await s.helpdesk.reply(agent, tkt.id!, { text: 'Checking this for you now.' });
      expect(replied.ticket.messageCount).toBe(t.ticket.messageCount + 1);
    } finally {
      await db.close();
    }
  }, 300_000);
});
