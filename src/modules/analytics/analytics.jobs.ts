import type { Jobs } from '../../platform/jobs.js';
import type { Logger } from '../../platform/logger.js';
import type { AnalyticsService } from './analytics.service.js';

export const ANALYTICS_REFRESH_JOB = 'analytics.refresh';
export const ANALYTICS_HEALTH_JOB = 'analytics.shop_health';
export const ANALYTICS_CSAT_JOB = 'analytics.csat';

/** Keeps the rollup fresh between reads: drains the changed-orders queue of every organisation each minute. */
export async function registerAnalyticsJobs(jobs: Jobs | undefined, analytics: AnalyticsService, log: Logger): Promise<void> {
  if (!jobs?.isStarted) return;
  await jobs.define(
    ANALYTICS_REFRESH_JOB,
    async () => {
      for (const orgId of await analytics.orgsWithChanges()) {
        const n = await analytics.refresh(orgId);
        if (n) log.debug({ orgId, orders: n }, 'analytics facts refreshed');
      }
    },
    { cron: '* * * * *', retryLimit: 1 },
  );
  await jobs.define(
    ANALYTICS_HEALTH_JOB,
    async () => {
      for (const orgId of await analytics.orgsWithShops()) {
        const n = await analytics.checkHealth(orgId);
        if (n) log.info({ orgId, warnings: n }, 'shop health warnings sent to owners');
      }
    },
    { cron: '17 7 * * *', retryLimit: 1 },
  );
  await jobs.define(
    ANALYTICS_CSAT_JOB,
    async () => {
      for (const orgId of await analytics.orgsWithShops()) {
        const asked = await analytics.askCsat(orgId);
        const answers = await analytics.collectCsat(orgId);
        if (asked.asked || answers) log.info({ orgId, asked: asked.asked, answers }, 'CSAT questions sent and answers stored');
      }
    },
    { cron: '*/5 * * * *', retryLimit: 1 },
  );
}
