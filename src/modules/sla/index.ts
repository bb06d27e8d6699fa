export {
  createSlaService,
  DEFAULT_POLICIES,
  SLA_TIMER_QUEUE,
  SLA_SWEEP_QUEUE,
  TimerNotVisibleYet,
  type SlaService,
  type SlaDeps,
  type SlaEscalation,
  type EscalationHandler,
  type EscalationPort,
  type StartClocksInput,
  type RecordEventInput,
  type SlaEventKind,
  type TimerJob,
  type TimerReport,
} from './sla.service.js';
export {
  addBusinessMinutes,
  businessMinutesBetween,
  compileCalendar,
  parseHours,
  formatHours,
  formatInZone,
  HoursSyntaxError,
  SLA_METRICS,
  type Calendar,
  type CompiledCalendar,
  type SlaMetric,
  type SlaMode,
} from './sla.rules.js';
export { isBusinessInstant } from './sla.rules.js';
export { shopCalendar, type ShopCal } from './sla.calendars.js';
export { slaRoutes } from './sla.routes.js';
export { registerSlaJobs } from './sla.jobs.js';
export * from './sla.dto.js';
export { slaPrivacy } from './sla.privacy.js';
export { slaRiskCounts } from './sla.readers.js';
