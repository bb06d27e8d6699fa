import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { loadConfig } from '../src/app/config.js';
import { compose } from '../src/app/compose.js';
import { createPlatform } from '../src/app/deps.js';
import { ManualClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { silentLogger } from '../src/platform/logger.js';
import { OutboxDispatcher, OutboxRegistry } from '../src/platform/outbox/outbox.js';
import type { Actor } from '../src/platform/tenancy.js';
import { buyersMatchingPattern } from '../src/modules/orders/index.js';
import { recordEvidenceMany } from '../src/modules/evidence/index.js';
import { createIncidentsService, INCIDENT_CHAT_HANDLER } from '../src/modules/incidents/index.js';
import { printComparison, sample, stats, type BenchContext } from './harness.js';

/**
 * Incidents, three measurements, each against a baseline from the same run:
 *
 * 1. Resolving an audience over N order lines (`INCIDENTS_BENCH_LINES`, default 10 M × BENCH_SCALE),
 *    generated set-based (INSERT … SELECT over generate_series, triggers off, like the shared world):
 *    one shop, lines spread over 60 livestream sessions, 100 videos, 80 campaigns and organic.
 *    Subject: `buyersMatchingPattern` for one livestream session (every buyer, orders, latest
 *    order's number/product/tracking, cancelled and fully refunded orders left out). Baseline: the
 *    bare indexed scan of the same lines (`select distinct buyer_id …`).
 * 2. Enqueuing outreach to M buyers (`INCIDENTS_BENCH_BUYERS`, default 50 000 × BENCH_SCALE): the
 *    service's queueing of a frozen audience (one outbox step per buyer, idempotency key per incident
 *    and buyer, the contact record, the buyer row) against a raw batched INSERT of the same outbox rows.
 * 3. With pacing off, the send loop (the dispatcher running the incident's TikTok text steps, whose
 *    handler here reads what the real one reads and stops before the network) against the bare
 *    dispatcher running no-op steps.
 */

/** This process's CPU plus the run's Postgres (postmaster and its backends, reaped ones folded in), in ms, from /proc. */
function cpuMs(): { self: number; pg: number } {
  const procs = new Map<number, { ppid: number; ticks: number; cmd: string }>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]), cmd: fs.readFileSync(`/proc/${d}/cmdline`, 'utf8') });
    } catch {
      // gone while read
    }
  }
  // The run's cluster lives in .tmp/pg-bench-<this pid>: its postmaster names that directory.
  const roots = [...procs.entries()].filter(([, p]) => p.cmd.includes(`pg-bench-${process.pid}`) && !procs.get(p.ppid)?.cmd.includes(`pg-bench-${process.pid}`)).map(([pid]) => pid);
  let ticks = 0;
  const stack = [...roots];
  while (stack.length) {
    const pid = stack.pop()!;
    ticks += procs.get(pid)?.ticks ?? 0;
    for (const [c, p] of procs) if (p.ppid === pid) stack.push(c);
  }
  const u = process.cpuUsage();
  return { self: (u.user + u.system) / 1000, pg: (ticks * 1000) / 100 };
}
const cpuSince = (a: { self: number; pg: number }, n: number) => {
  const b = cpuMs();
  return `CPU/op ${((b.self - a.self + b.pg - a.pg) / n).toFixed(3)} ms (node ${((b.self - a.self) / n).toFixed(3)} + pg ${((b.pg - a.pg) / n).toFixed(3)})`;
};
const load = () => `load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`;

export default async function incidentsBench(ctx: BenchContext): Promise<void> {
  const lines = Number(process.env.INCIDENTS_BENCH_LINES ?? Math.round(10_000_000 * ctx.scale));
  const buyersN = Number(process.env.INCIDENTS_BENCH_BUYERS ?? Math.round(50_000 * ctx.scale));
  const dbs = await ctx.database('bench_incidents');
  const clock = new ManualClock('2026-03-10T09:00:00Z');
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: dbs.adminUrl, APP_DATABASE_URL: dbs.appUrl, LOG_LEVEL: 'silent' });
  const db = new Database(createPool(dbs.appUrl, 4));
  const reach = { reach: async () => ({ connected: true, chatScope: true }), sellerVouchers: async () => new Map<string, number>(), syncCoupons: async () => ({ coupons: 0 }) };
  const p = createPlatform({ config, db, adminUrl: dbs.adminUrl, clock, ids: newId, log: silentLogger, jobs: undefined, secretKey: Buffer.alloc(32, 1) });
  const s = compose(p, { overrides: { couponPlatform: reach } });
  const org = await s.tenancy.createOrganisation({ name: 'Bench incidents' });
  const u = await s.auth.createUserInOrg(org.orgId, { email: `own.${org.orgId}@bench.afterdesk.dev`, name: 'Owner', password: 'bench-password-1', role: 'owner', languages: ['en'] });
  const owner: Actor = { orgId: org.orgId, userId: u.id, role: 'owner' };
  const brand = await s.tenancy.createBrand(owner, { name: 'Bench brand' });
  const shop = await s.tenancy.createShop(owner, { brandId: brand.id, name: 'Bench DE', market: 'DE' });
  const admin = new pg.Client({ connectionString: dbs.adminUrl });
  admin.on('error', () => undefined);
  await admin.connect();

  // ---------------- 1. audience over N order lines ----------------
  {
    const orders = Math.round(lines / 2.5);
    const buyers = Math.round(orders / 4);
    const t0 = Date.now();
    await admin.query(`set session_replication_role = replica`);
    await admin.query(`insert into buyers (org_id, id, platform, platform_buyer_id, display_name, language, country, created_at, updated_at)
      select $1, 'byr_w' || g, 'tiktok', '71' || lpad(g::text, 17, '0'), 'Buyer ' || g, (array['de','en','fr','it','es'])[1 + g % 5], 'DE', now(), now() from generate_series(1, $2) g`, [org.orgId, buyers]);
    await admin.query(`insert into orders (org_id, id, shop_id, buyer_id, external_id, status, raw_status, currency, subtotal_amount, shipping_amount, seller_discount_amount, platform_discount_amount, tax_amount, total_amount, placed_at, paid_at, delivered_at, delivery_status, external_updated_at, created_at, updated_at)
      select $1, 'ord_w' || g, $2, 'byr_w' || (1 + (g::bigint * 7919) % $4), '59' || lpad(g::text, 17, '0'), case when g % 33 = 0 then 'cancelled' else 'delivered' end, 'DELIVERED', 'EUR', 4000, 0, 0, 0, 0, 4000,
             $3::timestamptz - ((g % 90) || ' days')::interval, $3::timestamptz - ((g % 90) || ' days')::interval, $3::timestamptz - ((g % 90) || ' days')::interval + interval '4 days', 'delivered', now(), now(), now()
        from generate_series(1, $5) g`, [org.orgId, shop.id, clock.now().toISOString(), buyers, orders]);
    // Each line: its order (g / 2.5), a product of 40, and a source: 20 % from 60 sessions, 15 % videos, 15 % campaigns, the rest organic.
    await admin.query(`insert into order_lines (shop_id, org_id, id, order_id, external_id, sku_id, product_id, product_name, currency, unit_price_amount, paid_amount, traffic_source_type, traffic_source_id, traffic_source_provenance, created_at, updated_at)
      select $2, $1, 'oln_w' || g, 'ord_w' || (1 + (g * 2) / 5), 'l' || g, 'sku-' || (g % 40), 'prod-' || (g % 40), 'Product ' || (g % 40), 'EUR', 1600, 1600,
             case when g % 20 < 4 then 'livestream' when g % 20 < 7 then 'creator_video' when g % 20 < 10 then 'ad_campaign' else 'organic' end,
             case when g % 20 < 4 then 'live-' || ((g / 20) % 60) when g % 20 < 7 then 'video-' || ((g / 20) % 100) when g % 20 < 10 then 'ad-' || ((g / 20) % 80) else null end,
             'bench', now(), now()
        from generate_series(1, $3) g`, [org.orgId, shop.id, lines]);
    await admin.query(`set session_replication_role = origin`);
    await admin.query('analyze');
    ctx.log(`seeded ${lines.toLocaleString('en')} order lines, ${orders.toLocaleString('en')} orders, ${buyers.toLocaleString('en')} buyers in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const pattern = { shopId: shop.id, livestreamIds: ['live-7'] };
    const bare = () => admin.query(`select distinct o.buyer_id from order_lines ol join orders o on o.org_id = ol.org_id and o.id = ol.order_id where ol.org_id = $1 and ol.traffic_source_type = 'livestream' and ol.traffic_source_id = $2 and o.shop_id = $3`, [org.orgId, 'live-7', shop.id]);
    const n = Math.max(5, Math.round(10 * ctx.scale));
    const found = (await bare()).rowCount ?? 0;
    const resolved = await db.tenant(org.orgId, (tx) => buyersMatchingPattern(tx, org.orgId, pattern));
    const baseline = await sample(bare, n, 2);
    const subject = await sample(() => db.tenant(org.orgId, (tx) => buyersMatchingPattern(tx, org.orgId, pattern)), n, 2);
    printComparison({
      name: `incidents: resolving the audience of one livestream over ${lines.toLocaleString('en')} order lines`,
      baseline: { label: 'bare indexed scan (distinct buyers of the lines)', stats: baseline },
      subject: { label: 'buyersMatchingPattern (orders, latest order, exclusions)', stats: subject },
      notes: [`${found} buyers on the lines; ${resolved.length} after leaving out cancelled orders`, `target: under 1 s — p50 ${subject.p50.toFixed(0)} ms`],
    });
  }

  if (process.env.INCIDENTS_BENCH_ONLY === 'audience') {
    await admin.end();
    await db.close();
    return;
  }
  // ---------------- 2. enqueuing outreach to M buyers ----------------
  const incidents = createIncidentsService({ db, ids: newId, clock, log: silentLogger, chunk: 1000, pacing: false }, {
    recordEvidence: async () => undefined,
    // The per-buyer evidence is part of the enqueue: written for real, one chained batch per chunk.
    recordEvidenceMany: (tx, inputs) => recordEvidenceMany(tx, { ids: newId, clock }, inputs),
    notify: async () => 0,
    outreach: s.outreach,
    coupons: { issueIn: async () => { throw new Error('no coupons in this bench'); }, listPlatformCoupons: async () => ({ items: [] }), issue: async () => ({ id: '' }), redeemedOf: async () => new Set() },
    analytics: { annotateIn: async () => undefined, createTaskIn: async () => undefined, excludeIn: async () => undefined },
    reply: async () => ({ message: { id: '' } }),
    chatReach: reach.reach,
    emailOf: async () => null,
  });
  {
    await admin.query(`insert into buyers (org_id, id, platform, platform_buyer_id, display_name, language, country, created_at, updated_at)
      select $1, 'byr_o' || g, 'tiktok', '72' || lpad(g::text, 17, '0'), 'Out ' || g, 'de', 'DE', now(), now() from generate_series(1, $2) g`, [org.orgId, buyersN]);
    const inc = await incidents.declare(owner, { shopId: shop.id, title: 'Bench outreach', pattern: { productIds: ['bench-out'] } });
    await incidents.update(owner, inc.id, { messages: { de: 'Hallo {buyer_name}, es tut uns leid.' } });
    // A frozen audience of M buyers, written as approval would (the freeze itself is measured by 1).
    await admin.query(`update incidents set status = 'sending', frozen_at = now(), approved_at = now(), send_started_at = $3::timestamptz where org_id = $1 and id = $2`, [org.orgId, inc.id, clock.now().toISOString()]);
    await admin.query(`insert into incident_buyers (org_id, incident_id, buyer_id, shop_id, order_ids, language, country, complained, channel, added_after_freeze, status, created_at)
      select $1, $2, 'byr_o' || g, $3, '{}', 'de', 'DE', false, 'tiktok_chat', false, 'targeted', now() from generate_series(1, $4) g`, [org.orgId, inc.id, shop.id, buyersN]);
    await admin.query('analyze');

    const cb = cpuMs();
    const tb = Date.now();
    for (let from = 1; from <= buyersN; from += 5_000) {
      const to = Math.min(buyersN, from + 4_999);
      await admin.query(`insert into outbox (org_id, id, handler, idempotency_key, payload, status, attempts, max_attempts, next_attempt_at, subject_type, subject_id, created_at, updated_at)
        select $1, 'obx_raw' || g, 'raw.noop', 'raw:' || g, jsonb_build_object('buyerId', 'byr_o' || g, 'text', 'Hallo'), 'pending', 0, 1, $4::timestamptz, 'incident', 'raw', now(), now() from generate_series($2::int, $3::int) g`, [org.orgId, from, to, clock.now().toISOString()]);
    }
    const baseMs = Date.now() - tb;
    const baseCpu = cpuSince(cb, buyersN);
    const cs = cpuMs();
    const ts = Date.now();
    const r = await incidents.queueAll(owner, inc.id);
    const subjMs = Date.now() - ts;
    const subjCpu = cpuSince(cs, r.queued);
    printComparison({
      name: `incidents: enqueuing outreach to ${buyersN.toLocaleString('en')} buyers (outbox rows with idempotency keys)`,
      baseline: { label: 'raw batched INSERT … SELECT (5 000 per tx)', stats: stats([baseMs / buyersN], baseMs) },
      subject: { label: 'queueAll (policy, outbox, contact record, row)', stats: stats([subjMs / r.queued], subjMs) },
      notes: [`baseline ${(buyersN / (baseMs / 1000)).toFixed(0)} rows/s (${baseCpu}), subject ${(r.queued / (subjMs / 1000)).toFixed(0)} buyers/s (${subjCpu}); ratio ×${(baseMs / buyersN / (subjMs / r.queued)).toFixed(3)}; queued ${r.queued}, unreachable ${r.unreachable}; ${load()}`],
    });

    if (process.env.INCIDENTS_BENCH_ONLY === 'enqueue') {
      await admin.end();
      await db.close();
      return;
    }
    // ---------------- 3. the send loop without pacing vs the bare dispatcher ----------------
    const registry = new OutboxRegistry();
    registry.register('raw.noop', async () => ({}));
    // What the TikTok text handler does before the network: its step row and the buyer's platform id.
    registry.register(INCIDENT_CHAT_HANDLER, async (payload, c) => {
      const n = await db.tenant(c.orgId, async (tx) => {
        const row = await tx.execute(sql`select created_at from outbox where org_id = ${c.orgId} and id = ${c.id}`);
        const b = await tx.execute(sql`select platform_buyer_id from buyers where org_id = ${c.orgId} and id = ${String(payload.buyerId)}`);
        return row.rows.length + b.rows.length;
      });
      return { rows: n };
    });
    const dispatcher = new OutboxDispatcher(db, registry, clock, silentLogger);
    const drainAll = async (handler: string) => {
      const t = Date.now();
      let done = 0;
      for (;;) {
        const rep = await dispatcher.runOnce(200, org.orgId);
        done += rep.done;
        if (rep.claimed === 0) break;
      }
      void handler;
      return { ms: Date.now() - t, done };
    };
    // The raw rows first (only they are due: the incident's steps wait a second), then the incident's.
    await admin.query(`update outbox set next_attempt_at = $2::timestamptz + interval '1 second' where org_id = $1 and handler = $3`, [org.orgId, clock.now().toISOString(), INCIDENT_CHAT_HANDLER]);
    const raw = await drainAll('raw.noop');
    clock.advance(2_000);
    const loop = await drainAll(INCIDENT_CHAT_HANDLER);
    printComparison({
      name: `incidents: the send loop with pacing off (${loop.done.toLocaleString('en')} steps)`,
      baseline: { label: 'bare dispatcher, no-op steps', stats: stats([raw.ms / Math.max(1, raw.done)], raw.ms) },
      subject: { label: 'dispatcher running incident text steps (no network)', stats: stats([loop.ms / Math.max(1, loop.done)], loop.ms) },
      notes: [`baseline ${(raw.done / (raw.ms / 1000)).toFixed(0)} steps/s (${raw.done}), subject ${(loop.done / (loop.ms / 1000)).toFixed(0)} steps/s; the real handler adds the platform round trips, which pacing (0.5 s per text, 2.1 s per coupon card) dominates`],
    });
  }
  await admin.end();
  await db.close();
}
