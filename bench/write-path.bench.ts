import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/app/config.js';
import { compose } from '../src/app/compose.js';
import { createPlatform } from '../src/app/deps.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { silentLogger } from '../src/platform/logger.js';
import { stats, type BenchContext, type Stats } from './harness.js';
import { postmasterPid, residentMb, treeCpuMs } from './proc-cpu.js';
import { benchWorld, worldDir } from './world/world.js';

/**
 * The write path at a fixed concurrency (issue 20): over real HTTP, 8 clients in a closed loop,
 * on a clone of the shared benchmark world (≥ 20 k tickets in the measured organisation):
 *   create  POST /api/helpdesk/inbound/email — a new buyer's mail → ticket (routing, SLA clocks, evidence)
 *   reply   POST /api/tickets/:id/reply      — reply + evidence + one outbox row
 *   queue   GET  /api/tickets?view=all        — sorted by SLA due, a page of 50
 *   search  GET  /api/tickets/search          — full text, first 50
 * each beside a bare baseline measured in the same run on the same server process and pool
 * (a plain INSERT of one ticket row; a bare SELECT by primary key, both over node:http).
 * CPU per operation is the server process (API + worker, as `afterdesk start` runs it) plus its
 * Postgres cluster (the postmaster and every process under it, reaped ones included), read from
 * /proc before and after each phase; the load generator (this process) is not counted. The create
 * and reply phases end when the outbox holds nothing due for the organisation, so a reply's
 * delivery (the sandbox send, the delivery status) counts as part of the reply, and the read
 * phases after them measure reads alone. After the four phases, three windows with no request at
 * all show what the server and Postgres burn in the background (pg-boss polling, sweeps, cron
 * jobs) and what share of each operation's CPU that is at the run's throughput.
 * Then common-word search on a large generated thread table (WRITE_PATH_SEARCH_MESSAGES, 5 M by
 * default; 0 skips it).
 * WRITE_PATH_PROFILE=1 writes a V8 CPU profile of the server per phase (.tmp/write-path-prof) and
 * prints pg_stat_statements per phase when the cluster preloads it (see `makeProfiler`).
 * WRITE_PATH_CLIENTS=n runs the phases at another concurrency (diagnosis only; the figures issue 20
 * asks for are at 8).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
/** 8, as issue 20 measures; WRITE_PATH_CLIENTS=1 shows each statement's cost without lock waits. */
const CLIENTS = Number(process.env.WRITE_PATH_CLIENTS ?? 8);
/** One window of the background measurement (no requests), ms. */
const IDLE_WINDOW_MS = 10_000;
if (!Number.isInteger(CLIENTS) || CLIENTS < 1) throw new Error(`WRITE_PATH_CLIENTS must be a whole number ≥ 1 (got "${process.env.WRITE_PATH_CLIENTS}")`);
/** Operations each phase runs first, not measured (the writes in the other organisation; see `phase`). */
const JIT_WARMUP = Number(process.env.WRITE_PATH_JIT_WARMUP ?? 1500);
if (!Number.isInteger(JIT_WARMUP) || JIT_WARMUP < 0) throw new Error(`WRITE_PATH_JIT_WARMUP must be a whole number ≥ 0 (got "${process.env.WRITE_PATH_JIT_WARMUP}")`);

// ---------- CPU from /proc ----------

// ---------- HTTP client ----------

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS * 2 });
function request(port: number, method: string, p: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, agent, headers: { ...headers, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

interface Server {
  child: ChildProcess;
  pid: number;
  port: number;
  barePort: number;
  /** Whether the server's new-message and reply transactions run on cached plans, and why. */
  cachedPlans: string;
  stop(): Promise<void>;
  /** Send a message and wait for the reply of the given type (returned). */
  ask(m: object, reply: string): Promise<Record<string, unknown>>;
}
function startServer(env: Record<string, string>): Promise<Server> {
  const execArgv = ['--import', 'tsx'];
  const child = fork(path.join(here, 'write-path.server.ts'), [], { execArgv, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server exited early (${code})`)));
    child.on('message', (m: { type: string; port: number; barePort: number; pid: number; cachedPlans: string }) => {
      if (m.type !== 'ready') return;
      child.removeAllListeners('exit');
      resolve({
        child,
        pid: m.pid,
        port: m.port,
        barePort: m.barePort,
        cachedPlans: m.cachedPlans,
        stop: () =>
          new Promise<void>((r) => {
            child.once('exit', () => r());
            child.send({ type: 'stop' });
          }),
        ask: (msg, reply) =>
          new Promise<Record<string, unknown>>((r) => {
            const on = (x: { type: string }) => {
              if (x.type !== reply) return;
              child.off('message', on);
              r(x as Record<string, unknown>);
            };
            child.on('message', on);
            child.send(msg);
          }),
      });
    });
  });
}

// ---------- a phase: CLIENTS closed loops, n operations in all ----------

interface Phase {
  stats: Stats;
  /** CPU ms per operation: server tree, Postgres tree. */
  cpu: { server: number; postgres: number; total: number };
  /** Transactions of the phase that asked for cached plans: how many got them. */
  cachedPlans?: { open: number; closed: number };
}
/**
 * The server's cached-plan gate around each measured phase. `ready` brings the statistics of every
 * table that has outgrown them up to date (what autovacuum's ANALYZE does within a minute or so on a
 * running installation) and has the gate read them again; both return the gate's answers so far.
 * The bench world has tables the write path fills from nothing (evidence records, notifications):
 * before this, whether a phase ran on cached plans depended on when autovacuum and the gate's
 * one-minute recheck happened to run, and in some runs a whole phase ran without them.
 */
interface PlanGate {
  ready(): Promise<{ open: number; closed: number }>;
  answers(): Promise<{ open: number; closed: number }>;
}
let gate: PlanGate | undefined;
/** Around each measured phase when profiling: a V8 profile of the server, Postgres statement statistics. */
interface Profiler {
  before(): Promise<void>;
  after(n: number): Promise<void>;
}
let profiler: ((name: string) => Profiler) | undefined;

/**
 * `settle`, when given, waits for the background work the operations queued (a reply's delivery
 * through the outbox) after the last request answered and before the CPU is read, so that work is
 * counted with the operations that caused it and not with the phase that happens to run next.
 * Throughput and latencies are the requests' own.
 */
async function phase(roots: { server: number; postgres: number }, n: number, op: (i: number, client: number) => Promise<void>, name?: string, settle?: () => Promise<void>, jit?: { n: number; op: (i: number, client: number) => Promise<void> }): Promise<Phase> {
  // Warm-up outside the measurement. A long-running server runs its hot paths as optimised code;
  // after 40 operations V8 was still compiling them through the measured phase (`perf` at eight
  // clients: its optimising compiler took about 16 % of the server's CPU samples during creates; a
  // trace after 600 warm-up creates still counted 312 functions optimised and 44 deoptimised in
  // the 1,500 measured), which a server up for days does not pay per request. So each
  // phase first runs `jit.n` operations of `jit.op` — a write phase in the world's other
  // organisation, so the measured one holds what earlier runs measured — and their background
  // work settles; then 40 in the measured organisation (its plans, caches, connections), as before.
  if (jit) {
    await closedLoops(jit.n, (i, c) => jit.op(-1 - i, c));
    await settle?.();
  }
  await closedLoops(Math.min(40, Math.ceil(n / 10)), (i, c) => op(-1 - i, c));
  const gate0 = await gate?.ready();
  const prof = name && profiler ? profiler(name) : undefined;
  await prof?.before();
  const lat: number[] = [];
  let next = 0;
  const cpu0 = treeCpuMs(roots);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    for (let i = next++; i < n; i = next++) {
      const a = performance.now();
      await op(i, c);
      lat.push(performance.now() - a);
    }
  }));
  const elapsed = performance.now() - t0;
  if (settle) await settle();
  const cpu1 = treeCpuMs(roots);
  await prof?.after(n);
  const gate1 = await gate?.answers();
  const server = (cpu1.server! - cpu0.server!) / n;
  const postgres = (cpu1.postgres! - cpu0.postgres!) / n;
  const cachedPlans = gate0 && gate1 ? { open: gate1.open - gate0.open, closed: gate1.closed - gate0.closed } : undefined;
  return { stats: stats(lat, elapsed), cpu: { server, postgres, total: server + postgres }, cachedPlans };
}

/** `n` operations over CLIENTS closed loops (each takes the next index as it frees up). */
async function closedLoops(n: number, op: (i: number, client: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    for (let i = next++; i < n; i = next++) await op(i, c);
  }));
}

const f = (x: number, d = 3) => (x >= 100 ? x.toFixed(0) : x.toPrecision(d));
function report(name: string, baseLabel: string, base: Phase, subjLabel: string, subj: Phase, target?: number): void {
  console.log(`\n## ${name}`);
  const row = (label: string, p: Phase) =>
    `  ${label.padEnd(48)} n=${String(p.stats.n).padStart(5)}  ${f(p.stats.perSecond).padStart(6)}/s  p50=${f(p.stats.p50).padStart(6)} ms  p99=${f(p.stats.p99).padStart(6)} ms  CPU/op ${f(p.cpu.total).padStart(6)} ms (server ${f(p.cpu.server)} + pg ${f(p.cpu.postgres)})`;
  console.log(row(`baseline: ${baseLabel}`, base));
  console.log(row(`subject:  ${subjLabel}`, subj));
  console.log(`  ratio subject/baseline: throughput ×${(subj.stats.perSecond / base.stats.perSecond).toFixed(3)}  p50 ×${(subj.stats.p50 / base.stats.p50).toFixed(2)}  p99 ×${(subj.stats.p99 / base.stats.p99).toFixed(2)}  CPU/op ×${(subj.cpu.total / base.cpu.total).toFixed(2)}`);
  const cp = subj.cachedPlans;
  if (cp && cp.open + cp.closed > 0) console.log(`  cached plans: ${cp.open.toLocaleString('en')} of ${(cp.open + cp.closed).toLocaleString('en')} transactions that asked got them${cp.closed ? ' — NOT all: part of the phase ran on custom plans' : ''}`);
  if (target !== undefined) console.log(`  target CPU/op ≤ ${target} ms: ${subj.cpu.total <= target ? 'met' : 'NOT met'} (${subj.cpu.total.toFixed(2)} ms)`);
}

/**
 * WRITE_PATH_PROFILE=1: each named phase writes `<dir>/<phase>.cpuprofile` (the server's main
 * thread) and prints the phase's top statements from pg_stat_statements — available when the
 * cluster preloads it (shared_preload_libraries = 'pg_stat_statements' in the world's
 * postgresql.conf); without it only the V8 profiles are written.
 */
async function makeProfiler(ctx: BenchContext, server: Server, admin: pg.Client, dir: string): Promise<(name: string) => Profiler> {
  let statements = true;
  try {
    await admin.query('create extension if not exists pg_stat_statements');
    // Planning time too (a session-level setting would count only the admin's own statements).
    await admin.query('alter system set pg_stat_statements.track_planning = on');
    await admin.query('select pg_reload_conf()');
    await admin.query('select pg_stat_statements_reset()');
  } catch (e) {
    statements = false;
    ctx.log(`  (no pg_stat_statements: ${(e as Error).message}; add "shared_preload_libraries = 'pg_stat_statements'" to ${path.join(worldDir(), 'pg', 'postgresql.conf')} and run again)`);
  }
  return (name) => ({
    async before() {
      if (statements) await admin.query('select pg_stat_statements_reset()');
      await server.ask({ type: 'profile-start' }, 'profiling');
    },
    async after(n) {
      await server.ask({ type: 'profile-stop', file: path.join(dir, `${name}.cpuprofile`) }, 'profiled');
      if (!statements) return;
      const r = await admin.query(
        `select calls, total_exec_time + total_plan_time as ms, total_plan_time as plan_ms, plans, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 150) as q
         from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database()) order by 2 desc limit 25`,
      );
      const rows = r.rows as { calls: number; ms: number; plan_ms: number; plans: number; rows: number; q: string }[];
      const all = Number((await admin.query(`select sum(total_exec_time + total_plan_time) as ms, sum(calls) as calls from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())`)).rows[0].ms);
      const calls = Number((await admin.query(`select sum(calls) as c from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())`)).rows[0].c);
      const split = (await admin.query(`select sum(total_plan_time) as plan, sum(total_exec_time) as exec from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())`)).rows[0] as { plan: number; exec: number };
      console.log(`\n  pg_stat_statements, phase ${name}: ${(all / n).toFixed(2)} ms statement time (planning ${(Number(split.plan) / n).toFixed(2)} ms, executing ${(Number(split.exec) / n).toFixed(2)} ms, lock waits included) and ${(calls / n).toFixed(1)} statements per operation; top:`);
      // Per statement also its planning time and how often it was planned: a statement planned on
      // every call is not on a cached plan (named, generic) — a whole phase on cached plans plans a
      // statement a few times per connection.
      for (const x of rows) console.log(`    ${((x.ms / all) * 100).toFixed(1).padStart(5)}%  ${(x.ms / n).toFixed(3)} ms/op (planning ${(x.plan_ms / n).toFixed(3)}, ${x.plans} plans)  ${(x.calls / n).toFixed(2)} calls/op  ${x.q}`);
      // The census: every statement run at least once per twenty operations, most frequent first
      // (what "statements per operation" is made of; the worker's own polling shows up here too).
      const census = (await admin.query(
        `select calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) as q from pg_stat_statements
         where dbid = (select oid from pg_database where datname = current_database()) and calls >= $1 order by calls desc`,
        [Math.max(1, Math.round(n / 20))],
      )).rows as { calls: number; q: string }[];
      console.log(`  statement census, phase ${name} (calls per operation):`);
      for (const x of census) console.log(`    ${(x.calls / n).toFixed(2).padStart(6)}  ${x.q}`);
    },
  });
}

async function login(port: number, email: string, password: string): Promise<string> {
  const r = await request(port, 'POST', '/api/auth/login', { origin: 'http://127.0.0.1' }, { email, password });
  if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${r.body}`);
  return /afterdesk_session=[^;]+/.exec(String(r.headers['set-cookie'] ?? ''))![0];
}

const WORDS = ['refund', 'tracking', 'earbud', 'Paket', 'colis', 'pacco', 'talla', 'exchange', 'Sendung', 'taglia'];

export default async function writePath(ctx: BenchContext): Promise<void> {
  const buyers = Number(process.env.WRITE_PATH_BUYERS ?? 170_000);
  const n = (x: number) => Math.max(50, Math.round(x * ctx.scale));
  const profileDir = process.env.WRITE_PATH_PROFILE ? path.resolve('.tmp', 'write-path-prof') : undefined;
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });

  // WRITE_PATH_ONLY=world or =big runs one part.
  const only = process.env.WRITE_PATH_ONLY;
  if (only !== 'big') await worldPhases(ctx, buyers, n, profileDir);
  const big = Math.round(Number(process.env.WRITE_PATH_SEARCH_MESSAGES ?? 5_000_000) * ctx.scale);
  if (big > 0 && only !== 'world') await bigSearch(ctx, big);
}

async function worldPhases(ctx: BenchContext, buyers: number, n: (x: number) => number, profileDir: string | undefined): Promise<void> {
  const world = await benchWorld(ctx, { size: buyers, seed: 1 });
  const org = world.manifest.orgs[0]!;
  const shop = org.shops[0]!;
  const admin = new pg.Client({ connectionString: world.adminUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  const orgTickets = Number((await admin.query('select count(*)::int8 as n from tickets where org_id = $1', [org.orgId])).rows[0].n);
  const orgMessages = Number((await admin.query('select count(*)::int8 as n from ticket_messages where org_id = $1', [org.orgId])).rows[0].n);
  ctx.log(`  organisation "${org.name}": ${orgTickets.toLocaleString('en')} tickets, ${orgMessages.toLocaleString('en')} messages (database: ${world.manifest.counts.tickets!.toLocaleString('en')} tickets)`);
  if (orgTickets < 20_000) throw new Error(`the measured organisation has ${orgTickets} tickets; the bench needs ≥ 20 000 (raise WRITE_PATH_BUYERS)`);
  const sampleIds = ((await admin.query('select id from tickets where org_id = $1 order by md5(id) limit 2000', [org.orgId])).rows as { id: string }[]).map((r) => r.id);

  // The world's shops have no support address, and a reply by e-mail from a shop without one (and
  // without a mailbox) fails its delivery and notifies the agent. The measured shop gets one, so a
  // reply's delivery is the send through the local provider (as in the demo), not the failure path.
  // The other organisation's first shop too: the write phases warm the server up there.
  const other = world.manifest.orgs[1]!;
  const otherShop = other.shops[0]!;
  for (const [o, sh] of [[org, shop], [other, otherShop]] as const) {
    await admin.query(`update shops set support_contacts = support_contacts || jsonb_build_object('email', $3::text) where org_id = $1 and id = $2`, [o.orgId, sh.id, `support@${sh.id}.bench.afterdesk.dev`]);
  }
  const roots = { server: 0, postgres: await postmasterPid(world.adminUrl) };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'afterdesk-write-path-'));
  const server = await startServer({ WP_ADMIN_URL: world.adminUrl, WP_APP_URL: world.appUrl, WP_ORG_ID: org.orgId, WP_SHOP_ID: shop.id, WP_DATA_DIR: dataDir });
  roots.server = server.pid;
  if (profileDir) profiler = await makeProfiler(ctx, server, admin, profileDir);
  const answers = async (check: boolean) => {
    const m = await server.ask({ type: 'cached-plans', check }, 'cached-plans');
    return { open: Number(m.open), closed: Number(m.closed) };
  };
  gate = {
    async ready() {
      // The same rule as the gate's (src/platform/db.ts, CachedPlansGate): more than twice the rows
      // the last ANALYZE counted, and over 1,000 more. An idle backend hands its row counters to the
      // shared statistics within a second: the server's are read after that.
      await new Promise((r) => setTimeout(r, 1_500));
      const outgrown = (await admin.query(
        `select c.relname from pg_stat_user_tables s join pg_class c on c.oid = s.relid
          where s.schemaname = 'public' and s.n_live_tup > c.reltuples + greatest(1000, c.reltuples)`,
      )).rows as { relname: string }[];
      for (const t of outgrown) await admin.query(`analyze ${pg.escapeIdentifier(t.relname)}`);
      return answers(true);
    },
    answers: () => answers(false),
  };
  // Each client signs in as one of an organisation's people (owner, supervisor, agents).
  const signIn = async (o: typeof org) => {
    const users = [o.users.owner, o.users.supervisor, ...o.users.agents].slice(0, CLIENTS);
    const emails = (await admin.query('select id, email from users where id = any($1)', [users])).rows as { id: string; email: string }[];
    const cookies: string[] = [];
    for (const u of users) cookies.push(await login(server.port, emails.find((e) => e.id === u)!.email, world.manifest.password));
    return cookies;
  };
  const cookies = await signIn(org);
  const H = (c: number) => ({ cookie: cookies[c]!, origin: 'http://127.0.0.1' });
  const otherCookies = await signIn(other);
  const otherH = (c: number) => ({ cookie: otherCookies[c % otherCookies.length]!, origin: 'http://127.0.0.1' });
  const run = Date.now().toString(36);
  const jitWarmup = JIT_WARMUP === 0 ? 0 : n(JIT_WARMUP);
  // Until the outbox holds nothing due for either organisation (deliveries of replies, webhooks).
  const outboxDrained = async () => {
    const until = performance.now() + 300_000;
    for (;;) {
      const due = Number((await admin.query(`select count(*)::int as n from outbox where org_id = any($1) and status in ('pending', 'running') and next_attempt_at <= now()`, [[org.orgId, other.orgId]])).rows[0].n);
      if (due === 0) return;
      if (performance.now() > until) throw new Error(`the outbox did not drain: ${due} step(s) still due after 300 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  try {
    ctx.log(`  server pid ${server.pid}, Postgres postmaster pid ${roots.postgres}; ${CLIENTS} clients; CPU = server process tree + Postgres tree, per operation`);
    ctx.log(`  cached plans for new messages and replies: ${server.cachedPlans}`);
    ctx.log(`  warm-up of each phase, not measured: ${jitWarmup.toLocaleString('en')} operations (the writes in "${other.name}"), then 40 in "${org.name}" (WRITE_PATH_JIT_WARMUP)`);
    // ---- writes ----
    const bareInsert = await phase(roots, n(1500), async () => {
      const r = await request(server.barePort, 'POST', '/insert', {}, {});
      if (r.status !== 201) throw new Error(`bare insert: ${r.status} ${r.body}`);
    });
    // A new buyer's e-mail to `shopId`; `key` makes its sender and message id unique.
    const inbound = async (headers: Record<string, string>, shopId: string, key: string, into: string[]) => {
      const r = await request(server.port, 'POST', '/api/helpdesk/inbound/email', headers, {
        shopId,
        from: `wp-${key}@buyers.bench.afterdesk.dev`,
        fromName: `Buyer ${key}`,
        subject: 'Where is my parcel?',
        text: `Hi, my parcel has not arrived yet and the tracking has not moved since Monday. Can you check please? (ref ${key})`,
        messageId: `<wp-${key}@mail.bench.afterdesk.dev>`,
      });
      if (r.status !== 201) throw new Error(`create: ${r.status} ${r.body}`);
      into.push((JSON.parse(r.body) as { ticketId: string }).ticketId);
    };
    const created: string[] = [];
    const warmedTickets: string[] = [];
    const create = await phase(
      roots,
      n(1500),
      (i, c) => inbound(H(c), shop.id, `${run}-${i < 0 ? `w${-i}` : i}`, created),
      'create',
      outboxDrained,
      { n: jitWarmup, op: (i, c) => inbound(otherH(c), otherShop.id, `${run}-x${-i}`, warmedTickets) },
    );
    report('Create a ticket: inbound e-mail of a new buyer (routing, SLA clocks, evidence)', 'bare INSERT of a ticket row (node:http + pool)', bareInsert, 'POST /api/helpdesk/inbound/email', create, 3);

    const answer = async (headers: Record<string, string>, ticketId: string, key: string) => {
      const r = await request(server.port, 'POST', `/api/tickets/${ticketId}/reply`, headers, { text: `Thanks for writing! Your parcel is with the carrier and should arrive tomorrow. (${key})`, clientKey: `wp-${key}` });
      if (r.status !== 201 && r.status !== 200) throw new Error(`reply: ${r.status} ${r.body}`);
    };
    const reply = await phase(
      roots,
      n(1500),
      (i, c) => answer(H(c), created[(i < 0 ? -i : i) % created.length]!, `${run}-${i < 0 ? `w${-i}` : i}`),
      'reply',
      outboxDrained,
      { n: jitWarmup, op: (i, c) => answer(otherH(c), warmedTickets[-i % warmedTickets.length]!, `${run}-x${-i}`) },
    );
    report('Add a reply (message, evidence, one outbox row)', 'bare INSERT of a ticket row (node:http + pool)', bareInsert, 'POST /api/tickets/:id/reply', reply, 3);

    // ---- reads ----
    const bareSelect = await phase(roots, n(3000), async (i) => {
      const r = await request(server.barePort, 'GET', `/select?id=${sampleIds[Math.abs(i) % sampleIds.length]}`, {});
      if (r.status !== 200) throw new Error(`bare select: ${r.status}`);
    });
    // Reads change nothing: their warm-up runs in the measured organisation.
    const queuePage = async (_i: number, c: number) => {
      const r = await request(server.port, 'GET', '/api/tickets?view=all&limit=50', H(c));
      if (r.status !== 200) throw new Error(`queue: ${r.status} ${r.body}`);
      if ((JSON.parse(r.body) as { items: unknown[] }).items.length !== 50) throw new Error('queue page was not 50 tickets');
    };
    const queue = await phase(roots, n(2000), queuePage, 'queue', undefined, { n: jitWarmup, op: queuePage });
    report('Queue sorted by SLA due, a page of 50', 'bare SELECT by primary key (node:http + pool)', bareSelect, 'GET /api/tickets?view=all&limit=50', queue);
    const searchFirst50 = async (i: number, c: number) => {
      const r = await request(server.port, 'GET', `/api/tickets/search?q=${encodeURIComponent(WORDS[Math.abs(i) % WORDS.length]!)}&limit=50`, H(c));
      if (r.status !== 200) throw new Error(`search: ${r.status} ${r.body}`);
    };
    const search = await phase(roots, n(2000), searchFirst50, 'search', undefined, { n: jitWarmup, op: searchFirst50 });
    report('Full-text search, first 50', 'bare SELECT by primary key (node:http + pool)', bareSelect, 'GET /api/tickets/search?limit=50', search, 2);

    // What the server and its Postgres burn with no request at all (pg-boss polling its queues, the
    // outbox and webhook sweeps, cron jobs when one falls due), in three windows: every phase's CPU
    // per operation carries its share of this, (CPU per second) / (operations per second).
    const idle: { server: number; postgres: number }[] = [];
    for (let k = 0; k < 3; k++) {
      const c0 = treeCpuMs(roots);
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, IDLE_WINDOW_MS));
      const c1 = treeCpuMs(roots);
      const sec = (performance.now() - t0) / 1000;
      idle.push({ server: (c1.server! - c0.server!) / sec, postgres: (c1.postgres! - c0.postgres!) / sec });
    }
    const perOp = (ms: number, p: Phase) => (ms / p.stats.perSecond).toFixed(2);
    // The middle window: a cron job can fall into one, and a Postgres process that exits inside one
    // (an idle pool connection closed) can take its CPU out of the tree's count before it is reaped.
    const quiet = [...idle].sort((a, b) => a.server + a.postgres - (b.server + b.postgres))[1]!;
    console.log(`\n## Background, no requests (three windows of ${IDLE_WINDOW_MS / 1000} s)`);
    console.log(`  CPU per second: ${idle.map((w) => `${w.server.toFixed(0)} + ${w.postgres.toFixed(0)} ms`).join(', ')} (server + pg)`);
    console.log(`  the middle window's share of an operation at this run's throughput: create ${perOp(quiet.server + quiet.postgres, create)} ms, reply ${perOp(quiet.server + quiet.postgres, reply)} ms, queue ${perOp(quiet.server + quiet.postgres, queue)} ms, search ${perOp(quiet.server + quiet.postgres, search)} ms`);

    // Guarantees still hold for what the bench wrote.
    const check = (await admin.query(
      `select (select count(*) from ticket_messages where org_id = $1 and ticket_id = any($2) and direction = 'outbound' and kind = 'public')::int as replies,
              (select count(*) from outbox where org_id = $1 and subject_type = 'ticket_message' and subject_id in (select id from ticket_messages where org_id = $1 and ticket_id = any($2) and direction = 'outbound'))::int as outbox,
              (select count(*) from evidence_records where org_id = $1 and case_id = any($2))::int as evidence,
              (select count(*) from ticket_messages where org_id = $1 and ticket_id = any($2) and direction = 'outbound' and kind = 'public' and delivery_status = 'sent')::int as sent`,
      [org.orgId, created],
    )).rows[0] as { replies: number; outbox: number; evidence: number; sent: number };
    console.log(`\n  written by the bench: ${created.length} tickets, ${check.replies} replies (${check.sent} delivered), ${check.outbox} outbox rows for them, ${check.evidence} evidence records`);
    if (check.sent !== check.replies) throw new Error(`only ${check.sent} of ${check.replies} replies were delivered: the reply phase measured failing deliveries`);
    const mem = residentMb(server.pid);
    if (mem) console.log(`  server memory (its threads included): ${mem.now.toFixed(0)} MB resident at the end, ${mem.peak.toFixed(0)} MB at its peak`);
    // …and the organisation's evidence chain, the bench's records included, still verifies (every
    // hash recomputed, every link and sequence checked), with the bench server's key (its worker
    // may have signed a checkpoint copy in DATA_DIR).
    const vdb = new Database(createPool(world.appUrl, 2));
    try {
      const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: world.adminUrl, APP_DATABASE_URL: world.appUrl, LOG_LEVEL: 'silent', DATA_DIR: dataDir });
      const s = compose(createPlatform({ config, db: vdb, adminUrl: world.adminUrl, clock: systemClock, ids: newId, log: silentLogger, jobs: undefined, secretKey: Buffer.alloc(32, 9) }));
      const v = await s.evidence.verify(org.orgId, { checkFiles: false });
      console.log(`  evidence chain of the organisation: ${v.ok ? 'verifies' : `BROKEN (${v.broken?.problem} at seq ${v.broken?.seq}: ${v.broken?.message})`} — ${v.records.toLocaleString('en')} records, ${v.checkpoints} checkpoints, head seq ${v.headSeq}`);
    } finally {
      await vdb.close();
    }
  } finally {
    await server.stop();
    await admin.end();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Tickets with 5 messages each, generated in SQL (as `helpdesk.bench.ts` does), then searched over HTTP. */
async function bigSearch(ctx: BenchContext, nMessages: number): Promise<void> {
  const nTickets = Math.ceil(nMessages / 5);
  const dbs = await ctx.database('bench_write_path_search');
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: dbs.adminUrl, APP_DATABASE_URL: dbs.appUrl, LOG_LEVEL: 'silent' });
  const db = new Database(createPool(dbs.appUrl, 2));
  const s = compose(createPlatform({ config, db, adminUrl: dbs.adminUrl, clock: systemClock, ids: newId, log: silentLogger, jobs: undefined, secretKey: Buffer.alloc(32, 9) }));
  const org = await s.tenancy.createOrganisation({ name: 'Search bench' });
  const password = 'write-path bench: copper lantern 7';
  const user = await s.auth.createUserInOrg(org.orgId, { email: 'agent@search.bench.afterdesk.dev', name: 'Agent', password, role: 'agent', languages: ['en', 'de'] });
  const owner = { orgId: org.orgId, userId: user.id, role: 'owner' as const };
  const brand = await s.tenancy.createBrand(owner, { name: 'Brand' });
  const shop = await s.tenancy.createShop(owner, { brandId: brand.id, name: 'DE', market: 'DE' });
  await db.close();
  const admin = new pg.Client({ connectionString: dbs.adminUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    await fillAndSearch();
  } finally {
    await admin.end();
  }
  async function fillAndSearch(): Promise<void> {
  ctx.log(`  generating ${nTickets.toLocaleString('en')} tickets / ${nMessages.toLocaleString('en')} messages for the common-word search …`);
  const t0 = performance.now();
  await admin.query(`set synchronous_commit = off; set maintenance_work_mem = '256MB'`);
  await admin.query('drop index ticket_messages_org_search; drop index tickets_org_search');
  const chunk = 250_000;
  for (let a = 1; a <= nTickets; a += chunk) {
    await admin.query(
      `insert into tickets (org_id, id, number, shop_id, channel, external_thread_id, buyer_external_id, buyer_name, subject, status, priority, language, tags, queue, sla_due_at, message_count, last_message_at, created_at, updated_at)
       select $1, 'tkt_s' || lpad(g::text, 21, '0'), g, $2, 'tiktok_chat', 'thr-' || g, 'buyer-' || g, 'Buyer ' || g,
         (array['Where is my order?','Kopfhörer defekt angekommen','Colis non reçu','Wrong colour'])[1 + g % 4],
         case when g % 10 < 3 then 'open' else 'closed' end, 'normal', (array['en','de','fr'])[1 + g % 3], '{}', 'general',
         case when g % 10 < 3 then now() + (g % 4320) * interval '1 minute' end, 5, now() - (g % 100000) * interval '1 minute', now() - (g % 100000) * interval '1 minute', now()
       from generate_series($3::bigint, $4::bigint) g`,
      [org.orgId, shop.id, a, Math.min(nTickets, a + chunk - 1)],
    );
  }
  await admin.query(`insert into ticket_counters (org_id, id, value) values ($1, 'tickets', $2)`, [org.orgId, nTickets]);
  const bodies = [
    'Hi, my order has not arrived yet and the tracking has not moved for a week. Can you check please?',
    'Hallo, die Kopfhörer sind kaputt angekommen, der linke Lautsprecher ist stumm. Was kann ich tun?',
    "Bonjour, je n'ai toujours pas reçu mon colis, le suivi ne bouge plus depuis cinq jours.",
    'Thanks for your patience, we have asked the carrier and will update you tomorrow.',
    'Vielen Dank, wir haben einen Ersatz verschickt. Die Sendungsnummer folgt per Nachricht.',
    'Ciao, la taglia è sbagliata, vorrei cambiarla con una più piccola.',
    '¿Dónde está mi pedido? El color no es el mismo que en la foto.',
  ];
  for (let a = 1; a <= nMessages; a += chunk) {
    await admin.query(
      `insert into ticket_messages (org_id, id, ticket_id, kind, direction, channel, author_type, author_name, body, language, attachments, sent_at, created_at)
       select $1, 'msg_s' || lpad(g::text, 21, '0'), 'tkt_s' || lpad((1 + (g - 1) / 5)::text, 21, '0'), 'public',
         case when g % 2 = 1 then 'inbound' else 'outbound' end, 'tiktok_chat', case when g % 2 = 1 then 'buyer' else 'user' end, 'Someone',
         ($2::text[])[1 + g % 7] || ' (ref ' || (1000000000 + g) || ')', (array['en','de','fr','en','de','it','es'])[1 + g % 7], '[]'::jsonb,
         now() - ((g * 31) % 100000) * interval '1 minute', now()
       from generate_series($3::bigint, $4::bigint) g`,
      [org.orgId, bodies, a, Math.min(nMessages, a + chunk - 1)],
    );
  }
  await admin.query('create index ticket_messages_org_search on ticket_messages using gin (org_id, search) with (gin_pending_list_limit = 256); create index tickets_org_search on tickets using gin (org_id, search) with (gin_pending_list_limit = 256)');
  await admin.query('vacuum analyze tickets');
  await admin.query('vacuum analyze ticket_messages');
  ctx.log(`  generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const sampleIds = ((await admin.query(`select id from tickets where org_id = $1 and id like 'tkt_s%' order by md5(id) limit 2000`, [org.orgId])).rows as { id: string }[]).map((r) => r.id);

  const roots = { server: 0, postgres: await postmasterPid(dbs.adminUrl) };
  const server = await startServer({ WP_ADMIN_URL: dbs.adminUrl, WP_APP_URL: dbs.appUrl, WP_ORG_ID: org.orgId, WP_SHOP_ID: shop.id });
  roots.server = server.pid;
  try {
    const cookie = await login(server.port, 'agent@search.bench.afterdesk.dev', password);
    const H = { cookie, origin: 'http://127.0.0.1' };
    const base = await phase(roots, Math.max(200, Math.round(1000 * ctx.scale)), async (i) => {
      const r = await request(server.barePort, 'GET', `/select?id=${sampleIds[Math.abs(i) % sampleIds.length]}`, {});
      if (r.status !== 200) throw new Error(`bare select: ${r.status}`);
    });
    const common = await phase(roots, Math.max(40, Math.round(200 * ctx.scale)), async () => {
      const r = await request(server.port, 'GET', `/api/tickets/search?q=${encodeURIComponent('Kopfhörer kaputt')}&limit=50`, H);
      if (r.status !== 200) throw new Error(`search: ${r.status} ${r.body}`);
    });
    report(`Common-word search ("Kopfhörer kaputt": every seventh of ${nMessages.toLocaleString('en')} messages), first 50`, 'bare SELECT by primary key (node:http + pool)', base, 'GET /api/tickets/search?limit=50', common);
    const rare = await phase(roots, Math.max(100, Math.round(500 * ctx.scale)), async (i) => {
      const r = await request(server.port, 'GET', `/api/tickets/search?q=${1_000_000_000 + 1 + ((Math.abs(i) * 7919) % nMessages)}&limit=50`, H);
      if (r.status !== 200) throw new Error(`search: ${r.status} ${r.body}`);
      if ((JSON.parse(r.body) as { items: unknown[] }).items.length !== 1) throw new Error('reference search did not find its one ticket');
    });
    report(`Reference-number search (one message of ${nMessages.toLocaleString('en')})`, 'bare SELECT by primary key (node:http + pool)', base, 'GET /api/tickets/search?limit=50', rare);
  } finally {
    await server.stop();
  }
  }
}
