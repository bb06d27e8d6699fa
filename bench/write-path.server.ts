/**
 * The server under test for `write-path.bench.ts`, in a process of its own so its CPU (read from
 * /proc) is the server's alone and not the load generator's. It runs as `afterdesk start` does:
 * API, worker (pg-boss, outbox dispatcher) and the same pool size, on the database given in
 * WP_ADMIN_URL / WP_APP_URL. Beside it, a bare node:http server on the same pg pool answers the
 * baselines (a plain INSERT of one ticket row; a bare SELECT by primary key).
 *   child → {type:'ready', port, barePort, pid, cachedPlans}
 *   parent → {type:'cached-plans', check?}  child → {type:'cached-plans', open, closed}: the gate's
 *     answers so far (after reading the statistics again when `check`)
 *   parent → {type:'stop'}  closes everything and exits (a --cpu-prof profile is written then)
 */
import fs from 'node:fs';
import http from 'node:http';
import inspector from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/app/config.js';
import { compose } from '../src/app/compose.js';
import { createPlatform } from '../src/app/deps.js';
import { buildServer } from '../src/app/server.js';
import { startWorker } from '../src/app/worker.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { systemActor } from '../src/platform/tenancy.js';
import { Jobs } from '../src/platform/jobs.js';
import { createLogger } from '../src/platform/logger.js';

const adminUrl = process.env.WP_ADMIN_URL!;
const appUrl = process.env.WP_APP_URL!;
const orgId = process.env.WP_ORG_ID!;
const shopId = process.env.WP_SHOP_ID!;

// DATA_DIR of this run only (WP_DATA_DIR): the worker's evidence checkpoint copies land there, not
// beside an earlier run's copies of the same (re-cloned) organisation.
const config = loadConfig({ NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', PUBLIC_URL: 'http://127.0.0.1', DATABASE_URL: adminUrl, APP_DATABASE_URL: appUrl, LOG_LEVEL: 'error', LOGIN_RATE_LIMIT: '1000', ...(process.env.WP_DATA_DIR ? { DATA_DIR: process.env.WP_DATA_DIR } : {}), ...(process.env.DB_CACHED_PLANS ? { DB_CACHED_PLANS: process.env.DB_CACHED_PLANS } : {}) });
// As boot() makes them: a pool of 20 app connections, pg-boss for the worker.
const db = new Database(createPool(appUrl, 20), { cachedPlans: config.cachedPlans });
// Errors only, to stderr: a failing request says why; nothing else is logged.
const log = createLogger('error', 'write-path', false, process.stderr);
const jobs = new Jobs(adminUrl, log);
const p = createPlatform({ config, db, adminUrl, clock: systemClock, ids: newId, log, jobs, secretKey: Buffer.alloc(32, 9) });
const services = compose(p);
await startWorker(p, services);
// Background work an installation that has been up for a while has done already, done once here
// before anything is measured: the TikTok return import's judgement of every open request of the
// world (its five-minute job takes 100 per organisation and run; thereafter it judges only those
// due). Revisions before 1cabb10 forget their refusals and judge the oldest 100 again every run.
const importStart = performance.now();
let judged = 0;
for (const org of await services.returns.orgsWithPendingPlatformReturns()) {
  const r = await services.returns.importPlatformReturns(systemActor(org), { all: false, limit: 1_000_000 });
  judged += r.created.length + r.skipped.length;
}
process.stderr.write(`  the TikTok return import judged ${judged.toLocaleString('en')} open requests of the world in ${((performance.now() - importStart) / 1000).toFixed(1)} s before the server took requests\n`);
const app = await buildServer(p, services);
await app.listen({ host: '127.0.0.1', port: 0 });

// The baselines: the least a request that writes or reads one ticket can cost on this stack —
// node:http, one statement on a pooled connection (as the owner: no RLS transaction), JSON out.
const bare = createPool(adminUrl, 20);
let seq = 0;
const bareServer = http.createServer((req, res) => {
  const done = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'POST' && url.pathname === '/insert') {
    req.resume();
    req.on('end', () => {
      const n = ++seq;
      const id = newId('tkt');
      bare
        .query(
          `insert into tickets (org_id, id, number, shop_id, channel, external_thread_id, buyer_email, subject, status, priority, language, tags, queue, message_count, created_at, updated_at)
           values ($1, $2, $3, $4, 'email', $5, $6, $7, 'new', 'normal', 'en', '{}', 'general', 1, now(), now()) returning id`,
          [orgId, id, 900_000_000 + process.pid * 10_000 + n, shopId, `bare-${process.pid}-${n}`, `bare${n}@bench.afterdesk.dev`, 'Bare insert'],
        )
        .then((r) => done(201, { id: r.rows[0].id }), (e: Error) => done(500, { error: e.message }));
    });
  } else if (req.method === 'GET' && url.pathname === '/select') {
    bare.query('select * from tickets where org_id = $1 and id = $2', [orgId, url.searchParams.get('id')]).then((r) => done(200, { row: r.rows[0] ?? null }), (e: Error) => done(500, { error: e.message }));
  } else done(404, {});
});
await new Promise<void>((r) => bareServer.listen(0, '127.0.0.1', r));

// Per-phase V8 CPU profiles on request (the parent brackets each measured phase).
const session = new inspector.Session();
session.connect();
process.on('message', (m: { type: string; file?: string; check?: boolean }) => {
  if (m.type === 'profile-start') {
    void session.post('Profiler.enable').then(() => session.post('Profiler.setSamplingInterval', { interval: 200 })).then(() => session.post('Profiler.start')).then(() => process.send!({ type: 'profiling' }));
    return;
  }
  if (m.type === 'profile-stop') {
    void session.post('Profiler.stop').then(({ profile }) => {
      fs.writeFileSync(m.file!, JSON.stringify(profile));
      process.send!({ type: 'profiled' });
    });
    return;
  }
  // The cached-plan gate: read the statistics again when asked (`check`), and say how many
  // transactions that asked for cached plans got them so far.
  if (m.type === 'cached-plans') {
    void (m.check ? db.cachedPlans.check() : Promise.resolve()).then(() => process.send!({ type: 'cached-plans', open: db.cachedPlans.answers.open, closed: db.cachedPlans.answers.closed }));
    return;
  }
  if (m.type !== 'stop') return;
  void (async () => {
    bareServer.close();
    await app.close();
    await p.dispatcher.stop();
    await jobs.stop();
    await bare.end();
    await db.close();
    process.exit(0);
  })();
});
// Whether the new-message and reply transactions run on cached plans from the start (the gate reads
// the tables' statistics; the bench prints the answer).
await db.cachedPlans.check();
process.send!({ type: 'ready', port: (app.server.address() as AddressInfo).port, barePort: (bareServer.address() as AddressInfo).port, pid: process.pid, cachedPlans: `${db.cachedPlans.isOpen() ? 'open' : 'closed'} (DB_CACHED_PLANS=${config.cachedPlans})` });
