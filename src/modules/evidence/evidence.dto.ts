import { z } from 'zod';

export const EVIDENCE_KINDS = [
  'message',
  'note',
  'attachment',
  'remedy_offered',
  'remedy_approved',
  'remedy_given',
  'refund',
  'coupon',
  'reship',
  'tracking',
  'inspection',
  'classification',
  'responsibility',
  'status_change',
  'policy_snapshot',
  'order_snapshot',
] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export const CASE_TYPES = ['ticket', 'return', 'dispute', 'buyer', 'incident'] as const;
export type EvidenceCaseType = (typeof CASE_TYPES)[number];

export const RESPONSIBILITIES = ['seller', 'carrier', 'buyer', 'platform'] as const;
export type Responsibility = (typeof RESPONSIBILITIES)[number];

export const ACTOR_TYPES = ['user', 'buyer', 'system', 'platform'] as const;
export interface EvidenceActor {
  type: (typeof ACTOR_TYPES)[number];
  id?: string;
  name?: string;
}

export const FILE_KINDS = ['image', 'video', 'pdf', 'text', 'thumbnail'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

export const PACK_SECTIONS = ['customer_communication', 'shipping_documentation', 'refund_policy', 'product_description', 'uncategorised'] as const;
export type PackSection = (typeof PACK_SECTIONS)[number];

export const DISPUTE_REASONS = ['item_not_received', 'not_as_described', 'damaged', 'unauthorised', 'refund_not_received', 'account_appeal'] as const;
export type DisputeReason = (typeof DISPUTE_REASONS)[number];

export const PACK_LANGUAGES = ['en', 'de', 'fr', 'it', 'es', 'zh-CN'] as const;
export type PackLanguage = (typeof PACK_LANGUAGES)[number];

/** What a module hands to `recordEvidence` (contract 4). */
export interface EvidenceInput {
  orgId: string;
  /** `tkt_…`, `ret_…` or a dispute id. */
  caseId: string;
  caseType: EvidenceCaseType;
  kind: EvidenceKind;
  actor: EvidenceActor;
  occurredAt: Date;
  summary: string;
  data: Record<string, unknown>;
  fileSha256s?: string[];
  responsibility?: Responsibility;
}

const sha = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase sha256 hex digest');

export const EvidenceInputSchema = z.strictObject({
  orgId: z.string().min(1).max(64),
  caseId: z.string().min(1).max(64),
  caseType: z.enum(CASE_TYPES),
  kind: z.enum(EVIDENCE_KINDS),
  actor: z.strictObject({ type: z.enum(ACTOR_TYPES), id: z.string().max(128).optional(), name: z.string().max(200).optional() }),
  occurredAt: z.date(),
  summary: z.string().min(1).max(2000),
  data: z.record(z.string(), z.unknown()),
  fileSha256s: z.array(sha).max(200).optional(),
  responsibility: z.enum(RESPONSIBILITIES).optional(),
});

// ---- HTTP shapes ----
export const Sha256Params = z.strictObject({ sha256: sha });
export const CaseParams = z.strictObject({ caseId: z.string().min(1).max(64) });

export const EvidenceRecordView = z.object({
  id: z.string(),
  seq: z.number(),
  caseId: z.string(),
  caseType: z.enum(CASE_TYPES),
  kind: z.enum(EVIDENCE_KINDS),
  actor: z.object({ type: z.enum(ACTOR_TYPES), id: z.string().optional(), name: z.string().optional() }),
  occurredAt: z.string(),
  recordedAt: z.string(),
  summary: z.string(),
  /** The summary as a key and values, for readers in other languages (null: only the English summary). */
  summaryKey: z.string().nullable(),
  summaryParams: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  data: z.record(z.string(), z.unknown()),
  fileSha256s: z.array(z.string()),
  responsibility: z.enum(RESPONSIBILITIES).nullable(),
  section: z.enum(PACK_SECTIONS),
  hash: z.string(),
});
export type EvidenceRecordView = z.infer<typeof EvidenceRecordView>;

export const StoredFileView = z.object({
  sha256: z.string(),
  contentType: z.string(),
  size: z.number(),
  thumbnailSha256: z.string().optional(),
});
export type StoredFile = z.infer<typeof StoredFileView>;

export const CaseSummaryView = z.object({
  caseId: z.string(),
  caseType: z.enum(CASE_TYPES),
  records: z.number(),
  files: z.number(),
  firstAt: z.string(),
  lastAt: z.string(),
  lastSummary: z.string(),
});
export type CaseSummary = z.infer<typeof CaseSummaryView>;

export const PackWarningView = z.object({ code: z.string(), kind: z.enum(EVIDENCE_KINDS), section: z.enum(PACK_SECTIONS), message: z.string() });
export type PackWarning = z.infer<typeof PackWarningView>;

export const PackCheckQuery = z.strictObject({ reason: z.enum(DISPUTE_REASONS) });
export const PackRequest = z.strictObject({ reason: z.enum(DISPUTE_REASONS), language: z.enum(PACK_LANGUAGES).default('en') });
export const PackCheckView = z.object({
  caseId: z.string(),
  reason: z.enum(DISPUTE_REASONS),
  ready: z.boolean(),
  warnings: z.array(PackWarningView),
  sections: z.record(z.string(), z.object({ records: z.number(), files: z.number() })),
});
export type PackCheck = z.infer<typeof PackCheckView>;

export const VerifyQuery = z.strictObject({});
export const VerifyView = z.object({
  ok: z.boolean(),
  records: z.number(),
  files: z.number(),
  checkpoints: z.number(),
  /** Signed checkpoint copies found outside the database (DATA_DIR file, S3 object). */
  externalCheckpoints: z.number(),
  headSeq: z.number(),
  headHash: z.string(),
  broken: z
    .object({
      recordId: z.string().optional(),
      seq: z.number().optional(),
      problem: z.enum([
        'record_hash',
        'link',
        'sequence_gap',
        'file_missing',
        'file_hash',
        'checkpoint_signature',
        'checkpoint_mismatch',
        'checkpoint_beyond_head',
        'tail_missing',
        'head_mismatch',
        'head_missing',
        'external_checkpoint_signature',
        'external_checkpoint_mismatch',
        'external_checkpoint_beyond_head',
        'external_checkpoint_missing',
        'tombstone_signature',
      ]),
      message: z.string(),
      sha256: z.string().optional(),
    })
    .nullable(),
});
/** What the chain check reports (the CLI prints the organisation; the HTTP answer leaves it out). */
export type VerifyAnswer = z.infer<typeof VerifyView>;
export type VerifyResult = VerifyAnswer & { orgId: string };

// ---------- dispute cases (issue 13) ----------

export const DISPUTE_STATUSES = ['open', 'submitted', 'won', 'lost'] as const;
export const DisputeView = z.object({
  id: z.string(),
  shopId: z.string(),
  orderId: z.string(),
  status: z.enum(DISPUTE_STATUSES),
  /** The cases whose records the dispute's timeline and pack contain (tickets, returns, the order). */
  memberCaseIds: z.array(z.string()),
  openedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DisputeView = z.infer<typeof DisputeView>;
export const OpenDisputeBody = z.strictObject({ orderId: z.string().min(1).max(64) });
export const DisputeStatusBody = z.strictObject({ status: z.enum(DISPUTE_STATUSES), note: z.string().trim().max(2_000).optional() });
export const DisputeQuery = z.strictObject({ orderId: z.string().min(1).max(64) });
export const DisputeAnswer = z.object({ dispute: DisputeView.nullable() });
