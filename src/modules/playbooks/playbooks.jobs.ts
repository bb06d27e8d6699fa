import type { Jobs } from '../../platform/jobs.js';
import type { Logger } from '../../platform/logger.js';
import type { PlaybooksService } from './playbooks.service.js';

export const NOTICES_RUN_JOB = 'notices.run_due';

/** Every 15 minutes each organisation with an active notice plans the ones that came due. */
export async function registerPlaybooksJobs(jobs: Jobs | undefined, svc: PlaybooksService, log: Logger): Promise<void> {
  if (!jobs?.isStarted) return;
  await jobs.define(
    NOTICES_RUN_JOB,
    async () => {
      for (const orgId of await svc.activeOrgs()) {
        try {
          const r = await svc.runDue(orgId);
          if (r.planned || r.heldOut || r.refused) log.info({ orgId, ...r }, 'proactive notices planned');
        } catch (e) {
          log.warn({ err: e, orgId }, 'notice run failed for an organisation; the next run retries');
        }
      }
    },
    { cron: '*/15 * * * *', retryLimit: 1 },
  );
}
