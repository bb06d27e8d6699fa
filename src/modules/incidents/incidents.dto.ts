import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/pagination.dto.js';
import { COMPENSATION_KINDS, INCIDENT_CHANNELS, INCIDENT_LANGUAGES, INCIDENT_STATUSES, ROOT_CAUSES } from './incidents.rules.js';

const ids = z.array(z.string().min(1).max(128)).max(200);
const when = z.string().datetime({ offset: true });

export const IncidentPatternSchema = z.strictObject({
  productIds: ids.optional(),
  skuIds: ids.optional(),
  livestreamIds: ids.optional(),
  videoIds: ids.optional(),
  adCampaignIds: ids.optional(),
  carriers: z.array(z.string().min(1).max(100)).max(20).optional(),
  placedFrom: when.optional(),
  placedTo: when.optional(),
  deliveredFrom: when.optional(),
  deliveredTo: when.optional(),
  lots: z.array(z.string().trim().min(1).max(100)).max(200).optional(),
  includeCancelled: z.boolean().optional(),
  includeRefunded: z.boolean().optional(),
});

export const Messages = z.strictObject(Object.fromEntries(INCIDENT_LANGUAGES.map((l) => [l, z.string().trim().min(1).max(1500).optional()])) as Record<(typeof INCIDENT_LANGUAGES)[number], z.ZodOptional<z.ZodString>>);

export const CompensationInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('coupon'), platformCouponId: z.string().min(1).max(64) }),
  z.strictObject({ kind: z.literal('partial_refund'), amount: z.number().int().positive().max(100_000_00) }),
  z.strictObject({ kind: z.literal('reship'), unitCost: z.number().int().nonnegative().max(100_000_00) }),
]);

export const DeclareBody = z.strictObject({
  shopId: z.string().min(1).max(64),
  title: z.string().trim().min(1).max(200),
  pattern: IncidentPatternSchema,
  channels: z.array(z.enum(INCIDENT_CHANNELS)).min(1).max(3).optional(),
  deadlineHours: z.number().int().min(1).max(720).optional(),
});
export type DeclareBody = z.infer<typeof DeclareBody>;

export const UpdateBody = z.strictObject({
  title: z.string().trim().min(1).max(200).optional(),
  pattern: IncidentPatternSchema.optional(),
  channels: z.array(z.enum(INCIDENT_CHANNELS)).min(1).max(3).optional(),
  deadlineHours: z.number().int().min(1).max(720).optional(),
  messages: Messages.optional(),
  compensation: CompensationInput.optional(),
  excludedBuyerIds: z.array(z.string().min(1).max(64)).max(10_000).optional(),
});
export type UpdateBody = z.infer<typeof UpdateBody>;

export const CloseBody = z.strictObject({
  rootCause: z.enum(ROOT_CAUSES),
  fix: z.string().trim().min(1).max(2000),
  followUps: z.array(z.strictObject({ kind: z.enum(['listing', 'product', 'ad_copy', 'creator_content', 'other']), title: z.string().trim().min(1).max(300) })).max(10).optional(),
  excludeSource: z.boolean().optional(),
});
export type CloseBody = z.infer<typeof CloseBody>;

export const PreviewQuery = z.strictObject({ language: z.enum(INCIDENT_LANGUAGES).optional() });
export const TestSendBody = z.strictObject({ language: z.enum(INCIDENT_LANGUAGES) });
export const ApproveBody = z.strictObject({ note: z.string().max(1000).optional() }).nullish();
export const ListQuery = z.strictObject({ ...pageQuery, status: z.enum(INCIDENT_STATUSES).optional() });
export const MembersQuery = z.strictObject({ ...pageQuery, delta: z.enum(['true', 'false']).optional() });
export const ShopQuery = z.strictObject({ shopId: z.string().min(1).max(64) });
export const TicketParams = z.strictObject({ ticketId: z.string().min(1).max(64) });
export const ApplyBody = z.strictObject({ ticketId: z.string().min(1).max(64) });
export const DeltaBody = z.strictObject({ include: z.boolean() });

const counts = z.record(z.string(), z.number());

export const ProposalView = z.object({ key: z.string(), reason: z.string(), recent: z.number(), baseline: z.number(), expected: z.number(), pValue: z.number(), ticketIds: z.array(z.string()) });

export const IncidentView = z.object({
  id: z.string(),
  shopId: z.string(),
  title: z.string(),
  status: z.enum(INCIDENT_STATUSES),
  pattern: IncidentPatternSchema,
  channels: z.array(z.enum(INCIDENT_CHANNELS)),
  deadlineHours: z.number(),
  messages: z.record(z.string(), z.string()),
  compensation: z.object({ kind: z.enum(COMPENSATION_KINDS), platformCouponId: z.string().optional(), faceValue: z.number().optional(), amount: z.number().optional(), unitCost: z.number().optional(), currency: z.string().optional() }),
  currency: z.string(),
  totalCost: z.number(),
  approvalReason: z.string().nullable(),
  excludedBuyerIds: z.array(z.string()),
  proposal: ProposalView.nullable(),
  declaredBy: z.string().nullable(),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  frozenAt: z.string().nullable(),
  sendStartedAt: z.string().nullable(),
  rootCause: z.string().nullable(),
  fix: z.string().nullable(),
  closedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type IncidentView = z.infer<typeof IncidentView>;
export const IncidentList = pageOf(IncidentView);

export const EstimateView = z.object({ channel: z.enum(INCIDENT_CHANNELS), buyers: z.number(), finishAt: z.string().nullable(), afterDeadline: z.number() });

export const AudienceView = z.object({
  frozen: z.boolean(),
  total: z.number(),
  excluded: z.number(),
  complained: z.number(),
  withoutComplaint: z.number(),
  byMarket: counts,
  byLanguage: counts,
  reachable: counts,
  unreachable: z.number(),
  perChannel: counts,
  estimate: z.array(EstimateView),
  deadlineAt: z.string(),
  totalCost: z.number(),
  currency: z.string(),
  needsApproval: z.boolean(),
  approvalReason: z.string(),
  /** Buyers who match now but were not in the frozen audience (null before the freeze). */
  delta: z.object({ added: z.number(), gone: z.number(), pendingDecision: z.number() }).nullable(),
});
export type AudienceView = z.infer<typeof AudienceView>;

export const MemberView = z.object({
  buyerId: z.string(),
  buyerName: z.string().nullable(),
  orderNumber: z.string(),
  orderCount: z.number(),
  language: z.string(),
  country: z.string().nullable(),
  complained: z.boolean(),
  channel: z.enum(INCIDENT_CHANNELS).nullable(),
  unreachableReason: z.string().nullable(),
  excluded: z.boolean(),
  addedAfterFreeze: z.boolean(),
  state: z.string(),
});
export type MemberView = z.infer<typeof MemberView>;
export const MemberList = pageOf(MemberView);

export const PreviewView = z.object({
  items: z.array(z.object({ language: z.enum(INCIDENT_LANGUAGES), template: z.string().nullable(), text: z.string().nullable(), unknownVariables: z.array(z.string()), sampleBuyer: z.string().nullable() })),
});
export const TestSendView = z.object({ to: z.string(), outboxId: z.string() });

const breakdown = z.object({ targeted: z.number(), queued: z.number(), sent: z.number(), failed: z.number(), paused: z.number(), cancelled: z.number(), unreachable: z.number(), replied: z.number(), accepted: z.number() });
export const StatusView = z.object({
  id: z.string(),
  status: z.enum(INCIDENT_STATUSES),
  targeted: z.number(),
  queued: z.number(),
  sent: z.number(),
  failed: z.number(),
  paused: z.number(),
  cancelled: z.number(),
  unreachable: z.number(),
  deferred: z.number(),
  replied: z.number(),
  accepted: z.number(),
  stillOpen: z.number(),
  returnsAfter: z.number(),
  failures: z.array(z.object({ reason: z.string(), count: z.number() })),
  byLanguage: z.record(z.string(), breakdown),
  byChannel: z.record(z.string(), breakdown),
  estimatedFinishAt: z.string().nullable(),
  series: z.array(z.object({ at: z.string(), sent: z.number(), replied: z.number() })),
});
export type StatusView = z.infer<typeof StatusView>;

export const BannerView = z.object({
  items: z.array(z.object({ incidentId: z.string(), title: z.string(), status: z.enum(INCIDENT_STATUSES), language: z.string(), text: z.string().nullable(), compensation: IncidentView.shape.compensation, applied: z.boolean() })),
});
export const ApplyView = z.object({ messageId: z.string(), couponLedgerId: z.string().nullable() });
export const ChoicesView = z.object({
  products: z.array(z.object({ productId: z.string(), name: z.string(), lines: z.number() })),
  sources: z.array(z.object({ type: z.string(), id: z.string(), name: z.string().nullable(), lines: z.number() })),
  coupons: z.array(z.object({ id: z.string(), title: z.string(), faceValue: z.number(), currency: z.string() })),
});
export const ProposeView = z.object({ proposed: z.array(IncidentView) });

export * from './incidents.lots.dto.js';
