export { createAnalyticsService, type AnalyticsService, type AnalyticsDeps, type AttributionClaimInput, type AdCampaignDayInput, type LiveSessionInput, type OwnerNotice } from './analytics.service.js';
export { analyticsRoutes } from './analytics.routes.js';
export { registerAnalyticsJobs, ANALYTICS_REFRESH_JOB } from './analytics.jobs.js';
export * from './analytics.dto.js';
export { type CsatPorts, type FinanceStatementInput, type FinanceRefundInput } from './analytics.outcomes.js';
export { METRIC_DEFINITIONS, OUTCOME_DEFINITIONS, decimalToMinor, PROVENANCE_PRECEDENCE, affiliateSourceType, parseCsatReply, binomialUpperP } from './analytics.rules.js';
export { liveSessionAt, sourceTotals } from './analytics.readers.js';
export { analyticsPrivacy } from './analytics.privacy.js';
