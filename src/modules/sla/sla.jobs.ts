import type { Jobs } from '../../platform/jobs.js';
import { exponentialBackoff } from '../../platform/backoff.js';
import type { Logger } from '../../platform/logger.js';
import { SLA_SWEEP_QUEUE, SLA_TIMER_QUEUE, TimerNotVisibleYet, type SlaService, type TimerJob } from './sla.service.js';

/**
 * Exact timers: one pg-boss job per clock generation at the next warning/breach instant, queued on
 * the clock's own transaction. The sweep is only a safety net (a job that failed for good, a queue
 * that could not be created); it is cheap because it reads one partial index. On start we catch up
 * on everything that fell due while we were down.
 */
export async function registerSlaJobs(jobs: Jobs | undefined, log: Logger, sla: SlaService, opts: { sweepCron?: string; catchUp?: boolean } = {}): Promise<void> {
  if (jobs) {
    await jobs.boss.createQueue(SLA_TIMER_QUEUE, { name: SLA_TIMER_QUEUE, retryLimit: 6, retryDelay: 2, retryBackoff: true });
    // pg-boss waits a polling interval between fetches, so fetch generously per round.
    await jobs.boss.work<TimerJob>(SLA_TIMER_QUEUE, { batchSize: 50, pollingIntervalSeconds: 1 }, async (batch) => {
      let failure: unknown;
      for (const job of batch) {
        try {
          const r = await sla.fireTimer(job.data);
          if (r.warnings || r.breaches) log.info({ clockId: job.data.clockId, ...r }, 'SLA timer fired');
        } catch (e) {
          if (e instanceof TimerNotVisibleYet) {
            // Queued outside its clock's transaction (by an older version) and not visible yet: look again later, a few times.
            const attempt = (job.data.attempt ?? 0) + 1;
            if (attempt <= 6) await jobs.send(SLA_TIMER_QUEUE, { ...job.data, attempt }, { startAfter: exponentialBackoff({ attempt, baseMs: 1_000, maxMs: 64_000 }) / 1_000 });
            continue;
          }
          failure ??= e;
        }
      }
      // Failing the batch retries all of it; the generation check makes the repeats harmless.
      if (failure) throw failure;
    });
    await jobs.define(SLA_SWEEP_QUEUE, async () => {
      const r = await sla.runDueTimers();
      if (r.warnings || r.breaches || r.escalations) log.warn({ ...r }, 'SLA sweep fired timers the exact jobs had missed');
    }, { cron: opts.sweepCron ?? '*/5 * * * *' });
  }
  if (opts.catchUp ?? true) {
    const r = await sla.runDueTimers();
    if (r.warnings || r.breaches || r.escalations) log.info({ ...r }, 'SLA catch-up after start');
  }
}
