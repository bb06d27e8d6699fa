import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/app/config.js';
import { compose } from '../src/app/compose.js';
import { createPlatform } from '../src/app/deps.js';
import { freePort } from '../src/app/postgres.js';
import { buildServer } from '../src/app/server.js';
import { startWorker } from '../src/app/worker.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { Jobs } from '../src/platform/jobs.js';
import { silentLogger } from '../src/platform/logger.js';
import { systemActor } from '../src/platform/tenancy.js';
import { printComparison, stats, type BenchContext } from './harness.js';

/**
 * Soak: webhooks (new chats → tickets), inbox reads (the ticket list, full-text search) and
 * replies (→ outbox → the platform's chat) together against one running server with its worker
 * (pg-boss, outbox dispatcher, webhook thread), for SOAK_SECONDS (600 by default). Each kind is
 * first measured alone on the warm server (the baseline); then all run at once for the soak (the
 * subject). Memory is sampled every second; its growth per hour is the least-squares slope over
 * the soak after its first tenth (start-up caches filling). The platform runs in a process of its
 * own. Every loop is paced, capped in count and in time, and talks only to 127.0.0.1.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Chat {
  body: string;
  sig: string;
}

function platform(): Promise<{ child: ChildProcess; url: string; shopId: string; region: string; authCode: string; chats(n: number): Promise<Chat[]>; sent(): Promise<number> }> {
  const child = fork(path.join(here, 'soak-platform.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting: ((m: Record<string, unknown>) => void)[] = [];
  const ask = (m: object) =>
    new Promise<Record<string, unknown>>((r) => {
      waiting.push(r);
      child.send(m);
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m: Record<string, unknown>) => {
      if (m.type === 'ready') {
        resolve({
          child,
          url: m.url as string,
          shopId: m.shopId as string,
          region: m.region as string,
          authCode: m.authCode as string,
          chats: async (n) => (await ask({ type: 'chats', n })).chats as Chat[],
          sent: async () => (await ask({ type: 'sent' })).n as number,
        });
      } else waiting.shift()?.(m);
    });
  });
}

/** Slope of y over x (least squares). */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : 0;
}

/**
 * Run `fn` about `perSecond` times a second until `untilMs` (performance.now) or `max` calls;
 * returns each call's latency. A call that falls behind is not made up for (closed loop, paced).
 */
async function paced(perSecond: number, untilMs: number, max: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  const gap = 1000 / perSecond;
  const t0 = performance.now();
  for (let i = 0; i < max && performance.now() < untilMs; i++) {
    const due = t0 + i * gap;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const a = performance.now();
    await fn(i);
    out.push(performance.now() - a);
  }
  return out;
}

export default async function soak(ctx: BenchContext): Promise<void> {
  const seconds = Number(process.env.SOAK_SECONDS ?? 600);
  if (!Number.isFinite(seconds) || seconds < 10 || seconds > 24 * 3600) throw new Error('SOAK_SECONDS must be between 10 and 86400');
  const rate = { webhooks: 20 * ctx.scale, lists: 8 * ctx.scale, searches: 4 * ctx.scale, replies: 4 * ctx.scale };
  const tt = await platform();
  const dbs = await ctx.database('bench_soak');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({ NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: base, DATABASE_URL: dbs.adminUrl, APP_DATABASE_URL: dbs.appUrl, LOG_LEVEL: 'silent', TIKTOK_API_BASE: tt.url, TIKTOK_AUTH_BASE: tt.url, LOGIN_RATE_LIMIT: '1000' });
  const db = new Database(createPool(dbs.appUrl, 20));
  const jobs = new Jobs(dbs.adminUrl, silentLogger);
  const p = createPlatform({ config, db, adminUrl: dbs.adminUrl, clock: systemClock, ids: newId, log: silentLogger, jobs, secretKey: Buffer.alloc(32, 5) });
  const services = compose(p);
  await startWorker(p, services);
  const app = await buildServer(p, services);
  await app.listen({ host: '127.0.0.1', port });

  const org = await services.tenancy.createOrganisation({ name: 'Soak org' });
  const owner = systemActor(org.orgId);
  const brand = await services.tenancy.createBrand(owner, { name: 'Soak brand' });
  await services.tenancy.createShop(owner, { brandId: brand.id, name: 'Soak DE', market: tt.region });
  await services.tiktok.connections.completeAuthorisation(org.orgId, tt.authCode);
  const password = 'soak bench: plum harbour lantern 42';
  await services.auth.createUserInOrg(org.orgId, { email: 'agent@soak.afterdesk.dev', name: 'Soak agent', password, role: 'agent', languages: ['en', 'de'] });
  const json = { 'content-type': 'application/json', origin: base };
  const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email: 'agent@soak.afterdesk.dev', password }) });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
  const cookie = /afterdesk_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];

  // ---- the four kinds of request ----
  let chatBuffer: Chat[] = [];
  let acks = 0;
  const webhook = async () => {
    if (!chatBuffer.length) chatBuffer = await tt.chats(50);
    const c = chatBuffer.pop()!;
    const r = await fetch(`${base}/webhooks/tiktok`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: c.sig }, body: c.body });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`webhook: ${r.status}`);
    acks++;
  };
  const openTickets: string[] = [];
  const replied = new Set<string>();
  const list = async () => {
    const r = await fetch(`${base}/api/tickets?view=all&limit=50`, { headers: { cookie } });
    const body = (await r.json()) as { items?: { id: string; status: string }[] };
    if (r.status !== 200) throw new Error(`list: ${r.status} ${JSON.stringify(body)}`);
  };
  /** The agent's next tickets to answer: the unanswered ones (not timed). */
  const fetchUnanswered = async () => {
    const r = await fetch(`${base}/api/tickets?view=all&status=new&limit=50`, { headers: { cookie } });
    const body = (await r.json()) as { items?: { id: string }[] };
    if (r.status !== 200) throw new Error(`list new: ${r.status} ${JSON.stringify(body)}`);
    for (const t of body.items ?? []) if (!replied.has(t.id) && !openTickets.includes(t.id)) openTickets.push(t.id);
  };
  const words = ['Paket', 'Lieferung', 'wo', 'Bestellung', 'Farbe'];
  const search = async (i: number) => {
    const r = await fetch(`${base}/api/tickets/search?q=${encodeURIComponent(words[i % words.length]!)}&limit=25`, { headers: { cookie } });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`search: ${r.status}`);
  };
  let replies = 0;
  /** Replies alone are timed; with no open ticket left the agent reads the inbox instead (not timed). */
  const replyTimes: number[] = [];
  const answer = async (i: number) => {
    if (!openTickets.length) await fetchUnanswered();
    const id = openTickets.shift();
    if (!id) return;
    const a = performance.now();
    replied.add(id);
    const r = await fetch(`${base}/api/tickets/${id}/reply`, { method: 'POST', headers: { ...json, cookie }, body: JSON.stringify({ text: `Ihr Paket ist unterwegs (${i}).`, clientKey: `soak-${id}` }) });
    await r.arrayBuffer();
    if (r.status !== 201) throw new Error(`reply: ${r.status}`);
    replies++;
    replyTimes.push(performance.now() - a);
  };

  // The app role sees rows only through RLS; count as the owner instead.
  const pgAdmin = new Database(createPool(dbs.adminUrl, 2));
  const done = async (what: 'events' | 'sends') =>
    Number((await pgAdmin.pool.query(what === 'events' ? `select count(*)::int as n from tiktok_webhook_events where status = 'done'` : `select count(*)::int as n from outbox where handler = 'tiktok.send_message' and status = 'done'`)).rows[0].n);

  try {
    // ---- warm-up and baseline: each kind alone, on the warm server ----
    const warm = performance.now() + 5_000;
    await paced(rate.webhooks, warm, 200, webhook);
    await sleep(1_000);
    await paced(rate.lists, performance.now() + 3_000, 50, list);
    const baseN = Math.max(20, Math.round(seconds / 10));
    const alone = {
      webhooks: stats(await paced(rate.webhooks * 2, Infinity, baseN * 4, webhook)),
      lists: stats(await paced(rate.lists * 2, Infinity, baseN, list)),
      searches: stats(await paced(rate.searches * 2, Infinity, baseN, search)),
      replies: await (async () => {
        replyTimes.length = 0;
        await paced(rate.replies * 2, Infinity, baseN, answer);
        return stats(replyTimes);
      })(),
    };
    replyTimes.length = 0;

    const settle = async () => {
      const until = performance.now() + 120_000;
      while (performance.now() < until && ((await done('events')) < acks || (await done('sends')) < replies)) await sleep(250);
    };
    await settle();

    // ---- soak: everything at once ----
    const before = { events: await done('events'), sends: await done('sends') };
    const mem: { t: number; rss: number; heap: number }[] = [];
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      mem.push({ t: (performance.now() - t0) / 1000, rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20 });
    }, 1_000);
    const cap = (perSecond: number) => Math.ceil(perSecond * seconds * 1.1);
    const [wh, ls, se] = await Promise.all([
      paced(rate.webhooks, end, cap(rate.webhooks), webhook),
      paced(rate.lists, end, cap(rate.lists), list),
      paced(rate.searches, end, cap(rate.searches), search),
      paced(rate.replies, end, cap(rate.replies), (i) => answer(100_000 + i)),
    ]);
    clearInterval(sampler);
    const rp = [...replyTimes];
    const soakMs = performance.now() - t0;
    // Drain: what was acknowledged during the soak is processed and sent (bounded wait).
    const acked = wh.length;
    await settle();
    const drainMs = performance.now() - t0 - soakMs;
    const processed = (await done('events')) - before.events;
    const sent = (await done('sends')) - before.sends;
    const eventStates = (await pgAdmin.pool.query(`select status, attempts > 1 as retried, left(coalesce(last_error, ''), 120) as err, count(*)::int as n from tiktok_webhook_events group by 1, 2, 3 order by 4 desc limit 6`)).rows as { status: string; retried: boolean; err: string; n: number }[];
    const failedSteps = Number((await pgAdmin.pool.query(`select count(*)::int as n from outbox where status = 'failed'`)).rows[0].n);

    const per = (xs: number[]) => ({ ...stats(xs, soakMs), perSecond: (xs.length / soakMs) * 1000 });
    const cut = mem.filter((s) => s.t >= seconds / 10);
    const rssSlope = slope(cut.map((s) => s.t), cut.map((s) => s.rss)) * 3600;
    const heapSlope = slope(cut.map((s) => s.t), cut.map((s) => s.heap)) * 3600;
    const first = mem[0];
    const last = mem[mem.length - 1];
    const kinds: [string, string, ReturnType<typeof stats>, number[]][] = [
      ['Webhooks (signed POST → ack)', 'POST /webhooks/tiktok', alone.webhooks, wh],
      ['Inbox list', 'GET /api/tickets?view=all&limit=50', alone.lists, ls],
      ['Inbox search', 'GET /api/tickets/search', alone.searches, se],
      ['Replies (→ outbox → platform chat)', 'POST /api/tickets/:id/reply', alone.replies, rp],
    ];
    for (const [name, label, b, s] of kinds) {
      printComparison({
        name: `Soak ${seconds} s — ${name}: alone vs under the mixed load`,
        baseline: { label: `${label}, alone (warm server)`, stats: b },
        subject: { label: `${label}, during the soak`, stats: per(s) },
        notes: [`subject throughput is what the paced loop asked for and got (target ${name.startsWith('Webhooks') ? rate.webhooks : name.startsWith('Inbox list') ? rate.lists : name.startsWith('Inbox search') ? rate.searches : rate.replies}/s)`],
      });
    }
    console.log(`\n## Soak ${seconds} s — end to end and memory`);
    console.log(`  webhooks acknowledged during the soak: ${acked}; processed into tickets: ${processed} (${((processed / soakMs) * 1000).toFixed(1)}/s); replies accepted: ${rp.length}, sent to the platform: ${sent}; failed outbox steps: ${failedSteps}; drain after the soak: ${drainMs.toFixed(0)} ms`);
    console.log(`  webhook events by state: ${eventStates.map((e) => `${e.status}${e.retried ? ' (retried)' : ''}${e.err ? ` [${e.err}]` : ''}: ${e.n}`).join('; ')}`);
    console.log(`  platform chat messages from our replies, whole run: ${await tt.sent()} (replies accepted in all phases: ${replies})`);
    console.log(`  memory (RSS: this process — server, worker and webhook thread; heap: the main thread's): RSS ${first?.rss.toFixed(0)} → ${last?.rss.toFixed(0)} MB, heap ${first?.heap.toFixed(0)} → ${last?.heap.toFixed(0)} MB over ${mem.length} samples`);
    console.log(`  growth per hour (least-squares slope after the first ${Math.round(seconds / 10)} s): RSS ${rssSlope >= 0 ? '+' : ''}${rssSlope.toFixed(1)} MB/h, heap ${heapSlope >= 0 ? '+' : ''}${heapSlope.toFixed(1)} MB/h`);
    if (seconds < 600) console.log('  (a short soak: the slope over a few minutes mostly measures caches and the JIT warming; run the default 10 minutes for a trend)');
  } finally {
    tt.child.send({ type: 'stop' });
    await app.close();
    await services.tiktok.stopProcessing();
    await p.dispatcher.stop();
    await jobs.stop();
    await pgAdmin.close();
    await db.close();
  }
}
