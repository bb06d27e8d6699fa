export { createCouponsService, platformCouponView, ledgerView, SEND_COUPON_HANDLER, SEND_PROMO_HANDLER, PROMO_WHATSAPP_TEMPLATE, ISSUE_BATCH, CARD_SPACING_MS, DAILY_SEND_CAP, OUTCOME_WINDOW_DAYS, type CouponsService, type CouponPlatformPort, type CouponsPorts, type IssueInput, type LedgerRow, type ProgrammeReport, type RunReport } from './coupons.service.js';
export { couponsRoutes } from './coupons.routes.js';
export { registerCouponJobs, RUN_DUE_JOB, ATTRIBUTE_JOB } from './coupons.jobs.js';
export { couponCountsByProgramme, redeemedLedgerIds } from './coupons.readers.js';
export { couponsPrivacy } from './coupons.privacy.js';
export * from './coupons.rules.js';
export * from './coupons.dto.js';
export { WATERMARK_OVERLAP_MS } from './coupons.facts.js';
