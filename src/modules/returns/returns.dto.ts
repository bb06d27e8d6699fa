import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/pagination.dto.js';

// The returns HTTP contract. It imports nothing server-side, so the web app imports it too.

export const GRADES = ['as_new', 'opened', 'damaged', 'not_ours', 'empty_box'] as const;

const id = z.string().min(1).max(64);
const photo = z.string().min(1).max(500);

export const EligibilityBody = z.strictObject({
  orderId: id,
  orderLineIds: z.array(id).min(1).max(100),
  reasonCode: z.string().min(1).max(60).nullable().optional(),
  photos: z.array(photo).max(20).optional(),
  language: z.string().min(2).max(10).optional(),
});

export const CreateReturnBody = z.strictObject({
  orderId: id,
  orderLineIds: z.array(id).min(1).max(100),
  reasonCode: z.string().min(1).max(60).nullable().optional(),
  note: z.string().max(5_000).nullable().optional(),
  photos: z.array(photo).max(20).optional(),
  channel: z.enum(['self_service', 'agent']).default('agent'),
  ticketId: id.nullable().optional(),
  resolution: z.enum(['refund', 'exchange', 'no_refund']).optional(),
  exchangeSku: z.string().min(1).max(100).nullable().optional(),
  language: z.string().min(2).max(10).nullable().optional(),
});

export const FromPlatformBody = z.strictObject({
  reasonCode: z.string().min(1).max(60).nullable().optional(),
  ticketId: id.nullable().optional(),
  platformRefunded: z.boolean().optional(),
});

export const ReceiveBody = z.strictObject({ trackingNumber: z.string().min(1).max(100).nullable().optional(), note: z.string().max(2_000).nullable().optional() });
export const InspectBody = z.strictObject({ grade: z.enum(GRADES), note: z.string().max(2_000).nullable().optional(), photos: z.array(photo).max(20).optional() });
export const DecideBody = z.strictObject({
  decision: z.enum(['refund_anyway', 'reject']),
  note: z.string().trim().min(1).max(2_000),
  /** For a TikTok return: one of the names `GET /api/returns/:id/reject-reasons` lists (the platform takes no other). */
  rejectReason: z.string().trim().min(1).max(200).optional(),
});
/** The reasons the platform accepts for rejecting this return now (none for our own returns). */
export const RejectReasonsView = z.object({ items: z.array(z.object({ name: z.string(), text: z.string().nullable() })) });
export const AppealBody = z.strictObject({ outcome: z.enum(['won', 'lost']) });
export const LookupQuery = z.strictObject({ code: z.string().trim().min(1).max(100) });
export const ListQuery = z.strictObject({
  status: z.enum(['awaiting_parcel', 'received', 'inspected', 'inspection_failed', 'appeal_open', 'closed', 'rejected']).optional(),
  shopId: id.optional(),
  orderId: id.optional(),
  ...pageQuery,
});
export const LangQuery = z.strictObject({ lang: z.enum(['en', 'de', 'fr', 'it', 'es']).optional() });

const Labels = z.strictObject({ en: z.string().min(1).max(120), de: z.string().min(1).max(120), fr: z.string().min(1).max(120), it: z.string().min(1).max(120), es: z.string().min(1).max(120), 'zh-CN': z.string().min(1).max(120) });
export const ReasonTreeBody = z.strictObject({
  nodes: z
    .array(z.strictObject({ code: z.string().regex(/^[a-z][a-z0-9_]{1,59}$/), parent: z.string().nullable(), faultOwner: z.enum(['buyer', 'seller', 'carrier', 'platform']), labels: Labels, photosRequired: z.boolean() }))
    .min(1)
    .max(200),
});

export const StockBody = z.strictObject({ sku: z.string().min(1).max(100), productId: id, label: z.string().min(1).max(200), available: z.number().int().min(0).max(1_000_000) });
export const StatsQuery = z.strictObject({ shopId: id.optional(), days: z.coerce.number().int().min(1).max(365).optional() });
export const SwitchBody = z.strictObject({ note: z.string().max(2_000).nullable().optional() });

// ---------- answers ----------

const FaultOwner = z.enum(['buyer', 'seller', 'carrier', 'platform']);
const LabelsView = z.object({ en: z.string(), de: z.string(), fr: z.string(), it: z.string(), es: z.string(), 'zh-CN': z.string() });

export const ReasonNodeView = z.object({ code: z.string(), parent: z.string().nullable(), faultOwner: FaultOwner, labels: LabelsView, photosRequired: z.boolean() });
export const ReasonTreeView = z.object({ id: z.string(), version: z.number(), nodes: z.array(ReasonNodeView) });
export const ReasonTreeQuery = z.strictObject({ version: z.coerce.number().int().min(1).optional() });
/** One saved version of the reason tree (who saved it, when, how many reasons it has). */
export const ReasonTreeVersionView = z.object({ id: z.string(), version: z.number(), createdBy: z.string(), createdAt: z.string(), nodeCount: z.number() });
export type ReasonTreeVersionView = z.infer<typeof ReasonTreeVersionView>;
export type ReasonTreeView = z.infer<typeof ReasonTreeView>;

export const EligibilityView = z.object({
  eligible: z.boolean(),
  reasons: z.array(
    z.object({
      code: z.enum(['not_delivered', 'window_closed', 'final_sale', 'reason_required', 'already_returned', 'no_lines', 'photos_required']),
      message: z.string(),
      lineId: z.string().optional(),
    }),
  ),
  windowEndsAt: z.string().nullable(),
});
export type EligibilityView = z.infer<typeof EligibilityView>;

const ReasonSnapshotView = z.object({ treeId: z.string(), version: z.number(), code: z.string(), path: z.array(z.string()), label: z.string(), faultOwner: FaultOwner });

export const ReturnLineView = z.object({
  id: z.string(),
  orderLineId: z.string(),
  sku: z.string(),
  productName: z.string(),
  category: z.string().nullable(),
  unitPrice: z.number(),
  paid: z.number(),
  restockingFee: z.number(),
  couponClawback: z.number(),
  refund: z.number(),
  reason: ReasonSnapshotView.nullable(),
});
export type ReturnLineView = z.infer<typeof ReturnLineView>;

export const ReturnView = z.object({
  id: z.string(),
  rma: z.string(),
  shopId: z.string(),
  orderId: z.string(),
  buyerId: z.string().nullable(),
  ticketId: z.string().nullable(),
  platformReturnId: z.string().nullable(),
  channel: z.enum(['tiktok', 'self_service', 'agent']),
  status: z.enum(['requested', 'awaiting_parcel', 'received', 'inspected', 'refund_pending', 'refunded', 'closed', 'inspection_failed', 'appeal_open', 'rejected']),
  resolution: z.enum(['refund', 'exchange', 'no_refund']),
  reason: ReasonSnapshotView.nullable(),
  buyerNote: z.string().nullable(),
  photos: z.array(z.string()),
  language: z.string(),
  policy: z.object({
    windowDays: z.number(),
    noReasonReturns: z.boolean(),
    returnShippingPaidBy: z.enum(['buyer', 'seller']),
    restockingFeePercent: z.number(),
    refundTrigger: z.enum(['on_request', 'on_receipt', 'on_inspection_pass']),
    finalSaleCategories: z.array(z.string()),
  }),
  refundTrigger: z.enum(['on_request', 'on_receipt', 'on_inspection_pass']),
  currency: z.string(),
  refundTotal: z.number(),
  couponRule: z
    .object({ applied: z.boolean(), rule: z.enum(['keep_discount', 'claw_back']), keptListPrice: z.number(), minSpend: z.number(), clawback: z.number(), note: z.string() })
    .nullable(),
  trackingNumber: z.string().nullable(),
  lines: z.array(ReturnLineView),
  receipt: z.object({ at: z.string().nullable(), by: z.string().nullable() }),
  inspection: z.object({ at: z.string().nullable(), by: z.string().nullable(), grade: z.enum(GRADES).nullable(), passed: z.boolean().nullable(), note: z.string().nullable(), photos: z.array(z.string()) }),
  refund: z.object({
    // not_due, pending, sent, failed, not_applicable, platform_refunded, held or cancelled
    status: z.string(),
    remedyId: z.string().nullable(),
    at: z.string().nullable(),
    platformRefundedAt: z.string().nullable(),
    failedStep: z.string().nullable(),
  }),
  appeal: z.object({ status: z.enum(['open', 'won', 'lost']), deadline: z.string().nullable() }).nullable(),
  payoutHold: z.object({ reason: z.string(), since: z.string() }).nullable(),
  exchange: z.object({ sku: z.string(), label: z.string(), status: z.enum(['reserved', 'out_of_stock', 'released', 'shipped']), fallback: z.string().nullable() }).nullable(),
  cycleTime: z.object({
    totalMs: z.number().nullable(),
    steps: z.array(z.object({ step: z.string(), from: z.string(), to: z.string(), ms: z.number() })),
    slowest: z.object({ step: z.string(), ms: z.number() }).nullable(),
  }),
  requestedAt: z.string(),
  closedAt: z.string().nullable(),
});
export type ReturnView = z.infer<typeof ReturnView>;
export const ReturnPage = pageOf(ReturnView);

export const ImportResultView = z.object({
  created: z.array(z.object({ platformReturnId: z.string(), returnId: z.string(), rma: z.string() })),
  skipped: z.array(z.object({ platformReturnId: z.string(), code: z.string(), reasons: z.unknown() })),
  /** Open requests without an RMA not judged this time (over the limit of a run); a person's import only. */
  remaining: z.number().int().optional(),
});

export const CycleStatsView = z.object({
  days: z.number(),
  count: z.number(),
  medianMs: z.number().nullable(),
  p90Ms: z.number().nullable(),
  slowestSteps: z.array(z.object({ step: z.string(), count: z.number() })),
  meanByStep: z.array(z.object({ step: z.string(), ms: z.number() })),
});
export type CycleStatsView = z.infer<typeof CycleStatsView>;

export const InstructionsView = z.object({ language: z.string(), text: z.string() });

export const ExchangeStockView = z.object({ shopId: z.string(), sku: z.string(), productId: z.string(), label: z.string(), available: z.number(), reserved: z.number() });
export type ExchangeStockView = z.infer<typeof ExchangeStockView>;

// ---------- issue 13: returns you can run, platform requests decided in place ----------

export const CancelBody = z.strictObject({ note: z.string().trim().min(1).max(2_000) });
export const PlatformDecisionBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  /** For a rejection: one of the names `GET /api/platform-returns/:id/reject-reasons` lists. */
  rejectReason: z.string().trim().min(1).max(200).optional(),
  comment: z.string().trim().max(1_000).optional(),
  /** The ticket the agent decides from: the note and the evidence go there. */
  ticketId: id.optional(),
  /** Evidence photos (sha256 of files uploaded through /api/evidence/files). */
  images: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(10).optional(),
});
export const PlatformDecisionView = z.object({ outboxId: z.string(), decision: z.string(), handler: z.string() });
