import { z } from 'zod';

export const SOURCE_TYPES = ['ad_campaign', 'creator_video', 'livestream', 'organic'] as const;
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

export const ReportQuery = z.strictObject({
  by: z.enum(['source', 'product', 'sku', 'reason', 'market']).default('source'),
  shopId: z.string().min(1).max(64).optional(),
  market: z.string().regex(/^[A-Z]{2}$/).optional(),
  sourceType: z.enum(SOURCE_TYPES).optional(),
  from: Day.optional(),
  to: Day.optional(),
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
});
export type ReportQuery = z.infer<typeof ReportQuery>;

export const Definition = z.object({ numerator: z.string(), denominator: z.string(), window: z.string(), exclusions: z.string() });

export const RateRow = z.object({
  key: z.string(),
  shopId: z.string().nullable(),
  sourceType: z.string().nullable(),
  sourceId: z.string().nullable(),
  name: z.string().nullable(),
  orders: z.number(),
  deliveredLines: z.number(),
  returns: z.number(),
  refunds: z.number(),
  complaints: z.number(),
  disputes: z.number(),
  returnRate: z.number().nullable(),
  refundRate: z.number().nullable(),
  complaintRate: z.number().nullable(),
  disputeRate: z.number().nullable(),
  baseline: z.number().nullable(),
  pValue: z.number().nullable(),
  qValue: z.number().nullable(),
  tested: z.boolean(),
  flagged: z.boolean(),
  excluded: z.boolean(),
  excessReturns: z.number(),
  refundAmount: z.number(),
  excessRefund: z.number(),
  currency: z.string().nullable(),
  fault: z.object({ seller: z.number(), carrier: z.number(), buyer: z.number(), platform: z.number() }),
  /** Creator/shop videos by source: complaint tickets opened from comments under the video in the period (not part of the rates). */
  commentComplaints: z.number().optional(),
});
export type RateRow = z.infer<typeof RateRow>;

export const ReportView = z.object({
  by: z.string(),
  from: z.string(),
  to: z.string(),
  items: z.array(RateRow),
  definitions: z.record(z.string(), Definition),
  /** Set when amounts were converted: the currency, and each rate used with its date. */
  conversion: z.object({ currency: z.string(), rates: z.array(z.object({ currency: z.string(), rate: z.number(), date: z.string() })), missing: z.array(z.string()) }).nullable(),
  totalRefund: z.number().nullable(),
});
export type ReportView = z.infer<typeof ReportView>;

export const WeeklyQuery = z.strictObject({
  shopId: z.string().min(1).max(64).optional(),
  sourceType: z.enum(SOURCE_TYPES).optional(),
  sourceId: z.string().min(1).max(128).optional(),
  from: Day.optional(),
  to: Day.optional(),
});
export const WeekRow = z.object({ week: z.string(), deliveredLines: z.number(), returns: z.number(), returnRate: z.number().nullable(), provisional: z.boolean() });
export const AnnotationView = z.object({ id: z.string(), shopId: z.string().nullable(), kind: z.string(), title: z.string(), startsAt: z.string(), endsAt: z.string().nullable(), subjectType: z.string().nullable(), subjectId: z.string().nullable() });
export type AnnotationView = z.infer<typeof AnnotationView>;
export const WeeklyView = z.object({ items: z.array(WeekRow), annotations: z.array(AnnotationView) });
export type WeeklyView = z.infer<typeof WeeklyView>;

export const DrillQuery = z.strictObject({
  shopId: z.string().min(1).max(64),
  sourceType: z.enum(SOURCE_TYPES),
  sourceId: z.string().max(128).default(''),
  from: Day.optional(),
  to: Day.optional(),
});
export const DrillRow = z.object({
  orderId: z.string(),
  orderLineId: z.string(),
  productName: z.string(),
  placedAt: z.string(),
  deliveredAt: z.string().nullable(),
  returned: z.boolean(),
  refunded: z.boolean(),
  refundAmount: z.number(),
  currency: z.string(),
  reason: z.string().nullable(),
  faultOwner: z.string().nullable(),
  complained: z.boolean(),
  provenance: z.string(),
});
export const DrillView = z.object({ items: z.array(DrillRow) });
export type DrillView = z.infer<typeof DrillView>;

export const ExclusionView = z.object({ id: z.string(), shopId: z.string(), sourceType: z.string(), sourceId: z.string(), sourceName: z.string().nullable(), note: z.string().nullable(), excludedAt: z.string() });
export type ExclusionView = z.infer<typeof ExclusionView>;
export const CreateExclusion = z.strictObject({ shopId: z.string().min(1).max(64), sourceType: z.enum(['ad_campaign', 'creator_video', 'livestream']), sourceId: z.string().min(1).max(128), sourceName: z.string().max(300).optional(), note: z.string().max(1000).optional() });

export const RecommendationView = z.object({ shopId: z.string(), sourceType: z.string(), sourceId: z.string(), name: z.string().nullable(), creatorHandle: z.string().nullable(), orders: z.number(), returns: z.number(), returnRate: z.number(), baseline: z.number(), qValue: z.number(), excessReturns: z.number(), excessRefund: z.number(), currency: z.string().nullable() });
export type RecommendationView = z.infer<typeof RecommendationView>;

export const ReasonTrendRow = z.object({ shopId: z.string(), productId: z.string(), productName: z.string(), reason: z.string(), sourceType: z.string(), sourceId: z.string(), sourceName: z.string().nullable(), returns: z.number(), examples: z.array(z.string()) });
export type ReasonTrendRow = z.infer<typeof ReasonTrendRow>;

export const FEEDBACK_KINDS = ['listing', 'product', 'ad_copy', 'creator_content', 'other'] as const;
export const FEEDBACK_STATUSES = ['open', 'in_progress', 'done'] as const;
export const FeedbackTaskView = z.object({ id: z.string(), shopId: z.string(), kind: z.enum(FEEDBACK_KINDS), title: z.string(), body: z.string(), subjectType: z.string().nullable(), subjectId: z.string().nullable(), assigneeId: z.string().nullable(), status: z.enum(FEEDBACK_STATUSES), createdAt: z.string(), doneAt: z.string().nullable() });
export type FeedbackTaskView = z.infer<typeof FeedbackTaskView>;
/** `aboutType`/`about` name what the task is about (a creator video, an ad campaign, a product…), often a platform id. */
export const CreateFeedbackTask = z.strictObject({ shopId: z.string().min(1).max(64), kind: z.enum(FEEDBACK_KINDS), title: z.string().min(1).max(300), body: z.string().max(5000).default(''), aboutType: z.string().max(40).optional(), about: z.string().max(128).optional(), assigneeId: z.string().min(1).max(64).optional() });
export type CreateFeedbackTask = z.input<typeof CreateFeedbackTask>;
export const UpdateFeedbackTask = z.strictObject({ status: z.enum(FEEDBACK_STATUSES).optional(), assigneeId: z.string().min(1).max(64).nullable().optional() });

export const CreateAnnotation = z.strictObject({ shopId: z.string().min(1).max(64).optional(), kind: z.enum(['incident', 'listing_change', 'exclusion', 'note']), title: z.string().min(1).max(300), startsAt: z.string().datetime({ offset: true }), endsAt: z.string().datetime({ offset: true }).optional(), aboutType: z.string().max(40).optional(), about: z.string().max(128).optional() });
export type CreateAnnotation = z.input<typeof CreateAnnotation>;

/** Which CSV column holds what (the report's own header names). */
export const AdsMapping = z.strictObject({ orderColumn: z.string().min(1).max(100), campaignColumn: z.string().min(1).max(100), campaignNameColumn: z.string().min(1).max(100).optional() });
export const ImportAdsReport = z.strictObject({ shopId: z.string().min(1).max(64), csv: z.string().min(1).max(20_000_000), mapping: AdsMapping.optional() });
export const ImportResult = z.object({ rows: z.number(), claimed: z.number(), skipped: z.number(), linesAttributed: z.number() });
export const ImportRates = z.strictObject({ csv: z.string().min(1).max(5_000_000) });
export const RatesResult = z.object({ imported: z.number() });

export const HealthMetricView = z.object({ metric: z.string(), value: z.number().nullable(), limit: z.number(), better: z.enum(['higher', 'lower']), state: z.enum(['ok', 'near', 'crossed', 'unknown']), source: z.string(), computed: z.enum(['platform', 'afterdesk']), note: z.string().nullable() });
export const ShopHealthView = z.object({
  shopId: z.string(),
  market: z.string(),
  from: z.string(),
  to: z.string(),
  metrics: z.array(HealthMetricView),
  platform: z.object({ sessions: z.number().nullable(), responsePct: z.number().nullable(), responseTimeMins: z.number().nullable(), satisfactionPct: z.number().nullable(), period: z.string().nullable() }),
  /** The shop rating (e.g. 3.8 → 4.7): the Open API exposes none; shown only when a source gives it. */
  rating: z.number().nullable(),
  notes: z.array(z.string()),
});
export type ShopHealthView = z.infer<typeof ShopHealthView>;
export const SetThreshold = z.strictObject({ market: z.string().regex(/^[A-Z]{2}$/), metric: z.enum(['chat_response_rate', 'non_buyer_fault_return_rate', 'seller_fault_cancellation_rate', 'dispute_escalation_rate', 'csat_average']), limit: z.number().min(0).max(5), source: z.string().min(1).max(500) });
export const CsatAnswer = z.strictObject({ ticketId: z.string().min(1).max(64), text: z.string().min(1).max(200) });

export const OperationsQuery = z.strictObject({ shopId: z.string().min(1).max(64).optional(), from: Day.optional(), to: Day.optional() });
export const OperationsView = z.object({
  from: z.string(),
  to: z.string(),
  /** SLA attainment per dimension (shop, channel, agent, policy, and first-reply promise in minutes). */
  sla: z.array(z.object({ dimension: z.enum(['shop', 'channel', 'agent', 'policy', 'promise']), key: z.string(), label: z.string().nullable(), metric: z.string(), met: z.number(), breached: z.number(), attainment: z.number().nullable() })),
  /** Minutes to first reply and to resolution: percentiles and buckets. */
  distributions: z.array(z.object({ metric: z.string(), n: z.number(), p50: z.number().nullable(), p90: z.number().nullable(), buckets: z.array(z.object({ upToMinutes: z.number().nullable(), count: z.number() })) })),
  /** Buyers who complained (a ticket) vs those who did not: repurchase rate and spend per buyer, per currency. */
  buyers: z.array(z.object({ currency: z.string(), complained: z.boolean(), buyers: z.number(), repurchaseRate: z.number().nullable(), spendPerBuyer: z.number().nullable() })),
});
export type OperationsView = z.infer<typeof OperationsView>;

// ---------------- after-sales outcomes, reconciliation, CSAT ----------------

export const OutcomesQuery = z.strictObject({ shopId: z.string().min(1).max(64).optional(), from: Day.optional(), to: Day.optional() });
export const OutcomesView = z.object({
  from: z.string(),
  to: z.string(),
  /** Return cycle time by step (hours, p50/p90) and request → refund within the target. */
  cycle: z.object({ targetDays: z.number(), steps: z.array(z.object({ step: z.string(), n: z.number(), p50Hours: z.number().nullable(), p90Hours: z.number().nullable(), targetHours: z.number().nullable(), withinTarget: z.number().nullable() })) }),
  /** After-sales cost as a share of sales, per currency (minor units). */
  cost: z.array(z.object({ currency: z.string(), revenue: z.number(), refunds: z.number(), reships: z.number(), coupons: z.number(), returnShipping: z.number(), total: z.number(), share: z.number().nullable() })),
  /** Coupon ROI per programme (from the coupons module). */
  coupons: z.array(z.object({ programmeId: z.string().nullable(), name: z.string(), kind: z.string(), shopId: z.string(), currency: z.string(), issued: z.number(), redeemed: z.number(), cost: z.number(), revenue: z.number(), redemptionRate: z.number().nullable(), roi: z.number().nullable() })),
  disputes: z.object({ won: z.number(), lost: z.number(), open: z.number(), winRate: z.number().nullable() }),
  appeals: z.object({ won: z.number(), lost: z.number(), open: z.number(), successRate: z.number().nullable() }),
  /** Not available: no review data from the platform (see the definition). */
  reviewRate: z.number().nullable(),
  /** CSAT by agent, channel and reason. */
  csat: z.object({
    asked: z.number(),
    answered: z.number(),
    average: z.number().nullable(),
    rows: z.array(z.object({ dimension: z.enum(['agent', 'channel', 'reason']), key: z.string(), label: z.string().nullable(), answered: z.number(), average: z.number().nullable(), satisfied: z.number().nullable() })),
  }),
  definitions: z.record(z.string(), Definition),
});
export type OutcomesView = z.infer<typeof OutcomesView>;
/** Steps of a return that take a target in hours (the whole span takes `cycleTargetDays`). */
export const TARGET_STEPS = ['request_to_approval', 'approval_to_receipt', 'receipt_to_inspection', 'inspection_to_refund'] as const;
const StepHours = z.number().int().min(1).max(1440);
/** A change of the settings: fields left out stay; a step's target `null` removes it. */
export const AnalyticsSettings = z.strictObject({
  cycleTargetDays: z.number().int().min(1).max(60).optional(),
  stepTargetHours: z.strictObject(Object.fromEntries(TARGET_STEPS.map((s) => [s, StepHours.nullable().optional()])) as Record<(typeof TARGET_STEPS)[number], z.ZodOptional<z.ZodNullable<typeof StepHours>>>).optional(),
});
export type AnalyticsSettingsInput = z.infer<typeof AnalyticsSettings>;
export const AnalyticsSettingsView = z.object({ cycleTargetDays: z.number(), stepTargetHours: z.record(z.string(), z.number()) });
export type AnalyticsSettingsView = z.infer<typeof AnalyticsSettingsView>;

/** An ad campaign of the period: the Marketing API's figures (null when not imported) and the returns of the orders attributed to it. */
export const AdCampaignView = z.object({
  shopId: z.string(),
  campaignId: z.string(),
  name: z.string().nullable(),
  currency: z.string().nullable(),
  /** Minor units of `currency`. */
  spend: z.number().nullable(),
  conversions: z.number().nullable(),
  impressions: z.number().nullable(),
  clicks: z.number().nullable(),
  orders: z.number(),
  returnedLines: z.number(),
  returnRate: z.number().nullable(),
  /** Refunds on the attributed lines, minor units of `refundCurrency`. */
  refunds: z.number(),
  /** The shop's currency, which the refunds are in (the ad account's `currency` may differ). */
  refundCurrency: z.string(),
});
export type AdCampaignView = z.infer<typeof AdCampaignView>;

export const RECON_STATUSES = ['matched', 'amount_differs', 'awaiting_statement', 'missing_on_statement', 'not_ours'] as const;
export const ReconQuery = z.strictObject({ shopId: z.string().min(1).max(64).optional(), from: Day.optional(), to: Day.optional(), status: z.enum(RECON_STATUSES).optional() });
export const ReconRowView = z.object({ shopId: z.string(), externalOrderId: z.string(), skuId: z.string(), currency: z.string(), ours: z.number().nullable(), statement: z.number().nullable(), difference: z.number(), statementIds: z.array(z.string()), status: z.enum(RECON_STATUSES) });
export const ReconView = z.object({
  from: z.string(),
  to: z.string(),
  /** Counts per status over the whole period (the list may be filtered). */
  summary: z.record(z.string(), z.number()),
  statements: z.array(z.object({ shopId: z.string(), id: z.string(), statementTime: z.string(), currency: z.string(), settlementAmount: z.number(), revenueAmount: z.number(), feeAmount: z.number(), adjustmentAmount: z.number(), paymentStatus: z.string().nullable() })),
  items: z.array(ReconRowView),
  /** Shops whose market gave no statements (the Finance API is not offered there, or nothing synced yet). */
  shopsWithoutStatements: z.array(z.string()),
});
export type ReconView = z.infer<typeof ReconView>;
