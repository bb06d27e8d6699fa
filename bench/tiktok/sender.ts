/**
 * The webhook sender for benchmarks, in its own process: "the platform" delivering webhooks must
 * not share an event loop with the sandbox API that answers our re-fetches, or a slow re-fetch
 * answer would show up as acknowledgement latency. Driven over IPC by loadgen.ts:
 *   parent → {type:'burst', reqs, target, concurrency}     closed loop, as fast as acknowledged
 *   parent → {type:'openloop', reqs, ratePerSec, target}    open loop, on a fixed schedule
 *   child  → {type:'result', latencies, elapsedMs} | {type:'error', message}
 * `reqs` are [body, authorization] pairs, already signed (an empty authorization is sent unsigned).
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

type Msg =
  | { type: 'burst'; reqs: [string, string][]; target: string; concurrency: number }
  | { type: 'openloop'; reqs: [string, string][]; ratePerSec: number; target: string }
  | { type: 'stop' };

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

async function handle(m: Msg): Promise<void> {
  if (m.type === 'stop') process.exit(0);
  if (m.type === 'burst') {
    const reqs = m.reqs.map(([body, sig]) => request(m.target, body, sig));
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
    process.send!({ type: 'result', latencies: lat, elapsedMs });
  } else if (m.type === 'openloop') {
    const reqs = m.reqs.map(([body, sig]) => request(m.target, body, sig));
    // Enough warm connections that the sender never waits for one; more are opened if needed.
    const idle = await connections(m.target, 64);
    const all = [...idle];
    const lat: number[] = [];
    const gap = 1000 / m.ratePerSec;
    const t0 = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < reqs.length; i++) {
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
    process.send!({ type: 'result', latencies: lat, elapsedMs });
  }
}

process.on('message', (m: Msg) => void handle(m).catch((e: Error) => process.send!({ type: 'error', message: e.stack ?? String(e) })));
