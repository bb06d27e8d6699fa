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
  p.dispatcher.start(async (onNotify) => {
    const client = new pg.Client({ connectionString: p.adminUrl });
    await client.connect();
    client.on('notification', onNotify);
    client.on('error', () => undefined);
    await client.query('listen afterdesk_outbox');
    return async () => {
      await client.end().catch(() => undefined);
    };
  });
}
