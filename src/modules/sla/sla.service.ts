import { getTableName } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Jobs } from '../../platform/jobs.js';
import type { Logger } from '../../platform/logger.js';
import { computeDue } from './sla.calculator.js';
import { createSlaClocks, type SlaWarningHook } from './sla.clocks.js';
import { createSlaPolicies } from './sla.policies.js';
import { createSlaReports } from './sla.reports.js';
import { slaClockEvents, slaClocks, slaTickets } from './sla.schema.js';
import { createSlaTimers, createTimerScheduler, type EscalationPort } from './sla.timers.js';

export { DEFAULT_POLICIES } from './sla.policies.js';
export type { RecordEventInput, SlaEventKind, StartClocksInput, SlaWarningHook } from './sla.clocks.js';
export { SLA_SWEEP_QUEUE, SLA_TIMER_QUEUE, TimerNotVisibleYet, type EscalationHandler, type EscalationPort, type SlaEscalation, type TimerJob, type TimerReport } from './sla.timers.js';

export interface SlaDeps {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
  jobs: Jobs | undefined;
  /** Where a breached clock goes (the composition hands in the helpdesk's escalation). */
  escalations: EscalationPort;
  /** Warning thresholds passed (the composition hands in the helpdesk's notice). */
  onWarning?: SlaWarningHook;
}

/**
 * The SLA engine, put together from its parts: policies (targets), clocks (per-ticket state on
 * the caller's transaction), timers (pg-boss jobs, sweep, escalation) and reports. It keeps no
 * per-caller state (compiled calendars are cached once per process in sla.calendars.ts), so one
 * instance serves the helpdesk, the worker, the routes and the CLI alike.
 */
export function createSlaService(deps: SlaDeps) {
  // Every new ticket writes its SLA row, clocks and their audit rows, and a reply updates them, in
  // transactions on cached plans: their look-ups (and the foreign-key checks into these tables) must
  // not keep a generic plan made while the tables were empty (platform/db.ts).
  deps.db.cachedPlans.watch([getTableName(slaTickets), getTableName(slaClocks), getTableName(slaClockEvents)]);
  const policies = createSlaPolicies(deps);
  const scheduler = createTimerScheduler(deps);
  const clocks = createSlaClocks({ ...deps, policies, scheduler });
  const timers = createSlaTimers({ ...deps, scheduler, clocks });
  const reports = createSlaReports(deps);
  return {
    startClocks: clocks.startClocks,
    recordEvent: clocks.recordEvent,
    recordEvents: clocks.recordEvents,
    getClocks: clocks.getClocks,
    runDueTimers: timers.runDueTimers,
    fireTimer: timers.fireTimer,
    listPolicies: policies.listPolicies,
    getPolicy: policies.getPolicy,
    createPolicy: policies.createPolicy,
    updatePolicy: policies.updatePolicy,
    deactivatePolicy: policies.deactivatePolicy,
    ensureDefaultPolicies: policies.ensureDefaultPolicies,

    computeDue,

    computeDueForShop: reports.computeDueForShop,
    attainment: reports.attainment,
  };
}

export type SlaService = ReturnType<typeof createSlaService>;
