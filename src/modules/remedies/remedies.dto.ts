import { z } from 'zod';
import { PROBLEM_CATEGORIES } from './remedies.rules.js';

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
  limit: z.coerce.number().int().min(1).max(200).optional(),
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
