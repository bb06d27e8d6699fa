import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { loadConfig } from '../src/app/config.js';
import { compose } from '../src/app/compose.js';
import { createPlatform } from '../src/app/deps.js';
import { ManualClock, systemClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { silentLogger } from '../src/platform/logger.js';
import type { Actor } from '../src/platform/tenancy.js';
import { createCouponsService, WATERMARK_OVERLAP_MS, type CouponPlatformPort } from '../src/modules/coupons/index.js';
import { recordEvidence, recordEvidenceMany } from '../src/modules/evidence/index.js';
import { APP_PASSWORD, printComparison, sample, stats, type BenchContext } from './harness.js';
import { appUrlFrom, migrate } from '../src/app/migrate.js';
import { ensureDatabase, startEmbedded } from '../src/app/postgres.js';
import { parentPid, treeCpuMs } from './proc-cpu.js';

/**
 * Coupons, two measurements, each against a baseline from the same run:
 *
 * 1. Selecting the day's due buyers for all programmes of a shop (return visit 3 days after
 *    delivery, win-back after 60 days, loyal buyers on a member day) over a coupon world generated
 *    here with generate_series (`COUPONS_BENCH_BUYERS`, default 1 M × BENCH_SCALE buyers, 5 orders
 *    each, skewed; `COUPONS_BENCH_SELECT=0` skips it). Subject: the service's
 *    whole selection (`selectDue`: candidates, recency/frequency/spend and returns per candidate,
 *    open cases, hold-out, budget, contact policy) without writing. Baseline: the bare indexed scans
 *    of the same rows (the three candidate queries alone).
 * 2. Issuing N sends (`COUPONS_BENCH_SENDS`, default 100 000 × BENCH_SCALE): `runDue` on a shop
 *    where N buyers are due (ledger row, outbox step, contact record and evidence record per send,
 *    in one transaction) against a raw batched INSERT … SELECT of the same ledger and outbox rows.
 */
const nodeCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** The platform on a bench database, as the app role (RLS on), without jobs. */
function benchPlatform(dbs: { adminUrl: string; appUrl: string }, clock: ManualClock) {
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: dbs.adminUrl, APP_DATABASE_URL: dbs.appUrl, LOG_LEVEL: 'silent' });
  const db = new Database(createPool(dbs.appUrl, 4));
  const p = createPlatform({ config, db, adminUrl: dbs.adminUrl, clock, ids: newId, log: silentLogger, jobs: undefined, secretKey: Buffer.alloc(32, 1) });
  return { config, db, p };
}

/** An organisation with its owner, one brand and one DE shop. */
async function benchShop(s: ReturnType<typeof compose>, name: string) {
  const org = await s.tenancy.createOrganisation({ name });
  const u = await s.auth.createUserInOrg(org.orgId, { email: `own.${org.orgId}@bench.afterdesk.dev`, name: 'Owner', password: 'bench-password-1', role: 'owner', languages: ['en'] });
  const owner: Actor = { orgId: org.orgId, userId: u.id, role: 'owner' };
  const brand = await s.tenancy.createBrand(owner, { name: 'Bench brand' });
  const shop = await s.tenancy.createShop(owner, { brandId: brand.id, name: 'Bench DE', market: 'DE' });
  return { org, owner, shop };
}

export default async function couponsBench(ctx: BenchContext): Promise<void> {
  const reach: CouponPlatformPort = { reach: async () => ({ connected: true, chatScope: true }), sellerVouchers: async () => new Map(), syncCoupons: async () => ({ coupons: 0 }) };

  // ---------------- 1. due-buyer selection over a coupon world (1 M buyers, 5 M orders) ----------------
  if (process.env.COUPONS_BENCH_SELECT !== '0') {
    const buyers = Number(process.env.COUPONS_BENCH_BUYERS ?? Math.round(1_000_000 * ctx.scale));
    const orderCount = buyers * 5;
    // COUPONS_BENCH_KEEP=<dir>: the world lives in its own Postgres cluster in <dir>, kept after the run
    // and reused by the next one with the same size (building it takes 5–9 minutes); the summary is then
    // only caught up, not rebuilt. Without it, the run's fresh database as before.
    const keepDir = process.env.COUPONS_BENCH_KEEP ? path.resolve(process.env.COUPONS_BENCH_KEEP) : null;
    const kept = keepDir ? await keptWorld(keepDir, buyers) : null;
    if (kept) ctx.onClose(kept.stop);
    const dbs = kept?.dbs ?? (await ctx.database('bench_coupons_select'));
    const clock = new ManualClock('2026-03-10T09:00:00Z');
    const { db, p } = benchPlatform(dbs, clock);
    const s = compose(p, { overrides: { couponPlatform: reach } });
    let world = kept?.world ?? null;
    if (world) ctx.log(`  coupon world kept in ${keepDir}: ${buyers.toLocaleString('en')} buyers, reused`);
    if (!world) {
      const { org, owner, shop } = await benchShop(s, 'Bench coupon world');
      const admin = new pg.Client({ connectionString: dbs.adminUrl });
      await admin.connect();
      // Set-based world: every buyer has a first order; the other 4 orders per buyer go to buyers
      // drawn with a cubic skew (a few very loyal buyers, a long tail of one-time buyers), placed over
      // three years; delivered four days after placing. 1 % of orders are returned.
      const now = clock.now();
      const t0 = Date.now();
      // Bulk load: row triggers (foreign keys) off, and the orders' secondary indexes built once after
      // the load instead of maintained row by row (that was ≈ 6 minutes per million orders).
      await admin.query('set session_replication_role = replica');
      const orderIndexes = (await admin.query(`select indexname, indexdef from pg_indexes where tablename = 'orders' and indexname not in (select conname from pg_constraint where conrelid = 'orders'::regclass)`)).rows as { indexname: string; indexdef: string }[];
      for (const ix of orderIndexes) await admin.query(`drop index ${ix.indexname}`);
      await admin.query(`insert into buyers (org_id, id, platform, platform_buyer_id, display_name, language, country, created_at, updated_at)
        select $1, 'byr_s' || g, 'tiktok', '71' || lpad(g::text, 17, '0'), 'Buyer ' || g, (array['de','en','fr','it','es'])[1 + g % 5], 'DE', $3::timestamptz, $3::timestamptz from generate_series(1, $2::int) g`, [org.orgId, buyers, new Date(now.getTime() - 86_400_000).toISOString()]);
      const tb = Date.now();
      const chunk = 1_000_000;
      for (let from = 1; from <= orderCount; from += chunk) {
        const to = Math.min(orderCount, from + chunk - 1);
        await admin.query(`insert into orders (org_id, id, shop_id, buyer_id, external_id, status, raw_status, currency, subtotal_amount, shipping_amount, seller_discount_amount, platform_discount_amount, tax_amount, total_amount, placed_at, paid_at, delivered_at, delivery_status, external_updated_at, created_at, updated_at)
          select $1, 'ord_s' || g, $2, 'byr_s' || b, '59' || lpad(g::text, 17, '0'), case when d then 'delivered' else 'in_transit' end, case when d then 'DELIVERED' else 'IN_TRANSIT' end, 'EUR', amt, 0, 0, 0, 0, amt, at, at, case when d then at + interval '4 days' end, case when d then 'delivered' else 'in_transit' end, at, at, least(at + interval '4 days', $4::timestamptz - interval '1 day')
          from (select g,
                  case when g <= $3::bigint then g else 1 + floor($3::bigint * power(((g * 2654435761::bigint) % 4294967296) / 4294967296.0, 3))::bigint end as b,
                  $4::timestamptz - ((g * 40503::bigint) % (1095 * 1440)) * interval '1 minute' as at,
                  1500 + (g * 7919) % 9000 as amt
                from generate_series($5::bigint, $6::bigint) g) x, lateral (select x.at + interval '4 days' < $4::timestamptz as d) y`, [org.orgId, shop.id, buyers, now.toISOString(), from, to]);
        ctx.log(`  orders ${to.toLocaleString('en')} / ${orderCount.toLocaleString('en')} (${((Date.now() - tb) / 1000).toFixed(0)} s)`);
      }
      await admin.query(`insert into platform_returns (org_id, id, shop_id, order_id, buyer_id, kind, external_id, external_order_id, type, raw_type, status, raw_status, currency, refund_amount, requested_at, external_updated_at)
        select o.org_id, 'prt_s' || o.id, o.shop_id, o.id, o.buyer_id, 'return', 'r' || o.external_id, o.external_id, 'RETURN_AND_REFUND', 'RETURN_AND_REFUND', 'completed', 'RETURN_OR_REFUND_REQUEST_COMPLETE', 'EUR', o.total_amount, o.delivered_at + interval '2 days', o.delivered_at + interval '2 days'
        from orders o where o.org_id = $1 and o.delivered_at is not null and hashtext(o.id) % 100 = 0`, [org.orgId]);
      await admin.query(`update platform_returns set updated_at = least(external_updated_at, $2::timestamptz - interval '1 day'), created_at = least(external_updated_at, $2::timestamptz - interval '1 day') where org_id = $1`, [org.orgId, now.toISOString()]);
      const ti = Date.now();
      for (const ix of orderIndexes) await admin.query(ix.indexdef);
      ctx.log(`  orders' ${orderIndexes.length} secondary indexes built in ${((Date.now() - ti) / 1000).toFixed(0)} s`);
      await admin.query('set session_replication_role = origin');
      await admin.query('analyze');
      const counts = (await admin.query(`select (select count(*) from orders where org_id = $1)::int as orders, (select count(*) from platform_returns where org_id = $1)::int as returns`, [org.orgId])).rows[0];
      ctx.log(`  coupon world: ${buyers.toLocaleString('en')} buyers, ${counts.orders.toLocaleString('en')} orders, ${counts.returns.toLocaleString('en')} returns generated in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      const term = (id: string, value: number, min: number) => ({ externalId: id, title: `Bench ${id}`, status: 'ONGOING', displayType: 'CHAT', creationSource: 'SELLER_CENTER', targetBuyerSegment: 'ALL', promoCode: null, discountType: 'AMOUNT_OFF', currency: 'EUR', reductionAmount: value, percentageBp: null, maxDiscount: null, minSpend: min, claimEndAt: new Date(now.getTime() + 90 * 86_400_000), redemptionType: 'RELATIVE', redemptionEndAt: null, redemptionDays: 14, totalClaimLimit: null, claimedCount: 0, displayChannels: ['CHAT'], productScope: 'FULL_SHOP', productIds: [], claimStartAt: null, redemptionStartAt: null, singleBuyerClaimLimit: 1, redemptionLimit: null, redeemedCount: 0, externalUpdatedAt: null });
      await s.coupons.upsertPlatformCoupons(org.orgId, shop.id, [term('7301', 500, 3000), term('7302', 1000, 5000)]);
      const [c1, c2] = (await s.coupons.listPlatformCoupons(owner, shop.id)).items;
      const today = Number(new Intl.DateTimeFormat('en', { timeZone: 'Europe/Berlin', day: 'numeric' }).format(now));
      const mk = (kind: 'return_visit' | 'winback' | 'loyalty', schedule: Record<string, unknown>, couponId: string) =>
        s.coupons.createProgramme(owner, { shopId: shop.id, name: `Bench ${kind}`, kind, schedule, segment: {}, holdoutPercent: 10, budget: 100_000_000, channel: 'tiktok_chat', maxMinSpend: null, maxFaceValue: null, messages: {}, variants: [{ key: 'a', platformCouponId: couponId, weight: 1 }] });
      await mk('return_visit', { afterDeliveryDays: 3 }, c1!.id);
      await mk('winback', { inactiveDays: 60 }, c2!.id);
      const loyalty = await mk('loyalty', { memberDays: [today] }, c2!.id);
      world = { orgId: org.orgId, shopId: shop.id, userId: owner.userId, loyaltyId: loyalty.id, buyers, orders: counts.orders, built: false };
      await admin.end();
      kept?.save(world);
    }
    const org = { orgId: world.orgId };
    const shop = { id: world.shopId };
    const owner: Actor = { orgId: world.orgId, userId: world.userId, role: 'owner' };
    const loyalty = { id: world.loyaltyId };
    const counts = { orders: world.orders };
    const admin = new pg.Client({ connectionString: dbs.adminUrl });
    await admin.connect();
    const now = clock.now();
    const zoneDay = (back: number) => {
      const d = new Date(now.getTime() - back * 86_400_000);
      const ymd = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(d);
      return new Date(`${ymd}T00:00:00+01:00`);
    };
    const bareSql = {
      delivered: 'select distinct buyer_id from orders where org_id = $1 and shop_id = $2 and delivered_at >= $3 and delivered_at < $4',
      lapsed: 'select distinct o.buyer_id from orders o where o.org_id = $1 and o.shop_id = $2 and o.placed_at >= $3 and o.placed_at < $4 and not exists (select 1 from orders l where l.org_id = o.org_id and l.buyer_id = o.buyer_id and l.shop_id = o.shop_id and l.placed_at > o.placed_at)',
      frequent: 'select buyer_id from orders where org_id = $1 and shop_id = $2 and placed_at >= $3 group by buyer_id having count(*) >= 3',
    };
    const bare = async (memberDay: boolean, loyaltyAlone = false) => {
      const a = loyaltyAlone ? { rowCount: 0 } : await admin.query(bareSql.delivered, [org.orgId, shop.id, zoneDay(3), zoneDay(2)]);
      const b = loyaltyAlone ? { rowCount: 0 } : await admin.query(bareSql.lapsed, [org.orgId, shop.id, zoneDay(60), zoneDay(59)]);
      const c = memberDay ? await admin.query(bareSql.frequent, [org.orgId, shop.id, zoneDay(365)]) : { rowCount: 0 };
      return { delivered: a.rowCount!, lapsed: b.rowCount!, frequent: c.rowCount! };
    };
    for (const [k, q] of Object.entries(bareSql)) {
      const plan = await admin.query(`explain ${q}`, k === 'frequent' ? [org.orgId, shop.id, zoneDay(365)] : [org.orgId, shop.id, zoneDay(3), zoneDay(2)]);
      ctx.log(`  plan ${k}: ${(plan.rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN'].trim()).filter((l) => /Scan|Join/.test(l)).map((l) => l.replace(/\s+\(cost.*$/, '')).join(' | ')}`);
    }
    // The per-buyer summary: built once set-based, then a day's changes taken in by the pull.
    const pgRoot = Number((await admin.query('select pg_backend_pid() as pid')).rows[0]?.pid);
    const postmaster = parentPid(pgRoot) ?? pgRoot;
    const cpu = () => ({ node: nodeCpuMs(), pg: treeCpuMs({ pg: postmaster }).pg! });
    if (!world.built) {
      const k0 = cpu();
      const tr = Date.now();
      const built = await s.coupons.rebuildFacts(org.orgId, shop.id, now);
      const k1 = cpu();
      ctx.log(`  summary rebuilt for ${built.toLocaleString('en')} buyers in ${((Date.now() - tr) / 1000).toFixed(1)} s (CPU node ${(k1.node - k0.node).toFixed(0)} ms + pg ${(k1.pg - k0.pg).toFixed(0)} ms); load ${loadavg()}`);
      world.built = true;
      kept?.save(world);
    } else ctx.log('  summary kept from an earlier run (not rebuilt)');
    // A day of changes: 5 000 orders updated (a delivery, a status) since the watermark.
    clock.advance(60_000);
    await admin.query(`update orders set updated_at = $2::timestamptz where org_id = $1 and id in (select 'ord_s' || g from generate_series(1, $3::int * 5, 997) g limit 5000)`, [org.orgId, clock.now().toISOString(), buyers]);
    const k2 = cpu();
    const tc = Date.now();
    const caught = await s.coupons.refreshFacts(org.orgId, shop.id, now);
    const k3 = cpu();
    ctx.log(`  a day's catch-up: ${caught.refreshed.toLocaleString('en')} buyers (changed + window-stale) refreshed in ${Date.now() - tc} ms (CPU node ${(k3.node - k2.node).toFixed(0)} ms + pg ${(k3.pg - k2.pg).toFixed(0)} ms); load ${loadavg()}`);
    // Selection runs after the catch-up (the daily job refreshes first); changes re-read within the overlap are the catch-up's cost, above.
    clock.advance(WATERMARK_OVERLAP_MS + 60_000);
    await s.coupons.refreshFacts(org.orgId, shop.id, now);
    const summarySql = 'select buyer_id, last_order_at, orders365, spend365 from coupon_buyer_facts where org_id = $1 and shop_id = $2 and last_delivered_at >= $3 and last_delivered_at < $4';
    const n = Number(process.env.COUPONS_BENCH_SAMPLES ?? Math.max(3, Math.round(7 * ctx.scale)));
    // Three days: an ordinary one; a member day (the return visit already uses the day's sends, so the
    // loyal buyers are only counted); a member day of the loyalty programme alone (its first page of loyal
    // buyers read in draw order and evaluated).
    const others = (await s.coupons.listProgrammes(owner, { shopId: shop.id })).items.filter((x) => x.id !== loyalty.id);
    for (const day of ['ordinary', 'member', 'loyalty'] as const) {
      const memberDay = day !== 'ordinary';
      const alone = day === 'loyalty';
      await s.coupons.updateProgramme(owner, loyalty.id, { status: memberDay ? 'active' : 'paused' });
      for (const o of others) await s.coupons.updateProgramme(owner, o.id, { status: alone ? 'paused' : 'active' });
      const cand = await bare(memberDay, alone);
      const due = await s.coupons.selectDue(org.orgId, shop.id, now);
      const b0 = cpu();
      const baseline = await sample(() => bare(memberDay, alone), n, 1);
      const b1 = cpu();
      const subject = await sample(() => s.coupons.selectDue(org.orgId, shop.id, now), n, 1);
      const b2 = cpu();
      const summaryScan = await sample(() => admin.query(summarySql, [org.orgId, shop.id, zoneDay(3), zoneDay(2)]), n, 1);
      const per = (a: { node: number; pg: number }, b: { node: number; pg: number }, k: number) => `node ${((b.node - a.node) / k).toFixed(0)} + pg ${((b.pg - a.pg) / k).toFixed(0)} ms`;
      printComparison({
        name: `coupons: the day's due buyers of one shop, ${alone ? 'a member day of the loyalty programme alone' : memberDay ? 'a member day (return visit + win-back + loyalty)' : 'an ordinary day (return visit + win-back)'} — ${buyers.toLocaleString('en')} buyers, ${counts.orders.toLocaleString('en')} orders`,
        baseline: { label: 'bare indexed scans of the candidate rows', stats: baseline },
        subject: { label: 'selectDue (facts, eligibility, hold-out, policy)', stats: subject },
        notes: [
          `candidates ${JSON.stringify(cand)}; would plan ${due.planned}, hold out ${due.heldOut}; skipped ${JSON.stringify(due.skipped)}`,
          `CPU per operation (incl. warm-up call): baseline ${per(b0, b1, n + 1)}, subject ${per(b1, b2, n + 1)}; the summary's own range scan (return visit) p50 ${summaryScan.p50.toFixed(1)} ms; load ${loadavg()}`,
          `target: under 1 s — p50 ${subject.p50.toFixed(0)} ms, p99 ${subject.p99.toFixed(0)} ms: ${subject.p99 < 1000 ? 'met' : 'NOT met'}`,
        ],
      });
    }
    await admin.end();
    await db.close();
  }

  // ---------------- 2. issuing N sends ----------------
  if (process.env.COUPONS_BENCH_SENDS !== '0') {
    const sends = Number(process.env.COUPONS_BENCH_SENDS ?? Math.round(100_000 * ctx.scale));
    const dbs = await ctx.database('bench_coupons_issue');
    const clock = new ManualClock('2026-03-10T09:00:00Z');
    const { db, p } = benchPlatform(dbs, clock);
    const composed = compose(p, { overrides: { couponPlatform: reach } });
    // The same service with the per-shop daily cap lifted, so one run plans every due buyer.
    const s = { ...composed, coupons: createCouponsService({ db, ids: newId, clock, log: silentLogger, dailySendCap: Number.MAX_SAFE_INTEGER }, { recordEvidence: (tx, input) => recordEvidence(tx, { ids: newId, clock }, input), recordEvidenceMany: (tx, inputs) => recordEvidenceMany(tx, { ids: newId, clock }, inputs), outreach: composed.outreach, platform: reach }) };
    const { org, owner, shop } = await benchShop(s, 'Bench coupons');
    const admin = new pg.Client({ connectionString: dbs.adminUrl });
    await admin.connect();
    // N buyers, each with one order delivered three days ago (Berlin): all due for the return visit today.
    const t0 = Date.now();
    await admin.query(`insert into buyers (org_id, id, platform, platform_buyer_id, display_name, language, country, created_at, updated_at)
      select $1, 'byr_b' || g, 'tiktok', '70' || lpad(g::text, 17, '0'), 'Bench ' || g, 'de', 'DE', now(), now() from generate_series(1, $2) g`, [org.orgId, sends]);
    await admin.query(`insert into orders (org_id, id, shop_id, buyer_id, external_id, status, raw_status, currency, subtotal_amount, shipping_amount, seller_discount_amount, platform_discount_amount, tax_amount, total_amount, placed_at, paid_at, delivered_at, delivery_status, external_updated_at, created_at, updated_at)
      select $1, 'ord_b' || g, $2, 'byr_b' || g, '58' || lpad(g::text, 17, '0'), 'delivered', 'DELIVERED', 'EUR', 4000, 0, 0, 0, 0, 4000, $3::timestamptz - interval '5 days', $3::timestamptz - interval '5 days', $3::timestamptz - interval '3 days', 'delivered', $3::timestamptz - interval '3 days', $3::timestamptz - interval '3 days', $3::timestamptz - interval '3 days' from generate_series(1, $4) g`, [org.orgId, shop.id, clock.now().toISOString(), sends]);
    await admin.query('analyze');
    ctx.log(`seeded ${sends} buyers with a delivered order in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const term = { externalId: '7301', title: 'Spend 30 save 5', status: 'ONGOING', displayType: 'CHAT', creationSource: 'SELLER_CENTER', targetBuyerSegment: 'ALL', promoCode: null, discountType: 'AMOUNT_OFF', currency: 'EUR', reductionAmount: 500, percentageBp: null, maxDiscount: null, minSpend: 3000, claimEndAt: new Date('2027-01-01T00:00:00Z'), redemptionType: 'RELATIVE', redemptionEndAt: null, redemptionDays: 14, totalClaimLimit: null, claimedCount: 0, displayChannels: ['CHAT'], productScope: 'FULL_SHOP', productIds: [], claimStartAt: null, redemptionStartAt: null, singleBuyerClaimLimit: 1, redemptionLimit: null, redeemedCount: 0, externalUpdatedAt: null };
    await s.coupons.upsertPlatformCoupons(org.orgId, shop.id, [term]);
    const [coupon] = (await s.coupons.listPlatformCoupons(owner, shop.id)).items;
    await s.coupons.createProgramme(owner, { shopId: shop.id, name: 'Bench return visit', kind: 'return_visit', schedule: { afterDeliveryDays: 3 }, segment: {}, holdoutPercent: 0, budget: 100_000_000, channel: 'tiktok_chat', maxMinSpend: null, maxFaceValue: null, messages: {}, variants: [{ key: 'a', platformCouponId: coupon!.id, weight: 1 }] });

    // The per-buyer summary is built once ahead (the hourly refresh's job), so the run below measures issuing.
    await s.coupons.rebuildFacts(org.orgId, shop.id, clock.now());
    const pgRoot = Number((await admin.query('select pg_backend_pid() as pid')).rows[0]?.pid);
    const postmaster = parentPid(pgRoot) ?? pgRoot;
    const cpu = () => ({ node: nodeCpuMs(), pg: treeCpuMs({ pg: postmaster }).pg! });
    // Baseline: the same rows, raw, in batches of 5 000 (ledger + outbox).
    const c0 = cpu();
    const tb = Date.now();
    for (let from = 1; from <= sends; from += 5_000) {
      const to = Math.min(sends, from + 4_999);
      await admin.query('begin');
      await admin.query(`insert into coupon_ledger (org_id, id, shop_id, intent_key, programme_id, buyer_id, platform_coupon_id, occasion, arm, status, channel, currency, face_value, min_spend, planned_at, updated_at)
        select $1, 'cpn_raw' || g, $2, 'raw:' || g, 'raw', 'byr_b' || g, $3, 'delivery:ord_b' || g, 'treatment', 'planned', 'tiktok_chat', 'EUR', 500, 3000, now(), now() from generate_series($4::int, $5::int) g`, [org.orgId, shop.id, coupon!.id, from, to]);
      await admin.query(`insert into outbox (org_id, id, handler, idempotency_key, payload, status, attempts, max_attempts, next_attempt_at, subject_type, subject_id, created_at, updated_at)
        select $1, 'obx_raw' || g, 'raw.noop', 'raw:' || g, jsonb_build_object('buyerId', 'byr_b' || g), 'cancelled', 0, 1, now(), 'coupon', 'cpn_raw' || g, now(), now() from generate_series($2::int, $3::int) g`, [org.orgId, from, to]);
      await admin.query('commit');
    }
    const baseMs = Date.now() - tb;
    const c1 = cpu();
    await admin.query(`delete from coupon_ledger where org_id = $1 and programme_id = 'raw'`, [org.orgId]);
    await admin.query(`delete from outbox where org_id = $1 and handler = 'raw.noop'`, [org.orgId]);
    // The same raw insert as the application role in a tenant transaction (row-level security on), as
    // `runDue` runs: how much of the gap is the role and its policies rather than the service's work.
    const cr0 = cpu();
    const trl = Date.now();
    for (let from = 1; from <= sends; from += 5_000) {
      const to = Math.min(sends, from + 4_999);
      await db.tenant(org.orgId, async (tx) => {
        await tx.execute(sql`insert into coupon_ledger (org_id, id, shop_id, intent_key, programme_id, buyer_id, platform_coupon_id, occasion, arm, status, channel, currency, face_value, min_spend, planned_at, updated_at)
          select ${org.orgId}, 'cpn_rls' || g, ${shop.id}, 'rls:' || g, 'raw', 'byr_b' || g, ${coupon!.id}, 'delivery:ord_b' || g, 'treatment', 'planned', 'tiktok_chat', 'EUR', 500, 3000, now(), now() from generate_series(${from}::int, ${to}::int) g`);
        await tx.execute(sql`insert into outbox (org_id, id, handler, idempotency_key, payload, status, attempts, max_attempts, next_attempt_at, subject_type, subject_id, created_at, updated_at)
          select ${org.orgId}, 'obx_rls' || g, 'raw.noop', 'rls:' || g, jsonb_build_object('buyerId', 'byr_b' || g), 'cancelled', 0, 1, now(), 'coupon', 'cpn_rls' || g, now(), now() from generate_series(${from}::int, ${to}::int) g`);
      });
    }
    const rlsMs = Date.now() - trl;
    const cr1 = cpu();
    await admin.query(`delete from coupon_ledger where org_id = $1 and programme_id = 'raw'`, [org.orgId]);
    await admin.query(`delete from outbox where org_id = $1 and handler = 'raw.noop'`, [org.orgId]);

    const c2 = cpu();
    const ts = Date.now();
    const r = await s.coupons.runDue(org.orgId, shop.id, clock.now());
    const subjMs = Date.now() - ts;
    const c3 = cpu();
    const counted = await admin.query(`select (select count(*) from coupon_ledger where org_id = $1)::int as ledger, (select count(*) from outbox where org_id = $1 and handler = 'tiktok.send_coupon_card')::int as steps`, [org.orgId]);
    printComparison({
      name: `coupons: issuing ${sends.toLocaleString('en')} sends (ledger + outbox rows)`,
      baseline: { label: 'raw batched INSERT … SELECT (5 000 per tx)', stats: stats([baseMs / sends], baseMs) },
      subject: { label: 'runDue (policy, then set-based ledger, outbox, contact, evidence per 5 000)', stats: stats([subjMs / sends], subjMs) },
      notes: [
        `baseline ${(sends / (baseMs / 1000)).toFixed(0)} sends/s, subject ${(r.planned / (subjMs / 1000)).toFixed(0)} sends/s; planned ${r.planned}, skipped ${JSON.stringify(r.skipped)}; rows written: ${counted.rows[0].ledger} ledger, ${counted.rows[0].steps} outbox`,
        `CPU per send: baseline node ${(((c1.node - c0.node) * 1000) / sends).toFixed(1)} + pg ${(((c1.pg - c0.pg) * 1000) / sends).toFixed(1)} µs, subject node ${(((c3.node - c2.node) * 1000) / sends).toFixed(1)} + pg ${(((c3.pg - c2.pg) * 1000) / sends).toFixed(1)} µs (CPU ratio ×${((c3.node - c2.node + c3.pg - c2.pg) / (c1.node - c0.node + c1.pg - c0.pg)).toFixed(1)}); load ${loadavg()}`,
        `the same raw insert as the application role in tenant transactions (RLS on): ${(sends / (rlsMs / 1000)).toFixed(0)} sends/s, CPU per send node ${(((cr1.node - cr0.node) * 1000) / sends).toFixed(1)} + pg ${(((cr1.pg - cr0.pg) * 1000) / sends).toFixed(1)} µs`,
        'the production service plans at most DAILY_SEND_CAP (2 000) sends per shop and day (the customer-service quota); this run lifts the cap to measure the write path',
      ],
    });
    await admin.end();
  }
  void systemClock;
}

interface KeptWorld {
  orgId: string;
  shopId: string;
  userId: string;
  loyaltyId: string;
  buyers: number;
  orders: number;
  /** The summary was rebuilt once. */
  built: boolean;
}

/**
 * The coupon world in its own cluster under `dir` (kept between runs). `world` is what an earlier
 * run of the same size left (null: build it); `save` records it once built.
 */
async function keptWorld(dir: string, buyers: number): Promise<{ dbs: { adminUrl: string; appUrl: string }; world: KeptWorld | null; save(w: KeptWorld): void; stop(): Promise<void> }> {
  const pgh = await startEmbedded({ dir: path.join(dir, 'pg'), port: 0, password: 'bench', log: { info: () => undefined, warn: () => undefined, debug: () => undefined }, fast: true });
  const name = `bench_coupons_world_${buyers}`;
  await ensureDatabase(pgh.superuserUrl('postgres'), name);
  const adminUrl = pgh.superuserUrl(name);
  // New migrations (this branch's) apply to the kept database too.
  await migrate(adminUrl, APP_PASSWORD);
  const file = path.join(dir, `${name}.json`);
  const world = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as KeptWorld) : null;
  return { dbs: { adminUrl, appUrl: appUrlFrom(adminUrl, APP_PASSWORD) }, world: world?.buyers === buyers ? world : null, save: (w) => fs.writeFileSync(file, JSON.stringify(w)), stop: () => pgh.stop() };
}
