import { z } from 'zod';

const days = z.number().int().min(1).max(36500).nullable();

export const RetentionSettings = z.strictObject({
  closedTicketContentDays: days,
  webhookBodyDays: days,
  orderPersonalDays: days,
});
export type RetentionSettings = z.infer<typeof RetentionSettings>;

export const BuyerParams = z.strictObject({ id: z.string().min(1).max(64) });
export const BuyerSearchQuery = z.strictObject({ q: z.string().min(2).max(200) });

export const BuyerMatch = z.object({ id: z.string(), displayName: z.string().nullable(), email: z.string().nullable(), platform: z.string(), orders: z.number() });

export const HeldBackView = z.object({
  recordId: z.string().optional(),
  caseId: z.string(),
  caseType: z.string().optional(),
  reason: z.literal('legal_claims'),
  basis: z.literal('GDPR Art. 17(3)(e)'),
  why: z.string(),
});

export const ErasureReport = z.object({
  erasureId: z.string(),
  buyerId: z.string(),
  erasedAt: z.string(),
  /** Rows changed per table. */
  erased: z.record(z.string(), z.number()),
  filesRemoved: z.number(),
  heldBack: z.array(HeldBackView),
});
export type ErasureReport = z.infer<typeof ErasureReport>;

/** The export is one JSON document: every module's part under its name. */
export const BuyerExport = z.object({
  format: z.literal('afterdesk.buyer-export.v1'),
  exportedAt: z.string(),
  orgId: z.string(),
  buyerId: z.string(),
  modules: z.record(z.string(), z.record(z.string(), z.unknown())),
  erasures: z.array(ErasureReport),
});
export type BuyerExport = z.infer<typeof BuyerExport>;
/** The export as the HTTP answer gives it: the organisation is the caller's own, so it is left out. */
export const BuyerExportView = BuyerExport.omit({ orgId: true });

export const RetentionRunView = z.object({ orgId: z.string(), changed: z.record(z.string(), z.number()) });
