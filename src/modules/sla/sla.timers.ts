import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import type { Jobs } from '../../platform/jobs.js';
import type { Logger } from '../../platform/logger.js';
import type { SlaMetric } from './sla.rules.js';
import { slaClocks, type ClockRow } from './sla.schema.js';

export const SLA_TIMER_QUEUE = 'sla.timer';
export const SLA_SWEEP_QUEUE = 'sla.sweep';

/** What the app hands the helpdesk when a clock breaches: escalate this ticket to a supervisor. */
export interface SlaEscalation {
  orgId: string;
  ticketId: string;
  shopId: string;
  clockId: string;
  metric: SlaMetric;
  policyId: string;
  targetMinutes: number;
  dueAt: Date;
  breachedAt: Date;
  escalateTo: 'supervisor';
}
export type EscalationHandler = (e: SlaEscalation) => Promise<void>;

/**
 * Where breached clocks go. While nobody listens (an SLA engine run without a helpdesk, as some
 * tests do) breaches stay unclaimed, so a later run with a listener still escalates them.
 */
export interface EscalationPort {
  listening(): boolean;
  publish: EscalationHandler;
}

export interface TimerJob {
  orgId: string;
  clockId: string;
  generation: number;
  /** The instant (ms) the job was scheduled for; reaching it is what the job announces. */
  at?: number;
  /** How often this timer already found its clock not yet committed. */
  attempt?: number;
}

export interface TimerReport {
  warnings: number;
  breaches: number;
  escalations: number;
}

/**
 * Thrown by the timer job when its clock generation is not visible. Jobs are queued on the
 * clock's own transaction, so this only meets jobs queued outside it (before that was so).
 */
export class TimerNotVisibleYet extends Error {}

const ESCALATION_LEASE_MS = 5 * 60_000;

/**
 * Queues the exact timer of a clock that just changed. The job goes on the change's own
 * transaction (pg-boss inserts its row there), so it exists exactly when the change commits.
 */
export function createTimerScheduler(deps: { jobs: Jobs | undefined; log: Logger }) {
  const { log } = deps;
  let queueReady: Promise<void> | undefined;

  async function ensureQueue(): Promise<void> {
    const jobs = deps.jobs;
    if (!jobs?.isStarted) return;
    queueReady ??= (async () => {
      // Retries with a delay cover a timer job that fails to run its clock (a transient error).
      await jobs.boss.createQueue(SLA_TIMER_QUEUE, { name: SLA_TIMER_QUEUE, retryLimit: 6, retryDelay: 2, retryBackoff: true });
    })().catch((e) => {
      queueReady = undefined;
      throw e;
    });
    await queueReady;
  }

  /** One pg-boss job per clock generation, at the exact next warning/breach instant, on `tx`. */
  async function schedule(tx: Executor, c: Pick<ClockRow, 'orgId' | 'id' | 'generation' | 'nextTimerAt' | 'state'>): Promise<void> {
    const jobs = deps.jobs;
    if (!jobs?.isStarted || c.state !== 'running' || !c.nextTimerAt) return;
    try {
      // The queue is made once per process on pg-boss's own connection; without it the insert
      // below would quietly queue nothing.
      await ensureQueue();
    } catch (e) {
      // The catch-up sweep still finds the clock through next_timer_at.
      log.warn({ err: e, clockId: c.id }, 'could not create the SLA timer queue');
      return;
    }
    // No catch here: a failed statement has already aborted the transaction, and the change it
    // belongs to must not commit without its timer.
    const data: TimerJob = { orgId: c.orgId, clockId: c.id, generation: c.generation, at: c.nextTimerAt.getTime() };
    await jobs.sendIn(tx, SLA_TIMER_QUEUE, data, { startAfter: c.nextTimerAt, singletonKey: `${c.id}:${c.generation}:${c.nextTimerAt.getTime()}` });
  }

  /** `schedule` for several clocks at once: their jobs in one statement on `tx`. */
  async function scheduleMany(tx: Executor, clocks: Array<Pick<ClockRow, 'orgId' | 'id' | 'generation' | 'nextTimerAt' | 'state'>>): Promise<void> {
    const jobs = deps.jobs;
    const due = clocks.filter((c) => c.state === 'running' && c.nextTimerAt);
    if (!jobs?.isStarted || !due.length) return;
    if (due.length === 1) return schedule(tx, due[0]!);
    try {
      await ensureQueue();
    } catch (e) {
      log.warn({ err: e, clockIds: due.map((c) => c.id) }, 'could not create the SLA timer queue');
      return;
    }
    await jobs.sendManyIn<TimerJob>(
      tx,
      SLA_TIMER_QUEUE,
      due.map((c) => ({ data: { orgId: c.orgId, clockId: c.id, generation: c.generation, at: c.nextTimerAt!.getTime() }, startAfter: c.nextTimerAt!, singletonKey: `${c.id}:${c.generation}:${c.nextTimerAt!.getTime()}` })),
    );
  }

  return { schedule, scheduleMany };
}

export type TimerScheduler = ReturnType<typeof createTimerScheduler>;

/** What timer handling needs of the clocks: lock one, announce what fell due, append audit rows. */
export interface ClockEvaluator {
  lockClock(tx: Executor, orgId: string, clockId: string): Promise<ClockRow | undefined>;
  evaluate(tx: Executor, c: ClockRow, nowMs: number): Promise<{ warnings: number; breached: boolean } | null>;
  insertEvents(tx: Executor, c: ClockRow, events: { kind: string; at: Date; data?: Record<string, unknown> }[]): Promise<void>;
}

/** Timer handling: the pg-boss job, the sweep/catch-up, and escalation of breached clocks. */
export function createSlaTimers(deps: { db: Database; clock: Clock; log: Logger; scheduler: TimerScheduler; clocks: ClockEvaluator; escalations: EscalationPort }) {
  const { db, clock, log, scheduler, clocks, escalations } = deps;
  const { lockClock, evaluate, insertEvents } = clocks;

  /** The pg-boss handler: re-check the clock (stale generations do nothing), fire, escalate. */
  async function fireTimer(job: TimerJob): Promise<TimerReport> {
    const out = await db.tenant(job.orgId, async (tx) => {
      const c = await lockClock(tx, job.orgId, job.clockId);
      if (!c || c.generation < job.generation) throw new TimerNotVisibleYet(`SLA clock ${job.clockId} generation ${job.generation} is not visible yet`);
      if (c.generation > job.generation) return null;
      // pg-boss released the job at its instant by the database's clock; an app clock a little
      // behind must not make it miss, so the job's own instant counts as reached.
      const nowMs = Math.max(clock.now().getTime(), job.at ?? 0);
      const r = await evaluate(tx, c, nowMs);
      // Nothing was due yet (a job released early): wait for the clock's real next instant.
      if (!r && c.nextTimerAt && c.nextTimerAt.getTime() > nowMs) await scheduler.schedule(tx, c);
      return r;
    });
    const escalations = out?.breached ? await runEscalations(job.orgId) : 0;
    return { warnings: out?.warnings ?? 0, breaches: out?.breached ? 1 : 0, escalations };
  }

  /**
   * Fires every timer whose instant has passed (all organisations, or one): the catch-up after
   * downtime, the safety net behind the exact jobs, and how tests drive time with a ManualClock.
   */
  async function runDueTimers(opts: { orgId?: string } = {}): Promise<TimerReport> {
    const report: TimerReport = { warnings: 0, breaches: 0, escalations: 0 };
    const now = clock.now();
    for (let round = 0; round < 100; round++) {
      const due = await db.system(async (tx) =>
        tx
          .select({ orgId: slaClocks.orgId, id: slaClocks.id })
          .from(slaClocks)
          .where(and(eq(slaClocks.state, 'running'), sql`${slaClocks.nextTimerAt} <= ${now.toISOString()}::timestamptz`, opts.orgId ? eq(slaClocks.orgId, opts.orgId) : undefined))
          .orderBy(asc(slaClocks.nextTimerAt))
          .limit(200),
      );
      if (!due.length) break;
      let progressed = 0;
      for (const d of due) {
        const r = await db.tenant(d.orgId, async (tx) => {
          const c = await lockClock(tx, d.orgId, d.id);
          return c ? evaluate(tx, c, now.getTime()) : null;
        });
        if (r) {
          progressed++;
          report.warnings += r.warnings;
          report.breaches += r.breached ? 1 : 0;
        }
      }
      if (!progressed) break;
    }
    report.escalations = await runEscalations(opts.orgId);
    return report;
  }

  /**
   * Hands breached clocks to the escalation handlers after the breach committed, so a handler that
   * changes the ticket (and calls recordEvent) never waits on our row lock. A claim with a lease
   * keeps two workers from escalating the same clock; a failed handler is retried by the next sweep.
   */
  async function runEscalations(orgId?: string): Promise<number> {
    if (!escalations.listening()) return 0;
    const now = clock.now();
    const leaseEnd = new Date(now.getTime() - ESCALATION_LEASE_MS);
    const claimed = await db.system(async (tx) =>
      tx
        .update(slaClocks)
        .set({ escalationClaimedAt: now })
        .where(
          and(
            sql`${slaClocks.breachedAt} is not null`,
            isNull(slaClocks.escalatedAt),
            // Answered meanwhile (a retry after a failed handler): nothing left to escalate.
            isNull(slaClocks.stoppedAt),
            // Overdue on arrival (imported history) sorts first in every queue but pages no supervisor.
            sql`${slaClocks.dueAt} >= ${slaClocks.createdAt}`,
            sql`(${slaClocks.escalationClaimedAt} is null or ${slaClocks.escalationClaimedAt} < ${leaseEnd.toISOString()}::timestamptz)`,
            orgId ? eq(slaClocks.orgId, orgId) : undefined,
          ),
        )
        .returning(),
    );
    let n = 0;
    for (const c of claimed) {
      const e: SlaEscalation = {
        orgId: c.orgId,
        ticketId: c.ticketId,
        shopId: c.shopId,
        clockId: c.id,
        metric: c.metric,
        policyId: c.policyId,
        targetMinutes: c.targetMinutes,
        dueAt: c.dueAt,
        breachedAt: c.breachedAt!,
        escalateTo: 'supervisor',
      };
      try {
        await escalations.publish(e);
      } catch (err) {
        log.warn({ err, clockId: c.id }, 'SLA escalation handler failed; the next sweep retries it');
        continue;
      }
      await db.tenant(c.orgId, async (tx) => {
        const [cur] = await tx
          .update(slaClocks)
          .set({ escalatedAt: clock.now() })
          .where(and(eq(slaClocks.orgId, c.orgId), eq(slaClocks.id, c.id)))
          .returning();
        await insertEvents(tx, cur!, [{ kind: 'escalated', at: clock.now(), data: { to: 'supervisor', metric: c.metric } }]);
      });
      n++;
    }
    return n;
  }

  return { fireTimer, runDueTimers };
}
