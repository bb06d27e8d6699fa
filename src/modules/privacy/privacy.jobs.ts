import type { Jobs } from '../../platform/jobs.js';
import type { Logger } from '../../platform/logger.js';
import type { PrivacyService } from './privacy.service.js';

export const PRIVACY_RETENTION_JOB = 'privacy.retention';

/** Daily: periods are in days, and a day late is within any of them. */
export async function registerPrivacyJobs(jobs: Jobs | undefined, privacy: PrivacyService, log: Logger): Promise<void> {
  if (!jobs) return;
  await jobs.define(
    PRIVACY_RETENTION_JOB,
    async () => {
      for (const r of await privacy.applyRetentionAll()) if (Object.keys(r.changed).length) log.info({ orgId: r.orgId, changed: r.changed }, 'retention applied');
    },
    { cron: '17 3 * * *' },
  );
}
