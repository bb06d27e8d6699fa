/**
 * "The platform" for benchmarks, in its own process (the real TikTok is not inside our server):
 * a sandbox that answers re-fetches, plus a webhook sender driven over IPC.
 *   parent → {type:'burst', n, target, concurrency}   sends n signed order webhooks as fast as acked
 *   parent → {type:'openloop', n, ratePerSec, target, signed}  sends on a fixed schedule
 *   child  → {type:'ready', url, shops, authCode} / {type:'result', latencies, elapsedMs, requests}
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { TikTokSandbox } from './server.js';

type Msg =
  | { type: 'burst'; n: number; target: string; concurrency: number }
  | { type: 'openloop'; n: number; ratePerSec: number; target: string; signed: boolean }
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

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
function post(target: string, body: string, sig: string): Promise<void> {
  const u = new URL(target);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: sig, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

process.on('message', async (m: Msg) => {
  if (m.type === 'stop') {
    await sandbox.stop();
    process.exit(0);
  }
  const before = sandbox.requestCount;
  if (m.type === 'burst') {
    const events = Array.from({ length: m.n }, (_, i) => event(i));
    const lat: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: m.concurrency }, async () => {
        while (next < events.length) {
          const e = events[next++]!;
          const a = performance.now();
          await post(m.target, e.body, e.sig);
          lat.push(performance.now() - a);
        }
      }),
    );
    process.send!({ type: 'result', latencies: lat, elapsedMs: performance.now() - t0, requests: sandbox.requestCount - before });
  } else if (m.type === 'openloop') {
    const events = Array.from({ length: m.n }, (_, i) => event(i));
    const lat: number[] = [];
    const gap = 1000 / m.ratePerSec;
    const t0 = performance.now();
    const all: Promise<void>[] = [];
    for (let i = 0; i < m.n; i++) {
      const due = t0 + i * gap;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const e = events[i]!;
      // Counted from the scheduled time when the sender runs late (a stalled sender cannot hide
      // queueing), from the actual send when it fires up to 1 ms early.
      const sent = Math.min(due, performance.now());
      all.push(post(m.target, e.body, m.signed ? e.sig : '').then(() => void lat.push(performance.now() - sent)));
    }
    await Promise.all(all);
    process.send!({ type: 'result', latencies: lat, elapsedMs: performance.now() - t0, requests: sandbox.requestCount - before });
  }
});

process.send!({ type: 'ready', url, shops: shops.map((s) => ({ id: s.id, name: s.name, region: s.region })), authCode: sandbox.issueAuthCode(shops.map((s) => s.id)) });
