import { bigint, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { EvidenceActor, EvidenceCaseType, EvidenceKind, FileKind, Responsibility } from './evidence.dto.js';

export const evidenceFiles = pgTable('evidence_files', {
  orgId: text('org_id').notNull(),
  sha256: text('sha256').notNull(),
  contentType: text('content_type').notNull(),
  size: bigint('size', { mode: 'number' }).notNull(),
  fileName: text('file_name').notNull(),
  kind: text('kind').$type<FileKind>().notNull(),
  thumbnailSha256: text('thumbnail_sha256'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const evidenceRecords = pgTable('evidence_records', {
  /** Filled by the database from the parent row (migration 0021); brand scope reads it. */
  shopId: text('shop_id'),
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
  caseId: text('case_id').notNull(),
  caseType: text('case_type').$type<EvidenceCaseType>().notNull(),
  kind: text('kind').$type<EvidenceKind>().notNull(),
  actor: jsonb('actor').$type<EvidenceActor>().notNull(),
  occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull(),
  summary: text('summary').notNull(),
  data: jsonb('data').$type<Record<string, unknown>>().notNull(),
  fileSha256s: text('file_sha256s').array().notNull(),
  responsibility: text('responsibility').$type<Responsibility>(),
  /** The summary's key and values for readers in other languages (not part of the hash). */
  summaryKey: text('summary_key'),
  summaryParams: jsonb('summary_params').$type<Record<string, string | number | null>>(),
});

export const evidenceCheckpoints = pgTable('evidence_checkpoints', {
  orgId: text('org_id').notNull(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
  signedAt: timestamp('signed_at', { withTimezone: true }).notNull(),
  publicKey: text('public_key').notNull(),
  signature: text('signature').notNull(),
});

/** One row per organisation: the newest seq and hash ever appended (never rewinds; see 0301). */
export const evidenceHeads = pgTable('evidence_heads', {
  orgId: text('org_id').notNull().primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
  exportedSeq: bigint('exported_seq', { mode: 'number' }).notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type EvidenceRecordRow = typeof evidenceRecords.$inferSelect;
export type EvidenceFileRow = typeof evidenceFiles.$inferSelect;
export type EvidenceCheckpointRow = typeof evidenceCheckpoints.$inferSelect;

/** One dispute case per order; its evidence gathers the records of `memberCaseIds` (tickets, returns, the order). */
export const disputeCases = pgTable('dispute_cases', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  orderId: text('order_id').notNull(),
  status: text('status').$type<'open' | 'submitted' | 'won' | 'lost'>().notNull(),
  memberCaseIds: text('member_case_ids').array().notNull(),
  openedBy: text('opened_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});
