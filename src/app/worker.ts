import pg from 'pg';
import type { Platform, Services } from './deps.js';
import { registerModuleWorkers } from './modules.js';

/**
 * Background work: the outbox dispatcher (woken by NOTIFY, polling as a safety net) and pg-boss
 * jobs. Runs in the same process by default; `WORKER=false` on API-only nodes when scaling out.
 */
export async function startWorker(p: Platform, s: Services): Promise<void> {
  if (p.jobs) {
    await p.jobs.start();
    // Example job: purge expired sessions hourly.
    await p.jobs.define('maintenance.purge_sessions', async () => {
      const n = await s.auth.purgeExpiredSessions();
      if (n) p.log.info({ purged: n }, 'expired sessions purged');
    }, { cron: '17 * * * *' });
  }
  await registerModuleWorkers(p, s);
  p.dispatcher.start(outboxListener(p));
}

/**
 * LISTEN afterdesk_outbox on a connection of its own, kept open for the life of the worker. A
 * LISTEN dies with its connection (a Postgres restart, a failover, a dropped socket) and nothing
 * would notice: the dispatcher would fall back to its one-second poll for good. So a lost
 * connection is opened again (backing off while the server is away), and the dispatcher is woken
 * once on every (re)connect because rows written meanwhile sent their NOTIFY to no one.
 */
export function outboxListener(p: Platform): (onNotify: () => void) => Promise<() => Promise<void>> {
  return async (onNotify) => {
    let stopped = false;
    let current: pg.Client | undefined;
    let timer: NodeJS.Timeout | undefined;
    let delayMs = 250;
    const again = () => {
      if (stopped || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        void connect();
      }, delayMs);
      delayMs = Math.min(delayMs * 2, 5_000);
    };
    const connect = async (): Promise<void> => {
      if (stopped) return;
      const c = new pg.Client({ connectionString: p.adminUrl, keepAlive: true, connectionTimeoutMillis: 5_000 });
      current = c;
      c.on('notification', onNotify);
      c.on('error', () => undefined);
      c.on('end', () => {
        if (current !== c || stopped) return;
        current = undefined;
        p.log.warn('outbox LISTEN connection lost; opening it again');
        again();
      });
      try {
        await c.connect();
        await c.query('listen afterdesk_outbox');
        delayMs = 250;
        onNotify();
      } catch (e) {
        p.log.debug({ err: e }, 'outbox LISTEN could not connect yet');
        if (current === c) current = undefined;
        await c.end().catch(() => undefined);
        again();
      }
    };
    await connect();
    return async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current?.end().catch(() => undefined);
    };
  };
}
