/**
 * "The platform" for benchmarks, in its own process (the real TikTok is not inside our server):
 * a sandbox that answers re-fetches, plus a webhook sender (sender.ts, a process of its own)
 * driven over IPC.
 *   parent → {type:'prepare', n}   creates n new orders and their signed webhooks (untimed)
 *   parent → {type:'burst', n, target, concurrency}   sends n signed order webhooks as fast as acked
 *   parent → {type:'openloop', n, ratePerSec, target, signed}  sends on a fixed schedule
 *   child  → {type:'ready', pids, url, shops, authCode} / {type:'result', latencies, elapsedMs, requests}
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TikTokSandbox } from '../../src/integrations/tiktok/sandbox/server.js';

type Msg =
  | { type: 'burst'; n: number; target: string; concurrency: number }
  | { type: 'openloop'; n: number; ratePerSec: number; target: string; signed: boolean }
  | { type: 'prepare'; n: number }
  | { type: 'stop' };

const sandbox = new TikTokSandbox({ seed: Number(process.env.LOADGEN_SEED ?? 3), ordersPerShop: 5, qps: 1_000_000 });
const url = await sandbox.start();
const shops = sandbox.world.shops.slice(0, 4);
let seq = 0;

function event(i: number): { body: string; sig: string } {
  const shop = shops[i % shops.length]!;
  const o = sandbox.world.createOrder(shop.id, { silent: true, buyer: undefined });
  const body = JSON.stringify({ type: 1, tts_notification_id: `8${String(++seq).padStart(18, '0')}`, shop_id: shop.id, timestamp: Math.floor(Date.now() / 1000), data: { order_id: o.id, order_status: o.status, is_on_hold_order: false, update_time: o.updateTime } });
  return { body, sig: sandbox.signWebhook(body) };
}

// The sender lives in its own process (see sender.ts); this process is the platform's API.
const sender = fork(fileURLToPath(new URL('./sender.ts', import.meta.url)), [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
let pending: { res: (r: Record<string, unknown>) => void; rej: (e: Error) => void } | undefined;
sender.on('message', (r: { type: string; message?: string }) => {
  if (r.type === 'error') pending?.rej(new Error(r.message));
  else pending?.res(r);
});
function ask(msg: object): Promise<Record<string, unknown>> {
  return new Promise((res, rej) => {
    pending = { res, rej };
    sender.send(msg);
  });
}

/** Events are made (and signed) before the clock starts: creating them is the platform's work, not ours. */
let prepared: { body: string; sig: string }[] = [];

async function handle(m: Msg): Promise<void> {
  if (m.type === 'stop') {
    sender.send({ type: 'stop' });
    await sandbox.stop();
    process.exit(0);
  }
  if (m.type === 'prepare') {
    prepared = Array.from({ length: m.n }, (_, i) => event(i));
    process.send!({ type: 'result', latencies: [], elapsedMs: 0, requests: 0 });
    return;
  }
  const take = (n: number) => {
    const out = prepared.length >= n ? prepared.splice(0, n) : [...prepared.splice(0), ...Array.from({ length: n - prepared.length }, (_, i) => event(i))];
    return out;
  };
  const before = sandbox.requestCount;
  const reqs: [string, string][] = take(m.n).map((e) => [e.body, m.type === 'openloop' && !m.signed ? '' : e.sig]);
  const r = await ask(m.type === 'burst' ? { type: 'burst', reqs, target: m.target, concurrency: m.concurrency } : { type: 'openloop', reqs, target: m.target, ratePerSec: m.ratePerSec });
  process.send!({ ...r, requests: sandbox.requestCount - before });
}

// A failed phase is reported, not left hanging.
process.on('message', (m: Msg) => void handle(m).catch((e: Error) => process.send!({ type: 'error', message: e.stack ?? String(e) })));

process.send!({ type: 'ready', pids: [process.pid, sender.pid], url, shops: shops.map((s) => ({ id: s.id, name: s.name, region: s.region })), authCode: sandbox.issueAuthCode(shops.map((s) => s.id)) });
