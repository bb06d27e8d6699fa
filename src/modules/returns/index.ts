export { createReturnsService, PLATFORM_REJECT_HANDLER, type PlatformRejectReason, type ReturnsPorts, type ReturnsService, type ReturnRow, type CreateReturnInput } from './returns.service.js';
export { returnsRoutes } from './returns.routes.js';
export { registerReturnsJobs, IMPORT_PLATFORM_RETURNS_JOB } from './returns.jobs.js';
export * from './returns.dto.js';
export {
  checkEligibility,
  computeRefund,
  cycleTime,
  DEFAULT_REASON_TREE,
  GRADES,
  inspectionPasses,
  refundDueOn,
  snapshotReason,
  type Grade,
  type Eligibility,
  type ReasonNode,
  type ReasonSnapshot,
} from './returns.rules.js';
export { returnsPrivacy } from './returns.privacy.js';
export { returnsMatching, returnsRelated, returnLabels, type ReturnMatch } from './returns.readers.js';
export { returnsWaitingCount, RETURN_STATUSES_WAITING } from './returns.readers.js';
export { buyerReturnTimelinesIn, buyerReturnTimelinesJson, buyerReturnTimelinesFromJson, type BuyerReturnTimeline } from './returns.readers.js';
