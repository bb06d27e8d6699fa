/**
 * "The platform" for benchmarks, in its own process (the real TikTok is not inside our server):
 * a sandbox that answers re-fetches, plus a webhook sender driven over IPC.
 *   parent → {type:'prepare', n}   creates n new orders and their signed webhooks (untimed)
 *   parent → {type:'burst', n, target, concurrency}   sends n signed order webhooks as fast as acked
 *   parent → {type:'openloop', n, ratePerSec, target, signed}  sends on a fixed schedule
 *   child  → {type:'ready', url, shops, authCode} / {type:'result', latencies, elapsedMs, requests}
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { TikTokSandbox } from './server.js';

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

/**
 * A lean HTTP/1.1 keep-alive sender (what wrk-style load tools do): requests are serialised up
 * front and written straight to the socket, responses are read by status line and content-length.
 * node:http's client costs ~170 µs of CPU per request, which on a 2-core machine would be taken from
 * the server under test; this costs a few µs. One request in flight per connection.
 */
class Conn {
  private sock: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: ((status: number) => void) | undefined;
  private failed: ((e: Error) => void) | undefined;
  readonly ready: Promise<void>;
  constructor(host: string, port: number) {
    this.sock = net.connect({ host, port, noDelay: true });
    this.ready = new Promise((resolve, reject) => {
      this.sock.once('connect', () => resolve());
      this.sock.once('error', reject);
    });
    this.sock.on('error', (e) => this.failed?.(e));
    this.sock.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buf.subarray(0, end).toString('latin1');
      let next: number;
      if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
        // Our replies are empty or tiny: the body ends at the zero-length chunk.
        const z = this.buf.indexOf('0\r\n\r\n', end + 4);
        if (z < 0) return;
        next = z + 5;
      } else {
        next = end + 4 + Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (this.buf.length < next) return;
      }
      this.buf = this.buf.subarray(next);
      const w = this.waiting;
      this.waiting = undefined;
      w?.(Number(head.slice(9, 12)));
    });
  }
  send(req: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failed = reject;
      this.sock.write(req);
    });
  }
  close(): void {
    this.sock.destroy();
  }
}

function request(target: string, body: string, sig: string): Buffer {
  const u = new URL(target);
  const auth = sig ? `authorization: ${sig}\r\n` : '';
  return Buffer.from(`POST ${u.pathname} HTTP/1.1\r\nhost: ${u.host}\r\ncontent-type: application/json\r\n${auth}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

async function connections(target: string, n: number): Promise<Conn[]> {
  const u = new URL(target);
  const conns = Array.from({ length: n }, () => new Conn(u.hostname, Number(u.port)));
  await Promise.all(conns.map((c) => c.ready));
  return conns;
}

/** Events are made (and signed) before the clock starts: creating them is the platform's work, not ours. */
let prepared: { body: string; sig: string }[] = [];

async function handle(m: Msg): Promise<void> {
  if (m.type === 'stop') {
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
  if (m.type === 'burst') {
    const reqs = take(m.n).map((e) => request(m.target, e.body, e.sig));
    const conns = await connections(m.target, m.concurrency);
    const lat: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      conns.map(async (c) => {
        while (next < reqs.length) {
          const r = reqs[next++]!;
          const a = performance.now();
          const status = await c.send(r);
          if (status !== 200) throw new Error(`status ${status}`);
          lat.push(performance.now() - a);
        }
      }),
    );
    const elapsedMs = performance.now() - t0;
    for (const c of conns) c.close();
    process.send!({ type: 'result', latencies: lat, elapsedMs, requests: sandbox.requestCount - before });
  } else if (m.type === 'openloop') {
    const reqs = take(m.n).map((e) => request(m.target, e.body, m.signed ? e.sig : ''));
    // Enough warm connections that the sender never waits for one; more are opened if needed.
    const idle = await connections(m.target, 64);
    const all = [...idle];
    const lat: number[] = [];
    const gap = 1000 / m.ratePerSec;
    const t0 = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < m.n; i++) {
      const due = t0 + i * gap;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      let c = idle.pop();
      if (!c) {
        const u = new URL(m.target);
        c = new Conn(u.hostname, Number(u.port));
        all.push(c);
        await c.ready;
      }
      const conn = c;
      // Counted from the scheduled time when the sender runs late (a stalled sender cannot hide
      // queueing), from the actual send when it fires up to 1 ms early.
      const sent = Math.min(due, performance.now());
      sends.push(
        conn.send(reqs[i]!).then((status) => {
          if (status !== 200) throw new Error(`status ${status}`);
          lat.push(performance.now() - sent);
          idle.push(conn);
        }),
      );
    }
    await Promise.all(sends);
    const elapsedMs = performance.now() - t0;
    for (const c of all) c.close();
    process.send!({ type: 'result', latencies: lat, elapsedMs, requests: sandbox.requestCount - before });
  }
}

// A failed phase is reported, not left hanging.
process.on('message', (m: Msg) => void handle(m).catch((e: Error) => process.send!({ type: 'error', message: e.stack ?? String(e) })));

process.send!({ type: 'ready', url, shops: shops.map((s) => ({ id: s.id, name: s.name, region: s.region })), authCode: sandbox.issueAuthCode(shops.map((s) => s.id)) });
