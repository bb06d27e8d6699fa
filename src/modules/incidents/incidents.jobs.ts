import type { Jobs } from '../../platform/jobs.js';
import type { Logger } from '../../platform/logger.js';
import { systemActor } from '../../platform/tenancy.js';
import type { IncidentsService } from './incidents.service.js';

export const PROPOSE_JOB = 'incidents.propose';
export const REFRESH_JOB = 'incidents.refresh';

/** Hourly proposals from the spike test; every five minutes running outreaches are refreshed (sent, reply notices). */
export async function registerIncidentJobs(jobs: Jobs | undefined, svc: IncidentsService, log: Logger): Promise<void> {
  if (!jobs?.isStarted) return;
  await jobs.define(PROPOSE_JOB, async () => {
    const n = await svc.proposeAll(systemActor);
    if (n) log.info({ proposed: n }, 'incidents proposed from complaint spikes');
  }, { cron: '41 * * * *', retryLimit: 1 });
  await jobs.define(REFRESH_JOB, async () => {
    await svc.refreshAll(systemActor);
  }, { cron: '*/5 * * * *', retryLimit: 0 });
}
