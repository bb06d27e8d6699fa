import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../platform/clock.js';
import { createPool, Database } from '../platform/db.js';
import { newId } from '../platform/ids.js';
import { Jobs } from '../platform/jobs.js';
import { createLogger } from '../platform/logger.js';
import { compose } from './compose.js';
import { createPlatform } from './deps.js';
import type { FromThread, ToThread, WebhookThreadData } from './webhook-thread.js';

/** The body of the webhook processing thread (see webhook-thread.ts). */
const d = workerData as WebhookThreadData;
const port = parentPort!;
const send = (m: FromThread) => port.postMessage(m);
const secretKey = Buffer.from(d.secretKeyHex, 'hex');
const config = { ...d.config, secretKey };
const log = createLogger(config.logLevel, 'afterdesk-webhooks', d.prettyLogs);

try {
  const db = new Database(createPool(d.appUrl, d.poolSize), { cachedPlans: config.cachedPlans });
  const jobs = d.jobs ? new Jobs(d.adminUrl, log) : undefined;
  // Only sends (SLA timers of new tickets); the main worker runs the queues.
  await jobs?.start();
  const platform = createPlatform({ config, db, adminUrl: d.adminUrl, clock: systemClock, ids: newId, log, jobs, secretKey });
  const services = compose(platform);
  services.tiktok.client.retarget(d.bases);
  services.tiktok.processor.start(d.pollMs, d.loops);

  port.on('message', (m: ToThread) => {
    if (m.type === 'wake') services.tiktok.processor.wake();
    else if (m.type === 'retarget') services.tiktok.client.retarget(m);
    else if (m.type === 'stop') {
      void (async () => {
        await services.tiktok.processor.stop();
        await jobs?.stop();
        await db.close();
        send({ type: 'stopped' });
        port.close();
      })();
    }
  });
  send({ type: 'ready' });
} catch (e) {
  send({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  throw e;
}
