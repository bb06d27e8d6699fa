import { z } from 'zod';

/** HTTP shapes of the coupons module (the web app imports these types). */

export const BUYER_LANGS = ['en', 'de', 'fr', 'it', 'es'] as const;
export const PROGRAMME_KINDS = ['return_visit', 'loyalty', 'winback', 'compensation'] as const;
export const SEGMENTS = ['champion', 'loyal', 'promising', 'at_risk', 'lapsed', 'new'] as const;
export const LEDGER_STATUSES = ['planned', 'sent', 'redeemed', 'expired', 'voided', 'clawed_back', 'held_out', 'skipped'] as const;
export const LEDGER_SKIP_REASONS = ['no_address', 'consent_withdrawn', 'unsubscribed'] as const;

const Messages = z.strictObject({ en: z.string().max(1000).optional(), de: z.string().max(1000).optional(), fr: z.string().max(1000).optional(), it: z.string().max(1000).optional(), es: z.string().max(1000).optional() });
const money = z.number().int().min(0).max(100_000_000);
/** WhatsApp template names are lower case letters, digits and underscores; language codes like de or en_US. */
const langCode = z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a WhatsApp language code such as de or en_US');
export const WhatsAppTemplateBody = z.strictObject({
  name: z.string().trim().min(1).max(512).regex(/^[a-z0-9_]+$/, 'lower case letters, digits and underscores'),
  languages: z.strictObject({ en: langCode.optional(), de: langCode.optional(), fr: langCode.optional(), it: langCode.optional(), es: langCode.optional() }).default({}),
});

export const PlatformCouponView = z.object({
  id: z.string(),
  shopId: z.string(),
  externalId: z.string(),
  title: z.string(),
  status: z.string(),
  displayType: z.string(),
  targetBuyerSegment: z.string().nullable(),
  creationSource: z.string().nullable(),
  promoCode: z.string().nullable(),
  discountType: z.string(),
  currency: z.string(),
  reductionAmount: z.number().nullable(),
  percentage: z.number().nullable(),
  maxDiscount: z.number().nullable(),
  minSpend: z.number(),
  faceValue: z.number(),
  claimEndAt: z.string().nullable(),
  redemptionEndAt: z.string().nullable(),
  redemptionDays: z.number().nullable(),
  claimedCount: z.number(),
  redeemedCount: z.number(),
  totalClaimLimit: z.number().nullable(),
  /** Why the coupon cannot go out as a chat card (empty: it can). */
  chatProblems: z.array(z.string()),
  syncedAt: z.string(),
});
export type PlatformCouponView = z.infer<typeof PlatformCouponView>;

export const PlatformCouponList = z.object({ items: z.array(PlatformCouponView), chatReach: z.enum(['ok', 'not_connected', 'no_customer_service_scope']) });
export type PlatformCouponList = z.infer<typeof PlatformCouponList>;

export const LedgerView = z.object({
  id: z.string(),
  shopId: z.string(),
  programmeId: z.string().nullable(),
  variantId: z.string().nullable(),
  remedyId: z.string().nullable(),
  buyerId: z.string().nullable(),
  occasion: z.string(),
  arm: z.enum(['treatment', 'holdout']),
  status: z.enum(LEDGER_STATUSES),
  channel: z.string(),
  currency: z.string(),
  faceValue: z.number(),
  minSpend: z.number(),
  promoCode: z.string().nullable(),
  couponTitle: z.string().nullable(),
  couponExternalId: z.string().nullable(),
  expiresAt: z.string().nullable(),
  plannedAt: z.string(),
  sentAt: z.string().nullable(),
  redeemedAt: z.string().nullable(),
  redeemedOrderId: z.string().nullable(),
  orderValue: z.number().nullable(),
  settled: z.string().nullable(),
  /** Why a skipped send did not go out. */
  skipReason: z.enum(LEDGER_SKIP_REASONS).nullable(),
});
export type LedgerView = z.infer<typeof LedgerView>;
export const LedgerList = z.object({ items: z.array(LedgerView) });
export type LedgerList = z.infer<typeof LedgerList>;

export const Figures = z.object({ sent: z.number(), redeemed: z.number(), heldOut: z.number(), planned: z.number(), redemptionRate: z.number().nullable(), cost: z.number(), revenue: z.number(), committedThisMonth: z.number() });

export const ProgrammeView = z.object({
  id: z.string(),
  shopId: z.string(),
  name: z.string(),
  kind: z.enum(PROGRAMME_KINDS),
  status: z.enum(['active', 'paused']),
  schedule: z.object({ afterDeliveryDays: z.number().nullable(), memberDays: z.array(z.number()), birthday: z.boolean(), inactiveDays: z.number().nullable() }),
  segments: z.array(z.string()),
  holdoutPercent: z.number(),
  budget: z.number(),
  currency: z.string(),
  channel: z.string(),
  maxMinSpend: z.number().nullable(),
  maxFaceValue: z.number().nullable(),
  messages: z.record(z.string(), z.string()),
  whatsappTemplate: z.object({ name: z.string(), languages: z.record(z.string(), z.string()) }).nullable(),
  variants: z.array(z.object({ id: z.string(), key: z.string(), platformCouponId: z.string(), weight: z.number(), messages: z.record(z.string(), z.string()).nullable() })),
  figures: Figures,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ProgrammeView = z.infer<typeof ProgrammeView>;
export const ProgrammeList = z.object({ items: z.array(ProgrammeView) });

const IntervalView = z.object({ estimate: z.number(), low: z.number(), high: z.number() });
export const ProgrammeReportView = z.object({
  programmeId: z.string(),
  currency: z.string(),
  outcomeWindowDays: z.number(),
  variants: z.array(
    z.object({
      variantId: z.string(),
      key: z.string(),
      platformCouponId: z.string(),
      sent: z.number(),
      heldOut: z.number(),
      redeemed: z.number(),
      redemptionRate: z.number().nullable(),
      orderValueUplift: z.number().nullable(),
      incrementalOrders: IntervalView.nullable(),
      incrementalRevenue: IntervalView.nullable(),
      verdict: z.enum(['positive', 'negative', 'inconclusive']),
      cost: z.number(),
      costPerIncrementalOrder: z.number().nullable(),
      roi: z.number().nullable(),
      laterReturnRate: z.number().nullable(),
    }),
  ),
  timeline: z.array(z.object({ date: z.string(), sent: z.number(), redeemed: z.number() })),
});
export type ProgrammeReportView = z.infer<typeof ProgrammeReportView>;
export const ProgrammeDetail = z.object({ programme: ProgrammeView, report: ProgrammeReportView });
export type ProgrammeDetail = z.infer<typeof ProgrammeDetail>;

const Variant = z.strictObject({ key: z.string().min(1).max(20).regex(/^[A-Za-z0-9_-]+$/), platformCouponId: z.string().min(1).max(64), weight: z.number().int().min(1).max(100).default(1), messages: Messages.nullish() });

export const CreateProgrammeBody = z.strictObject({
  shopId: z.string().min(1).max(64),
  name: z.string().trim().min(1).max(120),
  kind: z.enum(['return_visit', 'loyalty', 'winback']),
  schedule: z.strictObject({ afterDeliveryDays: z.number().int().min(1).max(60).optional(), memberDays: z.array(z.number().int().min(1).max(31)).max(31).optional(), birthday: z.boolean().optional(), inactiveDays: z.number().int().min(14).max(365).optional() }),
  segments: z.array(z.enum(SEGMENTS)).max(6).default([]),
  holdoutPercent: z.number().int().min(0).max(50),
  budget: money,
  channel: z.enum(['tiktok_chat', 'email', 'whatsapp']).default('tiktok_chat'),
  maxMinSpend: money.nullable().default(null),
  maxFaceValue: money.nullable().default(null),
  messages: Messages.default({}),
  whatsappTemplate: WhatsAppTemplateBody.nullable().default(null),
  variants: z.array(Variant).min(1).max(5),
});
export type CreateProgrammeBody = z.input<typeof CreateProgrammeBody>;

export const UpdateProgrammeBody = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  status: z.enum(['active', 'paused']).optional(),
  schedule: CreateProgrammeBody.shape.schedule.optional(),
  segments: z.array(z.enum(SEGMENTS)).max(6).optional(),
  holdoutPercent: z.number().int().min(0).max(50).optional(),
  budget: money.optional(),
  maxMinSpend: money.nullable().optional(),
  maxFaceValue: money.nullable().optional(),
  messages: Messages.optional(),
  whatsappTemplate: WhatsAppTemplateBody.nullable().optional(),
});
export type UpdateProgrammeBody = z.infer<typeof UpdateProgrammeBody>;

export const ShopQuery = z.strictObject({ shopId: z.string().min(1).max(64) });
export const ProgrammesQuery = z.strictObject({ shopId: z.string().min(1).max(64).optional() });
export const SendableQuery = z.strictObject({ shopId: z.string().min(1).max(64), buyerId: z.string().min(1).max(64) });
export const SendableView = z.object({ items: z.array(PlatformCouponView), contact: z.object({ allowed: z.boolean(), reasons: z.array(z.string()), notBefore: z.string().nullable() }) });
export type SendableView = z.infer<typeof SendableView>;
export const IssueBody = z.strictObject({ shopId: z.string().min(1).max(64), buyerId: z.string().min(1).max(64), platformCouponId: z.string().min(1).max(64), ticketId: z.string().min(1).max(64).nullish(), text: z.string().max(2000).nullish() });
export const SyncView = z.object({ coupons: z.number() });
export const RunView = z.object({ planned: z.number(), heldOut: z.number(), skipped: z.record(z.string(), z.number()) });
export const ReportQuery = z.strictObject({ format: z.enum(['json', 'csv']).default('json') });
