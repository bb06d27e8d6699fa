import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { and, eq, sql } from 'drizzle-orm';
import { loadConfig } from '../src/app/config.js';
import { compose } from '../src/app/compose.js';
import { createPlatform } from '../src/app/deps.js';
import { buildServer } from '../src/app/server.js';
import { startWebhookThread } from '../src/app/webhook-thread.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { silentLogger } from '../src/platform/logger.js';
import { systemActor } from '../src/platform/tenancy.js';
import { tiktokWebhookEvents } from '../src/integrations/tiktok/tiktok.schema.js';
import { printComparison, stats, type BenchContext, type Stats } from './harness.js';
import { postmasterPid, treeCpuMs } from './proc-cpu.js';

/**
 * Webhook ingestion end to end: signed POST → verify → store (ack) → asynchronous processing
 * (re-fetch from the platform, map, upsert buyers/orders/lines) in events/s, against the raw
 * batched-INSERT rate of the same Postgres in this run; then the acknowledgement latency under an
 * open-loop 1,000 events/s while the processor works. "The platform" runs in processes of its own,
 * as TikTok does (the sandbox API in one, the webhook sender in another); our server runs in this
 * one, with processing in its worker thread as `afterdesk start` runs it (WEBHOOK_PROCESSOR=thread).
 * A last phase repeats the burst with processing on the main thread (WEBHOOK_PROCESSOR=inline).
 */
const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * CPU seconds used per process group since `cpuTicks()` was called before (Linux /proc; empty
 * elsewhere): where the machine's cores went during a phase.
 */
function cpuTicks(platformPids: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (!fs.existsSync('/proc/self/stat')) return out;
  const hz = 100;
  for (const pid of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      const key = name === 'postgres' ? 'Postgres' : Number(pid) === process.pid ? 'Afterdesk (server + processing thread)' : platformPids.includes(Number(pid)) ? 'the platform (sandbox API + webhook sender)' : undefined;
      if (key) out[key] = (out[key] ?? 0) + ((Number(f[11]) + Number(f[12])) * 1000) / hz;
    } catch {
      // the process ended while we read it
    }
  }
  return out;
}
const cpuSince = (a: Record<string, number>, b: Record<string, number>) =>
  Object.entries(b)
    .map(([k, v]) => `${k} ${((v - (a[k] ?? 0)) / 1000).toFixed(2)} s`)
    .join(', ');

type Result = { latencies: number[]; elapsedMs: number; requests: number };

const ANALYTICS_TRIGGERS = [['orders', 'analytics_orders_ins'], ['orders', 'analytics_orders_upd'], ['order_lines', 'analytics_lines_ins'], ['order_lines', 'analytics_lines_upd'], ['platform_returns', 'analytics_returns_ins'], ['platform_returns', 'analytics_returns_upd'], ['tickets', 'analytics_tickets_ins']] as const;

/**
 * BENCH_ANALYTICS_TRIGGERS=compare: the analytics rollup's upkeep cost per webhook event, in one
 * run. Bursts of N events alternate triggers off / on (off, on, off, on, …), each timed from the
 * burst's start until every event is processed; CPU per event is this process (server + processing
 * thread, `process.cpuUsage`) plus this run's Postgres cluster (its postmaster's process tree from
 * /proc, reaped backends included; other clusters on the machine are not counted), so a loaded
 * machine slows both sides without skewing the ratio much. "On + drain" also counts draining the changed-orders queue into the facts and rollup
 * (what the `analytics.refresh` job does each minute) inside the measured window.
 */
async function compareTriggerCost(o: { tt: { pids: number[]; ask(m: object): Promise<Result> }; target: string; N: number; W: number; admin: pg.Client; adminUrl: string; processed(n: number): Promise<void>; refresh(): Promise<number>; log(l: string): void }): Promise<void> {
  const rounds = Number(process.env.BENCH_TRIGGER_ROUNDS ?? 3);
  const postmaster = await postmasterPid(o.adminUrl);
  const cpuNow = () => {
    const u = process.cpuUsage();
    return { server: (u.user + u.system) / 1000, postgres: treeCpuMs({ pg: postmaster }).pg! };
  };
  const setTriggers = async (on: boolean) => {
    for (const [table, trigger] of ANALYTICS_TRIGGERS) await o.admin.query(`alter table ${table} ${on ? 'enable' : 'disable'} trigger ${trigger}`);
  };
  // Drain what the warm-up queued so no phase inherits another's work.
  await o.refresh();
  let done = o.W;
  const sums = { off: { cpu: 0, ms: 0, n: 0 }, on: { cpu: 0, ms: 0, n: 0 }, drain: { cpu: 0, ms: 0, n: 0 } };
  const rows: string[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const side of ['off', 'on'] as const) {
      await setTriggers(side === 'on');
      await o.tt.ask({ type: 'prepare', n: o.N });
      const c0 = cpuNow();
      const t0 = performance.now();
      await o.tt.ask({ type: 'burst', n: o.N, target: o.target, concurrency: 256 });
      done += o.N;
      await o.processed(done);
      const ms = performance.now() - t0;
      const c1 = cpuNow();
      const cpu = c1.server - c0.server + (c1.postgres - c0.postgres);
      sums[side].cpu += cpu;
      sums[side].ms += ms;
      sums[side].n += o.N;
      let line = `  round ${r + 1} triggers ${side.padEnd(3)}: ${((o.N / ms) * 1000).toFixed(0).padStart(5)} events/s, CPU/event ${(cpu / o.N).toFixed(3)} ms (server ${((c1.server - c0.server) / o.N).toFixed(3)} + pg ${((c1.postgres - c0.postgres) / o.N).toFixed(3)}), load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`;
      if (side === 'on') {
        const d0 = cpuNow();
        const dt = performance.now();
        const orders = await o.refresh();
        const d1 = cpuNow();
        const dcpu = d1.server - d0.server + (d1.postgres - d0.postgres);
        sums.drain.cpu += cpu + dcpu;
        sums.drain.ms += ms + (performance.now() - dt);
        sums.drain.n += o.N;
        line += `; then the queue drain (${orders} orders into facts and rollup) ${(dcpu / o.N).toFixed(3)} ms/event more`;
      }
      rows.push(line);
    }
  }
  await setTriggers(true);
  const per = (x: { cpu: number; n: number }) => x.cpu / x.n;
  console.log(`\n## Analytics rollup upkeep per webhook event (${rounds} rounds of ${o.N} events, triggers off/on alternating, load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} at the end)`);
  for (const l of rows) console.log(l);
  console.log(`  CPU/event (server + processing thread + Postgres): off ${per(sums.off).toFixed(3)} ms, on ${per(sums.on).toFixed(3)} ms (×${(per(sums.on) / per(sums.off)).toFixed(3)}), on + drain ${per(sums.drain).toFixed(3)} ms (×${(per(sums.drain) / per(sums.off)).toFixed(3)}); budget ×1.100`);
  console.log(`  throughput: off ${((sums.off.n / sums.off.ms) * 1000).toFixed(0)} events/s, on ${((sums.on.n / sums.on.ms) * 1000).toFixed(0)} events/s`);
}

function platformProcess(): Promise<{ child: ChildProcess; pids: number[]; url: string; shops: { id: string; name: string; region: string }[]; authCode: string; ask(m: object): Promise<Result> }> {
  const child = fork(path.join(here, 'tiktok/loadgen.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let pending: { res: (r: Result) => void; rej: (e: Error) => void } | undefined;
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m: { type: string } & Record<string, unknown>) => {
      if (m.type === 'ready') {
        resolve({
          child,
          pids: m.pids as number[],
          url: m.url as string,
          shops: m.shops as { id: string; name: string; region: string }[],
          authCode: m.authCode as string,
          ask: (msg) =>
            new Promise<Result>((res, rej) => {
              pending = { res, rej };
              child.send(msg);
            }),
        });
      } else if (m.type === 'result') {
        pending?.res(m as unknown as Result);
      } else if (m.type === 'error') {
        pending?.rej(new Error(`load generator: ${String(m.message)}`));
      }
    });
  });
}

export default async function webhooks(ctx: BenchContext): Promise<void> {
  const N = Math.round(5000 * ctx.scale);
  const M = Math.round(3000 * ctx.scale);
  const dbs = await ctx.database('bench_webhooks');
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: dbs.adminUrl, APP_DATABASE_URL: dbs.appUrl, LOG_LEVEL: 'silent', WORKER: 'false' });
  const db = new Database(createPool(dbs.appUrl, 20));
  const platform = createPlatform({ config, db, adminUrl: dbs.adminUrl, clock: systemClock, ids: newId, log: silentLogger, jobs: undefined, secretKey: Buffer.alloc(32, 9) });
  const services = compose(platform);
  const app = await buildServer(platform, services);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const target = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/webhooks/tiktok`;
  const tt = await platformProcess();
  services.tiktok.client.retarget({ apiBase: tt.url });

  const org = await services.tenancy.createOrganisation({ name: 'Bench org' });
  const owner = systemActor(org.orgId);
  const brand = await services.tenancy.createBrand(owner, { name: 'Bench brand' });
  for (const s of tt.shops) await services.tenancy.createShop(owner, { brandId: brand.id, name: s.name, market: s.region });
  await services.tiktok.connections.completeAuthorisation(org.orgId, tt.authCode);

  const admin = new pg.Client({ connectionString: dbs.adminUrl });
  await admin.connect();
  // BENCH_ANALYTICS_TRIGGERS=off: the same run without the analytics rollup triggers (the "before"
  // of the ≤ 10 % upkeep budget), so both sides use the same code and machine state.
  if (process.env.BENCH_ANALYTICS_TRIGGERS === 'off') {
    for (const [table, trigger] of ANALYTICS_TRIGGERS)
      await admin.query(`alter table ${table} disable trigger ${trigger}`);
    ctx.log('  analytics triggers disabled for this run');
  }
  const bare = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  try {
    // ---- baseline: raw batched INSERT of rows shaped like our events, same Postgres, this run ----
    await admin.query('create table bench_raw_events (org_id text, id text, dedupe_key text, type int, raw_body text, received_at timestamptz default now(), primary key (org_id, id))');
    const sample = JSON.stringify({ type: 1, tts_notification_id: '7000000000000000000', shop_id: tt.shops[0]!.id, timestamp: 1, data: { order_id: '5800000000000000001', order_status: 'AWAITING_SHIPMENT', update_time: 1 } });
    const batchMs: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < N; i += 500) {
      const n = Math.min(500, N - i);
      const a = performance.now();
      const vals: string[] = [];
      const params: unknown[] = [];
      for (let k = 0; k < n; k++) {
        params.push('org', `e${i + k}`, `k${i + k}`, 1, sample);
        const b = k * 5;
        vals.push(`($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5})`);
      }
      await admin.query(`insert into bench_raw_events (org_id, id, dedupe_key, type, raw_body) values ${vals.join(',')}`, params);
      batchMs.push(performance.now() - a);
    }
    const rawTotal = performance.now() - t0;
    const raw: Stats = { ...stats(batchMs, rawTotal), n: N, perSecond: (N / rawTotal) * 1000 };

    // ---- end to end: N signed webhooks for N distinct orders, processed into domain rows ----
    const startThread = async () => {
      const thread = await startWebhookThread({ config, adminUrl: dbs.adminUrl, appUrl: dbs.appUrl, secretKey: platform.secretKey, log: silentLogger, bases: services.tiktok.client.bases, jobs: false, pollMs: 20, loops: 2 });
      services.tiktok.useRemoteProcessor(thread);
    };
    await startThread();
    const countDone = async () =>
      platform.db.tenant(org.orgId, async (tx) => {
        const [r] = await tx.select({ n: sql<number>`count(*)::int` }).from(tiktokWebhookEvents).where(and(eq(tiktokWebhookEvents.orgId, org.orgId), eq(tiktokWebhookEvents.status, 'done')));
        return r!.n;
      });
    // Polled every 10 ms: count what is still pending (a partial index holds only those), not
    // what is done — a count over the whole growing table would take the CPU it is measuring.
    const pendingLeft = async () =>
      platform.db.tenant(org.orgId, async (tx) => {
        const [r] = await tx.select({ n: sql<number>`count(*)::int` }).from(tiktokWebhookEvents).where(and(eq(tiktokWebhookEvents.orgId, org.orgId), eq(tiktokWebhookEvents.status, 'pending')));
        return r!.n;
      });
    /** Every event acknowledged so far is processed; then exactly `expectDone` are done in all. */
    const processed = async (expectDone: number) => {
      while ((await pendingLeft()) > 0) await new Promise((r) => setTimeout(r, 10));
      const done = await countDone();
      if (done !== expectDone) throw new Error(`expected ${expectDone} events done, found ${done}`);
    };
    // Warm-up (untimed): a running server has its code compiled and its tables in use.
    const W = Math.round(N / 5);
    await tt.ask({ type: 'prepare', n: W });
    await tt.ask({ type: 'burst', n: W, target, concurrency: 64 });
    await processed(W);
    if (process.env.BENCH_ANALYTICS_TRIGGERS === 'compare') {
      await compareTriggerCost({ tt, target, N, W, admin, adminUrl: dbs.adminUrl, processed, refresh: () => services.analytics.refresh(org.orgId), log: ctx.log });
      return;
    }
    await tt.ask({ type: 'prepare', n: N });
    const c0 = cpuTicks(tt.pids);
    const e0 = performance.now();
    const burst = await tt.ask({ type: 'burst', n: N, target, concurrency: 256 });
    await processed(W + N);
    const e2eMs = performance.now() - e0;
    const e2eCpu = cpuSince(c0, cpuTicks(tt.pids));
    // A sanity check on the outcome, in SQL like the world generator's: the bench reads rows as a test would.
    const [ordersIn] = (await platform.db.tenant(org.orgId, (tx) => tx.execute(sql`select count(*)::int as n from orders where org_id = ${org.orgId}`))).rows as { n: number }[];
    if (ordersIn!.n < W + N) throw new Error(`expected ${W + N} orders, found ${ordersIn!.n}`);
    const e2e: Stats = { ...stats(burst.latencies, e2eMs), n: N, perSecond: (N / e2eMs) * 1000 };
    printComparison({
      name: `Webhook ingestion end to end (verify → store → process → domain rows), ${N} events over 4 shops`,
      baseline: { label: 'raw batched INSERT (500/batch), same Postgres', stats: raw },
      subject: { label: 'signed POST → ack → re-fetch → orders+lines', stats: e2e },
      notes: [
        `subject p50/p99 are acknowledgement latencies with 256 concurrent senders; all acknowledged after ${burst.elapsedMs.toFixed(0)} ms (${((N / burst.elapsedMs) * 1000).toFixed(0)} acks/s), all processed after ${e2eMs.toFixed(0)} ms`,
        `processed: ${e2e.perSecond.toFixed(0)} events/s = ${((e2e.perSecond / raw.perSecond) * 100).toFixed(1)} % of the raw batched-INSERT rate (${raw.perSecond.toFixed(0)} rows/s); aim ≥ 5,000 events/s`,
        `${burst.requests} platform re-fetch calls (orders by 50 ids)`,
        `CPU used meanwhile (2 cores = ${((2 * e2eMs) / 1000).toFixed(2)} s available): ${e2eCpu}`,
      ],
    });

    // ---- where the time goes: the same burst with the processor paused (ack path alone) ----
    await services.tiktok.stopProcessing();
    await tt.ask({ type: 'prepare', n: N });
    const ackOnly = await tt.ask({ type: 'burst', n: N, target, concurrency: 256 });
    const ackStats: Stats = { ...stats(ackOnly.latencies, ackOnly.elapsedMs), n: N, perSecond: (N / ackOnly.elapsedMs) * 1000 };
    await startThread();
    const d0 = performance.now();
    await processed(W + 2 * N);
    const drainMs = performance.now() - d0;
    printComparison({
      name: 'Split: acknowledgement alone, then processing a stored backlog alone',
      baseline: { label: 'raw batched INSERT (500/batch), same Postgres', stats: raw },
      subject: { label: 'acks only (processor paused), 256 senders', stats: ackStats },
      notes: [`then the processor drained that backlog of ${N} stored events into domain rows in ${drainMs.toFixed(0)} ms = ${((N / drainMs) * 1000).toFixed(0)} events/s (processing thread, 2 claim loops, 500 per batch, re-fetch by 50 ids; timed from the thread reporting ready)`],
    });

    // ---- acknowledgement latency under an open-loop 1,000 events/s while processing runs ----
    await tt.ask({ type: 'prepare', n: M });
    const base = await tt.ask({ type: 'openloop', n: M, ratePerSec: 1000, target: `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`, signed: false });
    await tt.ask({ type: 'prepare', n: M });
    const subj = await tt.ask({ type: 'openloop', n: M, ratePerSec: 1000, target, signed: true });
    const doneTarget = W + 2 * N + M;
    await processed(doneTarget);
    printComparison({
      name: 'Acknowledgement latency at 1,000 events/s (open loop, from the scheduled send time) while the processor works',
      baseline: { label: 'bare node:http POST → empty 200', stats: stats(base.latencies, base.elapsedMs) },
      subject: { label: 'POST /webhooks/tiktok (verify + durable store)', stats: stats(subj.latencies, subj.elapsedMs) },
      notes: [`aim: ack p99 < 20 ms; all ${M} of this phase were processed as well`],
    });

    // ---- the same burst with processing on the main thread (WEBHOOK_PROCESSOR=inline) ----
    await services.tiktok.stopProcessing();
    services.tiktok.processor.start(20, 2);
    await tt.ask({ type: 'prepare', n: N });
    const i0 = performance.now();
    const inline = await tt.ask({ type: 'burst', n: N, target, concurrency: 256 });
    await processed(W + 3 * N + M);
    const inlineMs = performance.now() - i0;
    printComparison({
      name: `For comparison: the end-to-end burst with processing on the main thread (WEBHOOK_PROCESSOR=inline), ${N} events`,
      baseline: { label: 'raw batched INSERT (500/batch), same Postgres', stats: raw },
      subject: { label: 'signed POST → ack → re-fetch → orders+lines', stats: { ...stats(inline.latencies, inlineMs), n: N, perSecond: (N / inlineMs) * 1000 } },
      notes: [`all acknowledged after ${inline.elapsedMs.toFixed(0)} ms, all processed after ${inlineMs.toFixed(0)} ms = ${((N / inlineMs) * 1000).toFixed(0)} events/s (the tables hold ${2 * N + M} more rows than in the first phase)`],
    });
    await tt.ask({ type: 'prepare', n: M });
    const subjInline = await tt.ask({ type: 'openloop', n: M, ratePerSec: 1000, target, signed: true });
    await processed(W + 3 * N + 2 * M);
    printComparison({
      name: 'For comparison: acknowledgement latency at 1,000 events/s with processing on the main thread (WEBHOOK_PROCESSOR=inline)',
      baseline: { label: 'bare node:http POST → empty 200', stats: stats(base.latencies, base.elapsedMs) },
      subject: { label: 'POST /webhooks/tiktok (verify + durable store)', stats: stats(subjInline.latencies, subjInline.elapsedMs) },
      notes: ['the baseline is the one measured above'],
    });

    // A batch that failed (a deadlock, a platform error) waits out its backoff: say so, it costs seconds.
    const retried = await admin.query(`select count(*)::int as n from tiktok_webhook_events where attempts > 1`);
    console.log(`\n  events processed more than once after a failed attempt, in all phases: ${retried.rows[0].n}`);
  } finally {
    tt.child.send({ type: 'stop' });
    bare.close();
    await admin.end();
    await services.tiktok.stopProcessing();
    await app.close();
    await db.close();
  }
}
