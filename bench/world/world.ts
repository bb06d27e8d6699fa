import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import pg from 'pg';
import { loadConfig } from '../../src/app/config.js';
import { compose } from '../../src/app/compose.js';
import { createPlatform } from '../../src/app/deps.js';
import { appUrlFrom, migrate, MIGRATIONS_DIR } from '../../src/app/migrate.js';
import { startEmbedded, takeAppLock, type EmbeddedHandle } from '../../src/app/postgres.js';
import { DEFAULT_REASON_TREE, snapshotReason } from '../../src/modules/returns/index.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createPool, Database } from '../../src/platform/db.js';
import type { IdGenerator } from '../../src/platform/ids.js';
import { silentLogger } from '../../src/platform/logger.js';
import { APP_PASSWORD, type BenchContext, type BenchDb } from '../harness.js';
import { buyersSql, FIRST_NAMES, FOREIGN_KEYS, orphanSql, ordersSql, rmasSql, SESSION_SETUP, slaAndOutboxSql, ticketsSql } from './generate.sql.js';

/**
 * The shared benchmark world: a few organisations selling on TikTok Shop in six markets, their
 * buyers, ~90 days of orders with traffic sources, after-sales requests, RMAs and chat tickets.
 * Built once per (seed, size, migrations, generator) into a template database of a persistent
 * Postgres cluster (`.tmp/bench-world/`, or BENCH_WORLD_DIR) and cloned for each benchmark.
 */

export type WorldSize = 'full' | 'small' | number;

export interface WorldOptions {
  /** 'full' = 1 M buyers (~10 M lines); 'small' = 20 k buyers (~200 k lines); a number = that many buyers. */
  size?: WorldSize;
  seed?: number;
  /** Name of the clone this benchmark works on (dropped when the run ends). */
  name?: string;
  /** Build again even if the template is cached (also BENCH_WORLD_REBUILD=1). */
  rebuild?: boolean;
}

export interface WorldSource {
  orgId: string;
  type: 'ad_campaign' | 'creator_video' | 'livestream' | 'organic';
  id: string | null;
  name: string | null;
  /** The return probability per delivered line the generator used. */
  returnRate: number;
}

export interface WorldManifest {
  key: string;
  seed: number;
  buyers: number;
  /** The world's "now": every timestamp is at or before it; use it as a ManualClock start. */
  now: string;
  days: number;
  orgs: Array<{
    orgId: string;
    name: string;
    brandId: string;
    shops: Array<{ id: string; market: string; currency: string }>;
    users: { owner: string; supervisor: string; warehouse: string; agents: string[] };
  }>;
  /** Every user's password (argon2 hashes are salted, so they are the one non-deterministic column). */
  password: string;
  counts: Record<string, number>;
  samples: { buyers: string[]; orders: string[]; orderLines: string[]; platformReturns: string[]; returns: string[]; tickets: string[] };
  /** The sources generated with a high return rate: what an analytics query should find. */
  badSources: WorldSource[];
  /** seconds: whole build; setupSeconds: migrations + the service-made rows; rows/s counts the bulk load only. */
  build: { seconds: number; setupSeconds: number; bulkSeconds: number; vacuumSeconds: number; rows: number; rowsPerSecond: number; bytes: number };
}

export interface World extends BenchDb {
  manifest: WorldManifest;
  /** Seconds the clone took (or the build plus the clone on a cold cache). */
  cloneSeconds: number;
  built: boolean;
}

const ORGS = [
  { name: 'Northwind Audio', share: 0.5, shops: [{ market: 'US', name: 'Northwind US', carrier: 'USPS', mult: 1 }, { market: 'GB', name: 'Northwind UK', carrier: 'Royal Mail', mult: 0.8 }] },
  { name: 'Maison Lumière', share: 0.3, shops: [{ market: 'DE', name: 'Lumière DE', carrier: 'DHL', mult: 0.93 }, { market: 'FR', name: 'Lumière FR', carrier: 'Colissimo', mult: 0.93 }] },
  { name: 'Casa Sole', share: 0.2, shops: [{ market: 'IT', name: 'Casa Sole IT', carrier: 'Poste Italiane', mult: 0.93 }, { market: 'ES', name: 'Casa Sole ES', carrier: 'Correos', mult: 0.93 }] },
] as const;
const LANG: Record<string, 'en' | 'de' | 'fr' | 'it' | 'es'> = { US: 'en', GB: 'en', DE: 'de', FR: 'fr', IT: 'it', ES: 'es' };
const PRODUCTS = [
  ['Headphones', 'Wireless earbuds', 4_999], ['Headphones', 'Over-ear headphones', 12_900], ['Speakers', 'Bluetooth speaker', 5_900],
  ['Phone accessories', 'Phone case', 1_499], ['Phone accessories', 'Fast charger 30W', 2_499], ['Beauty', 'Vitamin C serum', 2_200],
  ['Beauty', 'LED face mask', 8_900], ['Apparel', 'Oversized hoodie', 3_900], ['Apparel', 'Yoga leggings', 2_900],
  ['Home', 'Sunset lamp', 1_999], ['Home', 'Mini projector', 34_900], ['Toys', 'Magnetic tiles set', 4_500],
] as const;
const SIZES = ['S', 'M', 'L', 'Black', 'White', 'Pink'];
const PASSWORD = 'bench-world-password-1';
/** Sources per organisation, and which ranks (by popularity) return far too often. */
const SOURCES = { ad_campaign: { n: 80, bad: [4, 11] }, creator_video: { n: 100, bad: [2, 9, 23] }, livestream: { n: 60, bad: [3] } } as const;
const BASE_RETURN_RATE = 0.022;
const WORLD_NOW = '2026-03-01T00:00:00.000Z';
const DAYS = 90;
const CHUNK_ORDERS = 100_000;

export function worldPlan(size: WorldSize = 'small'): { buyers: number; orders: number; days: number; ticketShare: number } {
  const buyers = size === 'full' ? 1_000_000 : size === 'small' ? 20_000 : Math.max(300, Math.round(size));
  // ~2.5 lines per order: 4 orders per buyer gives ~10 lines per buyer (10 M at full size).
  return { buyers, orders: buyers * 4, days: DAYS, ticketShare: 0.06 };
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Changes to the migrations or to this generator make a new world; old templates stay until cleared. */
export function worldKey(seed: number, buyers: number): string {
  const h = crypto.createHash('sha256');
  for (const f of fs.readdirSync(MIGRATIONS_DIR).filter((x) => x.endsWith('.sql')).sort()) h.update(f).update(fs.readFileSync(path.join(MIGRATIONS_DIR, f)));
  for (const f of ['world.ts', 'generate.sql.ts']) h.update(fs.readFileSync(path.join(here, f)));
  h.update(`${seed}:${buyers}`);
  return `world_${buyers}_${seed}_${h.digest('hex').slice(0, 12)}`;
}

export function worldDir(): string {
  return path.resolve(process.env.BENCH_WORLD_DIR ?? path.join('.tmp', 'bench-world'));
}

/** Ids the services make while the world is built: prefixed, 26 characters, from the seed. */
function seededIds(seed: number): IdGenerator {
  let n = 0;
  return (prefix) => `${prefix}_w${String(seed).padStart(6, '0')}${String(++n).padStart(19, '0')}`;
}

let cluster: { pg: EmbeddedHandle; release(): void; clones: Set<string> } | undefined;

async function worldCluster(ctx: BenchContext) {
  if (cluster) return cluster;
  const dir = worldDir();
  const release = takeAppLock(dir, silentLogger);
  const pgh = await startEmbedded({ dir: path.join(dir, 'pg'), port: 0, password: 'bench', log: { info: () => undefined, warn: (m) => ctx.log(`  world pg: ${m}`), debug: () => undefined }, fast: true });
  cluster = { pg: pgh, release, clones: new Set() };
  const c = cluster;
  ctx.onClose(async () => {
    const admin = new pg.Client({ connectionString: c.pg.superuserUrl('postgres') });
    await admin.connect();
    for (const name of c.clones) await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
    await c.pg.stop();
    c.release();
    cluster = undefined;
  });
  return cluster;
}

async function query<T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/**
 * The world for this seed and size, as a fresh clone the caller may write to. The first call for
 * a (seed, size, schema, generator) builds the template (minutes at full size); later ones,
 * in this run or the next, copy it (`CREATE DATABASE … TEMPLATE`).
 */
export async function benchWorld(ctx: BenchContext, opts: WorldOptions = {}): Promise<World> {
  const seed = opts.seed ?? 1;
  const plan = worldPlan(opts.size);
  const key = worldKey(seed, plan.buyers);
  const c = await worldCluster(ctx);
  const postgresUrl = c.pg.superuserUrl('postgres');
  const t0 = performance.now();
  let built = false;
  let [found] = await query<{ comment: string | null }>(postgresUrl, `select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1`, [key]);
  if (!found?.comment || opts.rebuild || process.env.BENCH_WORLD_REBUILD === '1') {
    await buildTemplate(ctx, c.pg, key, seed, plan);
    built = true;
    [found] = await query<{ comment: string | null }>(postgresUrl, `select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1`, [key]);
  }
  const manifest = JSON.parse(found!.comment!) as WorldManifest;
  const name = opts.name ?? `bw_${process.pid}_${c.clones.size + 1}`;
  const tc = performance.now();
  await query(postgresUrl, `drop database if exists "${name}" with (force)`);
  // FILE_COPY copies the files instead of WAL-logging every block: far faster for a big template.
  await query(postgresUrl, `create database "${name}" template "${key}" strategy = file_copy`);
  c.clones.add(name);
  const cloneSeconds = (performance.now() - tc) / 1000;
  ctx.log(`  world ${key}: ${built ? `built in ${manifest.build.seconds.toFixed(1)} s (${Math.round(manifest.build.rowsPerSecond).toLocaleString('en')} rows/s), ` : 'cached, '}cloned in ${cloneSeconds.toFixed(2)} s (total ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const adminUrl = c.pg.superuserUrl(name);
  return { adminUrl, appUrl: appUrlFrom(adminUrl, APP_PASSWORD), manifest, cloneSeconds, built };
}

async function dropWorld(postgresUrl: string, name: string): Promise<void> {
  const [db] = await query<{ t: boolean }>(postgresUrl, `select datistemplate as t from pg_database where datname = $1`, [name]);
  if (!db) return;
  if (db.t) await query(postgresUrl, `alter database "${name}" is_template false`);
  await query(postgresUrl, `drop database "${name}" with (force)`);
}

async function buildTemplate(ctx: BenchContext, pgh: EmbeddedHandle, key: string, seed: number, plan: ReturnType<typeof worldPlan>): Promise<void> {
  const started = performance.now();
  const building = `${key}_building`;
  const postgresUrl = pgh.superuserUrl('postgres');
  await dropWorld(postgresUrl, building);
  // A changed generator or schema makes a new key; the older builds of this seed and size go.
  const stale = await query<{ datname: string }>(postgresUrl, `select datname from pg_database where datname like $1 and datname <> $2`, [`world\\_${plan.buyers}\\_${seed}\\_%`, key]);
  for (const d of stale) await dropWorld(postgresUrl, d.datname);
  await dropWorld(postgresUrl, key);
  await query(postgresUrl, `create database "${building}"`);
  const adminUrl = pgh.superuserUrl(building);
  await migrate(adminUrl, APP_PASSWORD);
  ctx.log(`  building ${key}: ${plan.buyers.toLocaleString('en')} buyers, ${plan.orders.toLocaleString('en')} orders over ${plan.days} days (seed ${seed})`);

  // Organisations, brands, shops and users go through the services, so their rows (defaults,
  // JSON shapes, password hashes) are exactly what the app writes. Bulk rows follow in SQL.
  const clock = new ManualClock(new Date(Date.parse(WORLD_NOW) - (plan.days + 30) * 86_400_000));
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: adminUrl, APP_DATABASE_URL: appUrlFrom(adminUrl, APP_PASSWORD), LOG_LEVEL: 'silent' });
  const db = new Database(createPool(appUrlFrom(adminUrl, APP_PASSWORD), 2));
  const p = createPlatform({ config, db, adminUrl, clock, ids: seededIds(seed), log: silentLogger, jobs: undefined, secretKey: Buffer.alloc(32, 7) });
  const s = compose(p);
  const orgs: WorldManifest['orgs'] = [];
  try {
    for (const [k, o] of ORGS.entries()) {
      const org = await s.tenancy.createOrganisation({ name: o.name });
      const mk = async (role: 'owner' | 'supervisor' | 'agent' | 'warehouse', n: number, languages: Array<'en' | 'de' | 'fr' | 'it' | 'es'>) =>
        (await s.auth.createUserInOrg(org.orgId, { email: `${role}${n}.org${k + 1}@world.bench.afterdesk.dev`, name: `${role[0]!.toUpperCase()}${role.slice(1)} ${FIRST_NAMES[(k * 7 + n) % FIRST_NAMES.length]}`, password: PASSWORD, role, languages })).id;
      const langs = [...new Set(o.shops.map((x) => LANG[x.market]!))];
      const owner = await mk('owner', 1, langs);
      const actor = { orgId: org.orgId, userId: owner, role: 'owner' as const };
      const brand = await s.tenancy.createBrand(actor, { name: o.name });
      const shops = [];
      for (const sh of o.shops) {
        const row = await s.tenancy.createShop(actor, { brandId: brand.id, name: sh.name, market: sh.market });
        shops.push({ id: row.id, market: row.market, currency: row.currency });
      }
      const supervisor = await mk('supervisor', 1, langs);
      const warehouse = await mk('warehouse', 1, langs);
      const agents: string[] = [];
      for (let n = 1; n <= 6; n++) agents.push(await mk('agent', n, [langs[n % langs.length]!, 'en']));
      orgs.push({ orgId: org.orgId, name: o.name, brandId: brand.id, shops, users: { owner, supervisor, warehouse, agents } });
    }
  } finally {
    await db.close();
  }

  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const bar = new cliProgress.SingleBar({ format: '  {bar} {percentage}% | {step} | {rows} rows | {eta}s left', hideCursor: true, etaBuffer: 20 }, cliProgress.Presets.shades_classic);
  try {
    await client.query(SESSION_SETUP);
    // Dimension tables: organisations' ranges of buyers and orders, shops, products, sources.
    let b = 0;
    let oN = 0;
    for (const [k, o] of ORGS.entries()) {
      const nb = k === ORGS.length - 1 ? plan.buyers - b : Math.round(plan.buyers * o.share);
      const no = k === ORGS.length - 1 ? plan.orders - oN : Math.round(plan.orders * o.share);
      await client.query(`insert into w_org values ($1, $2, $3, $4, $5, $6)`, [k, orgs[k]!.orgId, b + 1, b + nb, oN + 1, oN + no]);
      b += nb;
      oN += no;
      for (const [si, sh] of o.shops.entries()) {
        const shop = orgs[k]!.shops[si]!;
        await client.query(`insert into w_shop values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [k, si, orgs[k]!.orgId, shop.id, sh.market, shop.currency, LANG[sh.market], sh.carrier, sh.mult]);
      }
      for (const [pi, [cat, name, price]] of PRODUCTS.entries()) {
        const pid = String(1729000000000000000n + BigInt(k * 1000 + pi));
        await client.query(`insert into w_product values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [k, pi, pid, String(1730000000000000000n + BigInt(k * 1000 + pi)), `${name.slice(0, 3).toUpperCase()}-${k + 1}${String(pi).padStart(2, '0')}`, name, SIZES[pi % SIZES.length], cat, price]);
      }
      await client.query(`insert into w_source values ($1, 'organic', 0, null, null, $2, false)`, [k, BASE_RETURN_RATE]);
      for (const [type, def] of Object.entries(SOURCES)) {
        for (let r = 0; r < def.n; r++) {
          const bad = (def.bad as readonly number[]).includes(r);
          const base = type === 'ad_campaign' ? 1_780_000_000_000_000_000n : type === 'creator_video' ? 7_260_000_000_000_000_000n : 7_310_000_000_000_000_000n;
          const sid = String(base + BigInt(k * 100_000 + r));
          const market = o.shops[r % o.shops.length]!.market;
          const name = type === 'ad_campaign' ? `${market} ${['Spring sale', 'Retargeting', 'New drop', 'Bundle push', 'Brand awareness'][r % 5]} #${r + 1}`
            : type === 'creator_video' ? `@${['glowwith', 'techtalk', 'dailyhaul', 'fitby', 'homeof'][r % 5]}${FIRST_NAMES[(r * 3 + k) % FIRST_NAMES.length]!.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '')}${r}`
              : `LIVE ${market} ${['Friday drop', 'Flash deals', 'Unboxing night', 'Q&A'][r % 4]} #${r + 1}`;
          // Bad sources return 7–12× the base rate; the rest vary a little around it.
          const rate = bad ? BASE_RETURN_RATE * (7 + (r % 6)) : BASE_RETURN_RATE * (0.8 + ((r * 37) % 41) / 100);
          await client.query(`insert into w_source values ($1, $2, $3, $4, $5, $6, $7)`, [k, type, r, sid, name, rate, bad]);
        }
      }
      const u = orgs[k]!.users;
      await client.query(`insert into w_user values ($1, 'warehouse', 0, $2)`, [k, u.warehouse]);
      for (const [n, a] of u.agents.entries()) await client.query(`insert into w_user values ($1, 'agent', $2, $3)`, [k, n, a]);
    }
    await client.query(`insert into w_source_arr select org_k, type, count(*), array_agg(id order by rank), array_agg(name order by rank), array_agg(rate order by rank), array_agg(bad order by rank) from w_source group by org_k, type`);
    await client.query(`analyze w_org; analyze w_shop; analyze w_product; analyze w_source; analyze w_source_arr`);
    // Reason snapshots from the default tree, pinned as each organisation's version 1 the way
    // the returns service pins it on first use; an RMA's snapshot names that stored tree.
    for (const o of orgs) {
      await client.query(`insert into return_reason_trees (org_id, id, version, nodes, created_by, created_at) values ($1, $2, 1, $3, 'system', $4)`, [o.orgId, `rtr_w${String(seed).padStart(6, '0')}${o.orgId.slice(-19)}`, JSON.stringify(DEFAULT_REASON_TREE), clock.now()]);
    }
    // Snapshots differ per organisation only by tree id; RMAs join by (code, language) and patch the id in.
    for (const node of DEFAULT_REASON_TREE) {
      for (const lang of ['en', 'de', 'fr', 'it', 'es'] as const) {
        const snap = snapshotReason({ id: '__tree__', version: 1, nodes: DEFAULT_REASON_TREE }, node.code, lang)!;
        await client.query(`insert into w_reason values ($1, $2, $3, $4)`, [node.code, lang, JSON.stringify(snap), snap.faultOwner]);
      }
    }

    const setupSeconds = (performance.now() - started) / 1000;
    const bulkStarted = performance.now();
    const steps = Math.ceil(plan.orders / CHUNK_ORDERS);
    let rows = 0;
    const spent = new Map<string, number>();
    const count = async (sqlText: string) => {
      const label = /^\s*(?:insert into|update|create temp table|drop table if exists)\s+(\w+)/i.exec(sqlText)?.[1] ?? 'other';
      const ts = performance.now();
      const r = await client.query(sqlText);
      spent.set(label, (spent.get(label) ?? 0) + performance.now() - ts);
      const n = Array.isArray(r) ? r.reduce((a, x: pg.QueryResult) => a + (x.command === 'INSERT' || x.command === 'UPDATE' ? (x.rowCount ?? 0) : 0), 0) : r.command === 'INSERT' ? (r.rowCount ?? 0) : 0;
      rows += n;
      return n;
    };
    bar.start(steps + Math.ceil(plan.buyers / 200_000) + 3, 0, { step: 'buyers', rows: 0 });
    for (let a = 1; a <= plan.buyers; a += 200_000) {
      await count(buyersSql(seed, WORLD_NOW, a, Math.min(plan.buyers, a + 199_999)));
      bar.increment(1, { rows: rows.toLocaleString('en') });
    }
    for (let a = 1; a <= plan.orders; a += CHUNK_ORDERS) {
      for (const q of ordersSql(seed, WORLD_NOW, plan.days, a, Math.min(plan.orders, a + CHUNK_ORDERS - 1), PRODUCTS.length)) await count(q);
      bar.increment(1, { step: 'orders, lines, platform returns', rows: rows.toLocaleString('en') });
    }
    bar.update({ step: 'RMAs' });
    for (const q of rmasSql(WORLD_NOW)) await count(q);
    await client.query(`update returns r set reason = jsonb_set(r.reason, '{treeId}', to_jsonb(t.id)) from return_reason_trees t where t.org_id = r.org_id`);
    await client.query(`update return_lines l set reason = r.reason from returns r where r.org_id = l.org_id and r.id = l.return_id`);
    bar.increment(1, { step: 'tickets', rows: rows.toLocaleString('en') });
    for (const q of ticketsSql(seed, WORLD_NOW, plan.ticketShare)) await count(q);
    for (const q of slaAndOutboxSql()) await count(q);
    bar.increment(1, { step: 'foreign keys', rows: rows.toLocaleString('en') });
    const fks = (await client.query(FOREIGN_KEYS)).rows as Array<{ conname: string; child: string; parent: string; cols: string[]; pcols: string[] }>;
    for (const fk of fks) {
      const n = Number((await client.query(orphanSql(fk))).rows[0].n);
      if (n > 0) throw new Error(`world generator bug: ${n} row(s) of ${fk.child} break foreign key ${fk.conname}`);
    }
    if (process.env.BENCH_WORLD_PROFILE) ctx.log(`  foreign keys checked: ${fks.length}, no orphans`);
    await client.query(`drop table if exists w_ord, w_ln, w_tkt`);
    bar.increment(1, { step: 'done', rows: rows.toLocaleString('en') });
    bar.stop();
    const bulkSeconds = (performance.now() - bulkStarted) / 1000;
    if (process.env.BENCH_WORLD_PROFILE) ctx.log(`  time per statement: ${[...spent].map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}`);

    const counts: Record<string, number> = {};
    for (const t of ['organisations', 'shops', 'users', 'buyers', 'orders', 'order_lines', 'platform_returns', 'returns', 'return_lines', 'tickets', 'ticket_messages']) {
      counts[t] = Number((await client.query(`select count(*)::int8 as n from ${t}`)).rows[0].n);
    }
    const sample = async (t: string) => ((await client.query(`select id from ${t} order by id limit 5`)).rows as Array<{ id: string }>).map((r) => r.id);
    const bad = (await client.query(`select o.org_id, s.type, s.id, s.name, s.rate from w_source s join w_org o on o.k = s.org_k where s.bad order by o.k, s.type, s.rank`)).rows as Array<{ org_id: string; type: WorldSource['type']; id: string; name: string; rate: number }>;
    const manifest: WorldManifest = {
      key,
      seed,
      buyers: plan.buyers,
      now: WORLD_NOW,
      days: plan.days,
      orgs,
      password: PASSWORD,
      counts,
      samples: { buyers: await sample('buyers'), orders: await sample('orders'), orderLines: await sample('order_lines'), platformReturns: await sample('platform_returns'), returns: await sample('returns'), tickets: await sample('tickets') },
      badSources: bad.map((r) => ({ orgId: r.org_id, type: r.type, id: r.id, name: r.name, returnRate: Number(r.rate) })),
      build: { seconds: 0, setupSeconds, bulkSeconds, vacuumSeconds: 0, rows, rowsPerSecond: rows / bulkSeconds, bytes: 0 },
    };
    await client.end();
    // Statistics and the visibility map travel with the template, so every clone starts warm.
    const vacuumStarted = performance.now();
    await query(adminUrl, `vacuum (analyze, freeze)`);
    manifest.build.vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
    manifest.build.seconds = (performance.now() - started) / 1000;
    manifest.build.bytes = Number((await query<{ n: string }>(adminUrl, `select pg_database_size(current_database()) as n`))[0]!.n);
    await query(postgresUrl, `checkpoint`);
    await dropWorld(postgresUrl, key);
    await query(postgresUrl, `alter database "${building}" rename to "${key}"`);
    // The manifest rides on the database itself: a template without it is an unfinished build.
    await query(postgresUrl, `comment on database "${key}" is '${JSON.stringify(manifest).replace(/'/g, "''")}'`);
    await query(postgresUrl, `alter database "${key}" is_template true`);
    ctx.log(`  built ${key} in ${manifest.build.seconds.toFixed(1)} s: setup ${setupSeconds.toFixed(1)} s, bulk ${rows.toLocaleString('en')} rows in ${bulkSeconds.toFixed(1)} s (${Math.round(rows / bulkSeconds).toLocaleString('en')} rows/s), vacuum/analyze ${manifest.build.vacuumSeconds.toFixed(1)} s; template ${(manifest.build.bytes / 1e6).toFixed(0)} MB`);
  } catch (e) {
    bar.stop();
    await client.end().catch(() => undefined);
    throw e;
  }
}
