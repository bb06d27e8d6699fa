import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/pagination.dto.js';

// The remedies HTTP contract. It imports nothing server-side, so the web app imports it too.

export const PROBLEM_CATEGORIES = [
  'logistics_question',
  'minor_flaw',
  'not_as_described',
  'size_fit',
  'colour_difference',
  'severe_damage',
  'wrong_item',
  'missing_item',
  'changed_mind',
  'other',
] as const;

const id = z.string().min(1).max(64);
export const ProblemCategorySchema = z.enum(PROBLEM_CATEGORIES);
const ProblemCategory = ProblemCategorySchema;
export const FaultOwnerEnum = z.enum(['buyer', 'seller', 'carrier', 'platform']);
const money = z.number().int().min(0).max(100_000_000);

export const SuggestBody = z.strictObject({ text: z.string().min(1).max(10_000) });

export const QuoteBody = z.strictObject({
  orderId: id,
  orderLineIds: z.array(id).max(100).optional(),
  ticketId: id.optional(),
  category: ProblemCategory.optional(),
  text: z.string().max(10_000).optional(),
});
export type QuoteBody = z.infer<typeof QuoteBody>;

export const ProposeBody = z.strictObject({
  orderId: id,
  orderLineIds: z.array(id).max(100).optional(),
  ticketId: id.optional(),
  returnId: id.optional(),
  platformReturnId: id.optional(),
  category: ProblemCategory,
  suggestedCategory: ProblemCategory.optional(),
  faultOwner: FaultOwnerEnum.optional(),
  optionKey: z.string().min(1).max(100),
  reason: z.string().trim().max(2_000).optional(),
  message: z.string().trim().max(2_000).optional(),
});
export type ProposeBody = z.infer<typeof ProposeBody>;

export const DecisionBody = z.strictObject({ note: z.string().trim().max(2_000).optional() });
export const RequiredNoteBody = z.strictObject({ note: z.string().trim().min(1).max(2_000) });
export const StepParams = z.strictObject({ id, step: z.enum(['refund', 'approve_return', 'reship', 'message']) });
export const ShopParams = z.strictObject({ shopId: id });

export const RemedyListQuery = z.strictObject({
  status: z.enum(['proposed', 'pending_approval', 'rejected', 'executing', 'attention', 'completed', 'abandoned']).optional(),
  ticketId: id.optional(),
  returnId: id.optional(),
  ...pageQuery,
});

const Coupon = z.strictObject({ percent: z.number().int().min(0).max(100), fixedAmount: money, minSpend: money, validDays: z.number().int().min(1).max(730) });
export const LadderBody = z.strictObject({
  tiers: z.strictObject({
    1: z.strictObject({ coupon: Coupon }),
    2: z.strictObject({ partialRefundPercent: z.number().int().min(0).max(100), coupon: Coupon, allowReship: z.boolean() }),
    3: z.strictObject({ coupon: Coupon, apologyCard: z.boolean(), allowReship: z.boolean() }),
  }),
  startTier: z.record(ProblemCategory, z.union([z.literal(1), z.literal(2), z.literal(3)])),
  vipLifetimeValue: money,
});

export const SettingsBody = z.strictObject({
  ladder: LadderBody.optional(),
  highTicketThreshold: money.nullable().optional(),
  couponMinimumRule: z.enum(['claw_back', 'keep_discount']).optional(),
  defaultCostPercent: z.number().int().min(0).max(100).optional(),
  defaultResalePercent: z.number().int().min(0).max(100).optional(),
  returnShipping: money.optional(),
  outboundShipping: money.optional(),
});

export const EconomicsBody = z.strictObject({
  key: z.string().regex(/^(product|category):.{1,100}$/, 'must be product:<id> or category:<name>'),
  itemCost: money,
  resalePercent: z.number().int().min(0).max(100),
});

// ---------- answers ----------

const RemedyKindEnum = z.enum(['information', 'partial_refund', 'reship', 'full_refund', 'return_refund']);
const RemedyStatusEnum = z.enum(['proposed', 'pending_approval', 'rejected', 'executing', 'attention', 'completed', 'abandoned', 'on_hold']);
const TierEnum = z.union([z.literal(1), z.literal(2), z.literal(3)]);

export const EconomicsView = z.object({
  currency: z.string(),
  paid: z.number(),
  itemCost: z.number(),
  returnShipping: z.number(),
  outboundShipping: z.number(),
  expectedResale: z.number(),
  buyerLifetimeValue: z.number(),
  sellerPaysReturn: z.boolean(),
});
export type EconomicsView = z.infer<typeof EconomicsView>;

export const SuggestionView = z.object({ category: ProblemCategorySchema, matched: z.array(z.string()), confidence: z.number() });
export type SuggestionView = z.infer<typeof SuggestionView>;

const CouponOfferView = z.object({ amount: z.number(), minSpend: z.number(), validDays: z.number(), vip: z.boolean() });

export const QuoteOptionView = z.object({
  key: z.string(),
  tier: TierEnum,
  kind: RemedyKindEnum,
  refundAmount: z.number(),
  coupon: CouponOfferView.nullable(),
  reship: z.boolean(),
  apologyCard: z.boolean(),
  givenValue: z.number(),
  netCost: z.number(),
  percentOfPaid: z.number(),
  needsApproval: z.boolean(),
  check: z.object({ allowed: z.boolean(), reason: z.enum(['within_limits', 'over_amount', 'over_percent', 'no_limit_for_currency']) }),
});
export type QuoteOptionView = z.infer<typeof QuoteOptionView>;

export const QuoteView = z.object({
  category: ProblemCategorySchema,
  suggestion: SuggestionView.nullable(),
  faultOwner: FaultOwnerEnum,
  economics: EconomicsView,
  startTier: TierEnum,
  recommendedKey: z.string(),
  why: z.array(z.string()),
  options: z.array(QuoteOptionView),
});
export type QuoteView = z.infer<typeof QuoteView>;

export const StepView = z.object({
  step: z.enum(['refund', 'approve_return', 'reship', 'message']),
  outboxId: z.string(),
  handler: z.string(),
  status: z.enum(['pending', 'running', 'done', 'failed', 'cancelled', 'held']),
  attempts: z.number(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string(),
  doneAt: z.string().nullable(),
});

export const RemedyView = z.object({
  id: z.string(),
  shopId: z.string(),
  ticketId: z.string().nullable(),
  returnId: z.string().nullable(),
  orderId: z.string(),
  orderLineIds: z.array(z.string()),
  platformReturnId: z.string().nullable(),
  language: z.string(),
  category: ProblemCategorySchema,
  suggestedCategory: ProblemCategorySchema.nullable(),
  faultOwner: FaultOwnerEnum,
  optionKey: z.string(),
  kind: RemedyKindEnum,
  tier: z.number(),
  currency: z.string(),
  paidBase: z.number(),
  refundAmount: z.number(),
  coupon: z
    .object({ code: z.string().nullable(), amount: z.number(), currency: z.string(), minSpend: z.number(), vip: z.boolean(), status: z.string(), expiresAt: z.string().nullable() })
    .nullable(),
  reship: z.boolean(),
  apologyCard: z.boolean(),
  givenValue: z.number(),
  economics: EconomicsView,
  status: RemedyStatusEnum,
  proposedBy: z.string(),
  limitCheck: z.string(),
  approvalReason: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionNote: z.string().nullable(),
  failedStep: z.string().nullable(),
  buyerMessage: z.string().nullable(),
  steps: z.array(StepView),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});
export type RemedyView = z.infer<typeof RemedyView>;
export const RemedyPage = pageOf(RemedyView);

const CouponSpecView = z.object({ percent: z.number(), fixedAmount: z.number(), minSpend: z.number(), validDays: z.number() });
export const LadderView = z.object({
  tiers: z.object({
    1: z.object({ coupon: CouponSpecView }),
    2: z.object({ partialRefundPercent: z.number(), coupon: CouponSpecView, allowReship: z.boolean() }),
    3: z.object({ coupon: CouponSpecView, apologyCard: z.boolean(), allowReship: z.boolean() }),
  }),
  startTier: z.record(z.string(), TierEnum),
  vipLifetimeValue: z.number(),
});

/** A shop's remedy settings: the stored row without its tenancy columns. */
export const RemedySettingsView = z.object({
  shopId: z.string(),
  ladder: LadderView,
  highTicketThreshold: z.number().nullable(),
  couponMinimumRule: z.enum(['claw_back', 'keep_discount']),
  defaultCostPercent: z.number(),
  defaultResalePercent: z.number(),
  returnShipping: z.number(),
  outboundShipping: z.number(),
  updatedAt: z.string(),
});
export type RemedySettingsView = z.infer<typeof RemedySettingsView>;

export const ItemEconomicsView = z.object({ id: z.string(), shopId: z.string(), key: z.string(), itemCost: z.number(), resalePercent: z.number(), updatedAt: z.string() });
export type ItemEconomicsView = z.infer<typeof ItemEconomicsView>;
