import { z } from 'zod';
import { PROBLEM_CATEGORIES } from '../remedies/remedies.dto.js';

/*
 * Playbooks (issue 16, part 2): standard procedures per problem category, the per-ticket run of a
 * procedure (checklist state, "new agent" walk-through), and proactive notices per product with
 * their hold-out report. The web app imports these types.
 */

export const ProcedureCategory = z.enum(PROBLEM_CATEGORIES);
export type ProcedureCategory = z.infer<typeof ProcedureCategory>;

/** Staff-facing text: English always, Chinese for the seller's team where written. */
export const StaffText = z.strictObject({ en: z.string().trim().min(1).max(2000), 'zh-CN': z.string().trim().min(1).max(2000).optional() });
export type StaffText = z.infer<typeof StaffText>;

export const ProcedureStep = z.strictObject({
  title: StaffText,
  detail: StaffText.nullish(),
  checks: z.array(StaffText).max(12).default([]),
});
export type ProcedureStep = z.infer<typeof ProcedureStep>;

const Tier = z.union([z.literal(1), z.literal(2), z.literal(3)]);

export const SaveProcedure = z.strictObject({
  title: StaffText,
  steps: z.array(ProcedureStep).min(1).max(12),
  /** The remedy ladder rung to offer (null: no remedy, information only). */
  remedyTier: Tier.nullable(),
  escalateWhen: StaffText,
  /** Escalate when the ticket is still open this many hours after the procedure started (null: no time rule). */
  escalateAfterHours: z.number().int().min(1).max(720).nullable().default(null),
  active: z.boolean().default(true),
});
export type SaveProcedure = z.infer<typeof SaveProcedure>;

export const CategoryParams = z.strictObject({ category: ProcedureCategory });
export const RestoreVersion = z.strictObject({ version: z.number().int().min(1) });

export const ProcedureView = z.object({
  id: z.string(),
  category: ProcedureCategory,
  version: z.number().int(),
  title: z.record(z.string(), z.string()),
  steps: z.array(z.object({ title: z.record(z.string(), z.string()), detail: z.record(z.string(), z.string()).nullable(), checks: z.array(z.record(z.string(), z.string())) })),
  remedyTier: z.number().int().nullable(),
  escalateWhen: z.record(z.string(), z.string()),
  escalateAfterHours: z.number().int().nullable(),
  active: z.boolean(),
  updatedBy: z.string().nullable(),
  updatedByName: z.string().nullable(),
  updatedAt: z.string(),
});
export type ProcedureView = z.infer<typeof ProcedureView>;

export const ProcedureVersionView = z.object({
  version: z.number().int(),
  title: z.record(z.string(), z.string()),
  stepCount: z.number().int(),
  remedyTier: z.number().int().nullable(),
  active: z.boolean(),
  authorUserId: z.string().nullable(),
  authorName: z.string().nullable(),
  createdAt: z.string(),
});
export type ProcedureVersionView = z.infer<typeof ProcedureVersionView>;

export const RunAction = z.enum(['start', 'check', 'uncheck', 'next', 'back', 'complete', 'reopen']);
export type RunAction = z.infer<typeof RunAction>;
export const RunProcedure = z.strictObject({
  /** The category the agent works the ticket under (default: the one the ticket suggests). */
  category: ProcedureCategory.optional(),
  action: RunAction,
  /** For check/uncheck: which step and which check in it (0-based). */
  step: z.number().int().min(0).max(11).optional(),
  check: z.number().int().min(0).max(11).optional(),
});
export type RunProcedure = z.infer<typeof RunProcedure>;
export const TicketProcedureQuery = z.strictObject({ category: ProcedureCategory.optional() });

export const RunView = z.object({
  id: z.string(),
  category: ProcedureCategory,
  version: z.number().int(),
  step: z.number().int(),
  /** "step.check" keys of ticked checks. */
  checked: z.array(z.string()),
  log: z.array(z.object({ at: z.string(), by: z.string().nullable(), action: z.string(), step: z.number().nullable(), check: z.number().nullable() })),
  completedAt: z.string().nullable(),
  startedAt: z.string(),
});
export type RunView = z.infer<typeof RunView>;

export const TicketProcedureView = z.object({
  category: ProcedureCategory,
  /** How the category was found: the agent's run, a remedy on the ticket, the buyer's words, or none. */
  source: z.enum(['run', 'remedy', 'text', 'chosen', 'default']),
  procedure: ProcedureView.nullable(),
  run: RunView.nullable(),
  /** The run was made on an older version of the procedure than the current one. */
  outdated: z.boolean(),
  /** The procedure's time rule says this ticket should be escalated now. */
  escalateNow: z.boolean(),
});
export type TicketProcedureView = z.infer<typeof TicketProcedureView>;

// ---------- proactive notices ----------

export const NOTICE_LANGUAGES = ['en', 'de', 'fr', 'it', 'es'] as const;
export const NoticeLanguage = z.enum(NOTICE_LANGUAGES);
export const NoticeTrigger = z.enum(['purchase', 'shipping', 'delivery']);
export type NoticeTrigger = z.infer<typeof NoticeTrigger>;

export const NoticeTexts = z
  .partialRecord(NoticeLanguage, z.string().trim().min(1).max(1000))
  .refine((t) => typeof t.en === 'string', { message: 'an English text (en) is required as the fallback', path: ['en'] });

export const CreateNotice = z.strictObject({
  shopId: z.string().max(64),
  /** The platform's product id (as order lines carry it). */
  productId: z.string().trim().min(1).max(64),
  trigger: NoticeTrigger,
  delayHours: z.number().int().min(0).max(2160),
  texts: NoticeTexts,
  /** Share of orders that get no notice, to measure the effect (0–90). */
  holdoutPercent: z.number().int().min(0).max(90).default(20),
});
export type CreateNotice = z.infer<typeof CreateNotice>;
export const UpdateNotice = z.strictObject({
  trigger: NoticeTrigger.optional(),
  delayHours: z.number().int().min(0).max(2160).optional(),
  texts: NoticeTexts.optional(),
  holdoutPercent: z.number().int().min(0).max(90).optional(),
  active: z.boolean().optional(),
});
export type UpdateNotice = z.infer<typeof UpdateNotice>;
export const NoticeListQuery = z.strictObject({ shopId: z.string().max(64).optional() });

export const NoticeView = z.object({
  id: z.string(),
  shopId: z.string(),
  productId: z.string(),
  productName: z.string(),
  trigger: NoticeTrigger,
  delayHours: z.number().int(),
  texts: z.record(z.string(), z.string()),
  holdoutPercent: z.number().int(),
  active: z.boolean(),
  startsAt: z.string(),
  updatedAt: z.string(),
});
export type NoticeView = z.infer<typeof NoticeView>;

export const ProductOptionView = z.object({ shopId: z.string(), productId: z.string(), productName: z.string(), lines: z.number().int() });
export type ProductOptionView = z.infer<typeof ProductOptionView>;

const Interval = z.object({ estimate: z.number(), low: z.number(), high: z.number() });
const ArmRates = z.object({ orders: z.number().int(), complaints: z.number().int(), returns: z.number().int(), complaintRate: z.number().nullable(), returnRate: z.number().nullable() });
export const NoticeReportView = z.object({
  noticeId: z.string(),
  sent: z.number().int(),
  planned: z.number().int(),
  refused: z.number().int(),
  waiting: z.number().int(),
  failed: z.number().int(),
  treatment: ArmRates,
  holdout: ArmRates,
  /** Difference treatment − hold-out with its 95 % interval; negative means fewer with the notice. */
  complaintLift: z.object({ diff: Interval.nullable(), verdict: z.enum(['fewer', 'more', 'inconclusive']) }),
  returnLift: z.object({ diff: Interval.nullable(), verdict: z.enum(['fewer', 'more', 'inconclusive']) }),
});
export type NoticeReportView = z.infer<typeof NoticeReportView>;

export const NoticeRunView = z.object({ found: z.number().int(), planned: z.number().int(), heldOut: z.number().int(), refused: z.number().int(), deferred: z.number().int() });
export type NoticeRunView = z.infer<typeof NoticeRunView>;
