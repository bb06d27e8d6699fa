import { Worker } from 'node:worker_threads';
import { exponentialBackoff } from '../platform/backoff.js';
import type { Logger } from '../platform/logger.js';
import type { Config } from './config.js';

/**
 * TikTok webhook processing in a worker thread of this process. The main thread verifies, stores
 * and acknowledges; the thread claims stored events, re-fetches their entities and writes the
 * domain rows. They share nothing but the database (and a "wake up" message), so a batch being
 * parsed and mapped never delays an acknowledgement, and the two use both CPU cores.
 */
export interface WebhookThreadOptions {
  config: Config;
  adminUrl: string;
  appUrl: string;
  secretKey: Buffer;
  log: Logger;
  /** Hosts the TikTok client uses now (the demo sandbox's, for example). */
  bases: { apiBase: string; authBase: string };
  /** Start a job queue client in the thread (SLA timers of tickets created from chats). */
  jobs: boolean;
  /** Poll interval and claim loops of the processor (defaults 500 ms, 2). */
  pollMs?: number;
  loops?: number;
  poolSize?: number;
}

export interface WebhookThreadData {
  config: Omit<Config, 'secretKey'>;
  adminUrl: string;
  appUrl: string;
  secretKeyHex: string;
  bases: { apiBase: string; authBase: string };
  jobs: boolean;
  pollMs: number;
  loops: number;
  poolSize: number;
  /** Log like the main thread: readable lines on a terminal, JSON otherwise. */
  prettyLogs: boolean;
}

export type ToThread = { type: 'wake' } | { type: 'retarget'; apiBase: string; authBase: string } | { type: 'stop' };
export type FromThread = { type: 'ready' } | { type: 'stopped' } | { type: 'failed'; message: string };

export interface WebhookThread {
  wake(): void;
  retarget(b: { apiBase: string; authBase: string }): void;
  stop(): Promise<void>;
  /** End the thread abruptly, as a crash would (it is started again). Tests use it. */
  kill(): Promise<void>;
  /** Resolves when a (re)started thread is ready. */
  ready(): Promise<void>;
}

// The thread runs our TypeScript sources the way the CLI does: through tsx, registered inside it.
const entry = new URL('./webhook-thread.worker.ts', import.meta.url).href;
const bootstrap = `import { register } from 'tsx/esm/api'; register(); await import(${JSON.stringify(entry)});`;

/** Start the thread and resolve once its processor runs. A thread that dies is started again. */
export async function startWebhookThread(o: WebhookThreadOptions): Promise<WebhookThread> {
  const { secretKey: _omit, ...config } = o.config;
  void _omit;
  let data: WebhookThreadData = {
    config,
    adminUrl: o.adminUrl,
    appUrl: o.appUrl,
    secretKeyHex: o.secretKey.toString('hex'),
    bases: o.bases,
    jobs: o.jobs,
    pollMs: o.pollMs ?? 500,
    loops: o.loops ?? 2,
    poolSize: o.poolSize ?? 8,
    prettyLogs: process.stdout.isTTY === true,
  };
  let worker: Worker | undefined;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let restarts = 0;

  const spawn = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = new Worker(bootstrap, { eval: true, workerData: data, name: 'afterdesk-webhooks' });
      worker = w;
      let up = false;
      w.on('message', (m: FromThread) => {
        if (m.type === 'ready') {
          up = true;
          restarts = 0;
          resolve();
        } else if (m.type === 'failed') {
          o.log.error({ err: m.message }, 'webhook processing thread failed');
        }
      });
      w.on('error', (e) => {
        o.log.error({ err: e }, 'webhook processing thread crashed');
        if (!up) reject(e);
      });
      w.on('exit', (code) => {
        if (worker === w) worker = undefined;
        if (stopping) return;
        if (!up) return reject(new Error(`webhook processing thread exited with code ${code} before it was ready`));
        // Stored events stay pending (and claimed ones come back when their lease ends): start again,
        // with a growing pause while starting keeps failing (the database may be down).
        o.log.warn({ code }, 'webhook processing thread stopped unexpectedly; starting it again');
        current = new Promise<void>((resolve) => {
          const attempt = () => {
            const delay = exponentialBackoff({ attempt: restarts++, baseMs: 1000, maxMs: 30_000 });
            restartTimer = setTimeout(() => {
              if (stopping) return resolve();
              spawn().then(resolve, (e) => {
                o.log.error({ err: e, retryInMs: exponentialBackoff({ attempt: restarts, baseMs: 1000, maxMs: 30_000 }) }, 'webhook processing thread did not start');
                attempt();
              });
            }, delay);
            restartTimer.unref();
          };
          attempt();
        });
      });
    });

  let current = spawn();
  await current;
  const post = (m: ToThread) => worker?.postMessage(m);
  return {
    wake: () => post({ type: 'wake' }),
    retarget(b) {
      data = { ...data, bases: b };
      post({ type: 'retarget', ...b });
    },
    async kill() {
      const w = worker;
      if (!w) return;
      // Our own exit listener (registered first) has scheduled the restart when this one runs.
      await new Promise<void>((r) => {
        w.once('exit', () => setImmediate(r));
        void w.terminate();
      });
    },
    ready: () => current,
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const w = worker;
      if (!w) return;
      const gone = new Promise<void>((r) => w.once('exit', () => r()));
      w.postMessage({ type: 'stop' } satisfies ToThread);
      // The processor finishes its batch; a thread that does not stop in time is terminated.
      const timer = setTimeout(() => void w.terminate(), 15_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
