import type { Jobs } from '../../platform/jobs.js';
import type { Logger } from '../../platform/logger.js';
import { systemActor } from '../../platform/tenancy.js';
import type { ReturnsService } from './returns.service.js';

export const IMPORT_PLATFORM_RETURNS_JOB = 'returns.import-platform';

/**
 * Every five minutes: TikTok return requests that synced since become RMAs with instructions. Only
 * requests due are judged: one the policy turned away waits until it changes or its wait is over.
 */
export async function registerReturnsJobs(jobs: Jobs | undefined, returns: ReturnsService, log: Logger): Promise<void> {
  if (!jobs?.isStarted) return;
  await jobs.define(
    IMPORT_PLATFORM_RETURNS_JOB,
    async () => {
      for (const orgId of await returns.orgsWithPendingPlatformReturns()) {
        const r = await returns.importPlatformReturns(systemActor(orgId), { all: false });
        if (r.created.length || r.skipped.length) log.info({ orgId, created: r.created.length, skipped: r.skipped.length }, 'TikTok return requests imported');
      }
    },
    { cron: '*/5 * * * *', retryLimit: 2 },
  );
}
