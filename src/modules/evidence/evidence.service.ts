import { summaryKeyFor } from './evidence.summary.js';
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import fsp from 'node:fs/promises';
import { fileTypeFromBuffer, fileTypeFromFile } from 'file-type';
import sharp from 'sharp';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { decodeCursor, encodeCursor, type Page } from '../../platform/pagination.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { isTooLarge, uploadTooLarge } from '../../platform/uploads.js';
import { z } from 'zod';
import { checkpointSigner, readHead, recordEvidence, writeCheckpoint, type CheckpointSigner } from './evidence.chain.js';
import type {
  CaseSummary,
  DisputeReason,
  EvidenceInput,
  EvidenceRecordView,
  PackCheck,
  PackLanguage,
  PackSection,
  StoredFile,
  VerifyResult,
} from './evidence.dto.js';
import { buildPack, type PackOutput } from './evidence.pack.js';
import { eraseEvidenceCases, erasureSalt, purgeUnheldBytes, saltedHash, tombstoneOf, verifyTombstone, type EraseCasesResult } from './evidence.erasure.js';
import { checkpointMessage, decideFile, GENESIS_HASH, looksLikeText, MAX_FILE_BYTES, TEXT_SNIFF_BYTES, type FilePolicy, missingEvidence, recordHash, sectionFor, THUMBNAIL_TYPES } from './evidence.rules.js';
import { disputeCases, evidenceCheckpoints, evidenceFiles, evidenceHeads, evidenceRecords, type EvidenceCheckpointRow, type EvidenceFileRow, type EvidenceRecordRow } from './evidence.schema.js';

/** What the vault needs from a file store (src/integrations/storage implements it). */
export interface EvidenceFileStore {
  readonly kind: string;
  put(sha256: string, bytes: Buffer, contentType: string): Promise<void>;
  get(sha256: string): Promise<Buffer | null>;
  stream(sha256: string): Promise<Readable | null>;
  exists(sha256: string): Promise<boolean>;
  stage(source: Readable, maxBytes: number): Promise<StagedUpload>;
  putStaged(staged: StagedUpload, contentType: string): Promise<void>;
  discardStaged(staged: StagedUpload): Promise<void>;
  delete(sha256: string): Promise<void>;
}

/** An upload copied to local disk with its hash and size (see FileStore.stage). */
export interface StagedUpload {
  path: string;
  sha256: string;
  size: number;
}

/**
 * Somewhere outside the database that keeps one small document per organisation: the newest
 * signed checkpoint (src/integrations/storage: a file in DATA_DIR, an object in the S3 bucket).
 * Whoever can rewrite the database alone cannot also move these back.
 */
export interface CheckpointCopyStore {
  readonly kind: string;
  read(orgId: string): Promise<Buffer | null>;
  write(orgId: string, bytes: Buffer): Promise<void>;
}

export interface EvidenceDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  secretKey: Buffer;
  files: EvidenceFileStore;
  checkpointCopies: CheckpointCopyStore[];
}

/** The outside copy of a checkpoint: the database row's fields, signed the same way. */
const CheckpointCopy = z.object({
  v: z.literal(1),
  orgId: z.string(),
  seq: z.number().int().positive(),
  hash: z.string(),
  signedAt: z.iso.datetime(),
  publicKey: z.string(),
  signature: z.string(),
});
type CheckpointCopy = z.infer<typeof CheckpointCopy>;

function parseCopy(raw: Buffer | null): CheckpointCopy | 'unreadable' | null {
  if (!raw) return null;
  try {
    const r = CheckpointCopy.safeParse(JSON.parse(raw.toString('utf8')));
    return r.success ? r.data : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

export interface VerifyProgress {
  (done: number, total: number): void;
}

const THUMB_PX = 320;

export function recordView(r: EvidenceRecordRow): EvidenceRecordView {
  const keyed = r.summaryKey ? { key: r.summaryKey, params: r.summaryParams ?? {} } : summaryKeyFor(r.kind, r.actor, r.data);
  return {
    id: r.id,
    seq: r.seq,
    caseId: r.caseId,
    caseType: r.caseType,
    kind: r.kind,
    actor: r.actor,
    occurredAt: r.occurredAt.toISOString(),
    recordedAt: r.recordedAt.toISOString(),
    summary: r.summary,
    summaryKey: keyed?.key ?? null,
    summaryParams: keyed?.params ?? {},
    data: r.data,
    fileSha256s: r.fileSha256s,
    responsibility: r.responsibility,
    section: sectionFor(r.kind, r.data),
    hash: r.hash,
  };
}

function sha256Hex(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

async function hashStream(s: Readable): Promise<{ sha256: string; size: number }> {
  const h = crypto.createHash('sha256');
  let size = 0;
  for await (const c of s) {
    const b = c as Buffer;
    size += b.length;
    h.update(b);
  }
  return { sha256: h.digest('hex'), size };
}

export type DisputeCaseView = { id: string; shopId: string; orderId: string; status: 'open' | 'submitted' | 'won' | 'lost'; memberCaseIds: string[]; openedBy: string; createdAt: string; updatedAt: string };
function disputeView(r: typeof disputeCases.$inferSelect): DisputeCaseView {
  return { id: r.id, shopId: r.shopId, orderId: r.orderId, status: r.status, memberCaseIds: r.memberCaseIds, openedBy: r.openedBy, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() };
}

export function createEvidenceService(deps: EvidenceDeps) {
  const { db, files, clock, ids, checkpointCopies } = deps;
  const signer: CheckpointSigner = checkpointSigner(deps.secretKey);

  async function fileRow(orgId: string, sha256: string): Promise<EvidenceFileRow | undefined> {
    return db.tenant(orgId, async (tx) => {
      const [r] = await tx.select().from(evidenceFiles).where(and(eq(evidenceFiles.orgId, orgId), eq(evidenceFiles.sha256, sha256)));
      return r;
    });
  }

  async function loadCase(orgId: string, caseId: string): Promise<EvidenceRecordRow[]> {
    const rows = await db.tenant(orgId, async (tx) => {
      // A dispute case gathers its own records and those of its member cases (tickets with their
      // messages, returns, the order), in the order they happened.
      const [dispute] = caseId.startsWith('dsp_') ? await tx.select().from(disputeCases).where(and(eq(disputeCases.orgId, orgId), eq(disputeCases.id, caseId))) : [];
      const caseIds = dispute ? [caseId, ...dispute.memberCaseIds] : [caseId];
      return tx
        .select()
        .from(evidenceRecords)
        .where(and(eq(evidenceRecords.orgId, orgId), inArray(evidenceRecords.caseId, caseIds)))
        .orderBy(asc(evidenceRecords.occurredAt), asc(evidenceRecords.seq));
    });
    if (!rows.length) throw AppError.notFound('evidence_case', caseId);
    return rows;
  }

  function sectionCounts(rows: EvidenceRecordRow[]): PackCheck['sections'] {
    const out: PackCheck['sections'] = {};
    for (const s of ['customer_communication', 'shipping_documentation', 'refund_policy', 'product_description', 'uncategorised'] as PackSection[]) out[s] = { records: 0, files: 0 };
    for (const r of rows) {
      const s = out[sectionFor(r.kind, r.data)]!;
      s.records++;
      s.files += r.fileSha256s.length;
    }
    return out;
  }

  /** Plain-text check on a staged file without reading a large one whole: its head decides. */
  async function stagedLooksLikeText(staged: StagedUpload): Promise<boolean> {
    const fh = await fsp.open(staged.path, 'r');
    try {
      const head = Buffer.alloc(Math.min(staged.size, TEXT_SNIFF_BYTES));
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      return looksLikeText(head.subarray(0, bytesRead), bytesRead < staged.size);
    } finally {
      await fh.close();
    }
  }

  /**
   * Record a file whose type was decided: bytes under their hash, a thumbnail for images (from the
   * bytes or the staged file), and the organisation's rows.
   */
  async function keepFile(
    orgId: string,
    f: { sha256: string; size: number; contentType: string; kind: FilePolicy['kind']; fileName: string; source: Buffer | string; put: (contentType: string) => Promise<void> },
  ): Promise<StoredFile> {
    const { sha256 } = f;
    const existing = await fileRow(orgId, sha256);
    if (existing) {
      // A lost object (disk wiped, bucket pruned) is healed by uploading it again.
      if (!(await files.exists(sha256))) await f.put(existing.contentType);
      return { sha256, contentType: existing.contentType, size: existing.size, ...(existing.thumbnailSha256 ? { thumbnailSha256: existing.thumbnailSha256 } : {}) };
    }
    let thumbnailSha256: string | undefined;
    let thumb: Buffer | undefined;
    if (THUMBNAIL_TYPES.has(f.contentType)) {
      try {
        thumb = await sharp(f.source, { animated: false })
          .rotate()
          .resize(THUMB_PX, THUMB_PX, { fit: 'inside', withoutEnlargement: true })
          .flatten({ background: '#ffffff' })
          .jpeg({ quality: 78, mozjpeg: true })
          .toBuffer();
        thumbnailSha256 = sha256Hex(thumb);
      } catch (e) {
        // A corrupt image still counts as evidence (the buyer sent it); it just has no preview.
        deps.log.warn({ err: e, sha256 }, 'thumbnail failed');
      }
    }
    await f.put(f.contentType);
    if (thumb && thumbnailSha256) await files.put(thumbnailSha256, thumb, 'image/jpeg');
    const now = clock.now();
    const fileName = f.fileName.replace(/[\\/\u0000-\u001f]/g, '_').slice(0, 200) || 'file';
    await db.tenant(orgId, async (tx) => {
      if (thumb && thumbnailSha256) {
        await tx
          .insert(evidenceFiles)
          .values({ orgId, sha256: thumbnailSha256, contentType: 'image/jpeg', size: thumb.length, fileName: `thumb-${fileName.replace(/\.[^.]*$/, '')}.jpg`, kind: 'thumbnail', createdAt: now })
          .onConflictDoNothing();
      }
      await tx
        .insert(evidenceFiles)
        .values({ orgId, sha256, contentType: f.contentType, size: f.size, fileName, kind: f.kind, thumbnailSha256: thumbnailSha256 ?? null, createdAt: now })
        .onConflictDoNothing();
    });
    return { sha256, contentType: f.contentType, size: f.size, ...(thumbnailSha256 ? { thumbnailSha256 } : {}) };
  }

  /** Write the checkpoint to every outside store, never replacing a newer copy with an older one. */
  async function exportCheckpoint(cp: EvidenceCheckpointRow): Promise<void> {
    const doc: CheckpointCopy = { v: 1, orgId: cp.orgId, seq: cp.seq, hash: cp.hash, signedAt: cp.signedAt.toISOString(), publicKey: cp.publicKey, signature: cp.signature };
    const bytes = Buffer.from(`${JSON.stringify(doc, null, 2)}\n`);
    for (const store of checkpointCopies) {
      const existing = parseCopy(await store.read(cp.orgId));
      if (existing === 'unreadable') {
        // Overwriting it would erase what verify has to report; an operator removes it after looking.
        deps.log.warn({ orgId: cp.orgId, store: store.kind }, 'the outside evidence checkpoint is unreadable; left in place for verify');
        continue;
      }
      if (existing) {
        if (existing.seq > cp.seq) {
          deps.log.warn({ orgId: cp.orgId, store: store.kind, outside: existing.seq, head: cp.seq }, 'the outside evidence checkpoint is ahead of the chain head; left in place for verify');
          continue;
        }
        if (existing.seq === cp.seq && existing.signature === cp.signature) continue;
      }
      await store.write(cp.orgId, bytes);
    }
    await db.tenant(cp.orgId, (tx) =>
      tx
        .update(evidenceHeads)
        .set({ exportedSeq: sql`greatest(${evidenceHeads.exportedSeq}, ${cp.seq})` })
        .where(eq(evidenceHeads.orgId, cp.orgId)),
    );
  }

  const service = {
    signer,

    /** Append evidence in its own transaction (seeds, CLI, tests). Modules use `recordEvidence(tx, …)`. */
    async record(input: EvidenceInput): Promise<EvidenceRecordView> {
      const row = await db.tenant(input.orgId, (tx) => recordEvidence(tx, { ids, clock, signer }, input));
      return recordView(row);
    },

    /**
     * Keep a file by its content. The type is decided by the bytes (magic numbers), never by the
     * name; a declared type that disagrees is refused so a mislabelled upload cannot slip a
     * different format past a reviewer. Images get a JPEG thumbnail (JPEG so the PDF can embed it).
     */
    async storeFile(orgId: string, input: { bytes: Buffer; fileName: string; declaredContentType?: string }): Promise<StoredFile> {
      const bytes = input.bytes;
      const sniff = await fileTypeFromBuffer(bytes);
      const decision = decideFile({ sniffed: sniff?.mime, declared: input.declaredContentType, size: bytes.length, isText: !sniff && looksLikeText(bytes) });
      if (!decision.ok) throw AppError.validation(decision.code, decision.message, [{ field: 'file', message: decision.message }]);
      return keepFile(orgId, { sha256: sha256Hex(bytes), size: bytes.length, contentType: decision.contentType, kind: decision.kind, fileName: input.fileName, source: bytes, put: (ct) => files.put(sha256Hex(bytes), bytes, ct) });
    },

    /**
     * `storeFile` for a stream (HTTP uploads, fetched links): the bytes go to disk while they are
     * hashed, so memory stays flat whatever the size; more than `maxBytes` (default: the largest
     * accepted type) is refused as `upload.too_large` (413) and nothing is kept.
     */
    async storeUpload(orgId: string, input: { stream: Readable; fileName: string; declaredContentType?: string; maxBytes?: number }): Promise<StoredFile> {
      const limit = input.maxBytes ?? MAX_FILE_BYTES;
      let staged: StagedUpload;
      try {
        staged = await files.stage(input.stream, limit);
      } catch (e) {
        if (isTooLarge(e)) throw uploadTooLarge(limit);
        throw e;
      }
      try {
        const sniff = await fileTypeFromFile(staged.path);
        const isText = !sniff && (await stagedLooksLikeText(staged));
        const decision = decideFile({ sniffed: sniff?.mime, declared: input.declaredContentType, size: staged.size, isText });
        if (!decision.ok) throw AppError.validation(decision.code, decision.message, [{ field: 'file', message: decision.message }]);
        return await keepFile(orgId, { sha256: staged.sha256, size: staged.size, contentType: decision.contentType, kind: decision.kind, fileName: input.fileName, source: staged.path, put: (ct) => files.putStaged(staged, ct) });
      } finally {
        await files.discardStaged(staged);
      }
    },

    /** The bytes of a file this organisation holds; 404 for files it never stored. */
    async readFile(orgId: string, sha256: string): Promise<{ bytes: Buffer; contentType: string; fileName: string; size: number }> {
      const row = await fileRow(orgId, sha256);
      if (!row) throw AppError.notFound('evidence_file', sha256);
      const bytes = await files.get(sha256);
      if (!bytes) throw new AppError('unavailable', 'evidence.file_missing', `The stored bytes of ${sha256} are missing; run "afterdesk evidence verify"`);
      return { bytes, contentType: row.contentType, fileName: row.fileName, size: row.size };
    },

    async openFile(orgId: string, sha256: string): Promise<{ stream: Readable; contentType: string; fileName: string; size: number }> {
      const row = await fileRow(orgId, sha256);
      if (!row) throw AppError.notFound('evidence_file', sha256);
      const stream = await files.stream(sha256);
      if (!stream) throw new AppError('unavailable', 'evidence.file_missing', `The stored bytes of ${sha256} are missing; run "afterdesk evidence verify"`);
      return { stream, contentType: row.contentType, fileName: row.fileName, size: row.size };
    },

    async listCases(actor: Actor, opts: { limit?: number; cursor?: string } = {}): Promise<CaseSummary[]> {
      return (await this.pageCases(actor, opts)).items;
    },

    /**
     * One page of cases, the most recent activity first; `cursor` is the previous page's
     * `nextCursor`. A case that gains a record between two pages moves to the front and is not
     * shown twice on later pages.
     */
    async pageCases(actor: Actor, opts: { limit?: number; cursor?: string } = {}): Promise<Page<CaseSummary>> {
      const limit = Math.min(opts.limit ?? 200, 500);
      const key = opts.cursor ? decodeCursor(opts.cursor) : undefined;
      const after = key ? sql`having (max(occurred_at), case_id) < (${key.sort}::timestamptz, ${key.id})` : sql``;
      const items = await db.tenant(actor.orgId, async (tx) => {
        const r = await tx.execute(sql`
          select case_id, (array_agg(case_type order by seq desc))[1] as case_type, count(*)::int as records,
                 coalesce(sum(cardinality(file_sha256s)), 0)::int as files,
                 min(occurred_at) as first_at, max(occurred_at) as last_at,
                 (array_agg(summary order by occurred_at desc, seq desc))[1] as last_summary
          from evidence_records where org_id = ${actor.orgId}
          group by case_id ${after} order by max(occurred_at) desc, case_id desc limit ${limit + 1}`);
        return (r.rows as { case_id: string; case_type: CaseSummary['caseType']; records: number; files: number; first_at: string | Date; last_at: string | Date; last_summary: string }[]).map((x) => ({
          caseId: x.case_id,
          caseType: x.case_type,
          records: x.records,
          files: x.files,
          firstAt: new Date(x.first_at).toISOString(),
          lastAt: new Date(x.last_at).toISOString(),
          lastSummary: x.last_summary,
        }));
      });
      const kept = items.slice(0, limit);
      const last = kept[kept.length - 1];
      return { items: kept, nextCursor: items.length > limit && last ? encodeCursor({ sort: last.lastAt, id: last.caseId }) : null };
    },

    /**
     * The order's dispute case: opened once per order (a second call returns the same case), its
     * member cases refreshed with what the caller found for the order (tickets, returns); opening
     * is recorded on the case itself.
     */
    async openDispute(actor: Actor, input: { orderId: string; shopId: string; orderNumber: string; memberCaseIds: string[] }): Promise<DisputeCaseView> {
      requireRole(actor, ['owner', 'supervisor', 'agent'], 'opening dispute cases');
      return db.tenant(actor.orgId, async (tx) => {
        const now = clock.now();
        const members = [...new Set([input.orderId, ...input.memberCaseIds])];
        const [existing] = await tx.select().from(disputeCases).where(and(eq(disputeCases.orgId, actor.orgId), eq(disputeCases.orderId, input.orderId))).for('update');
        if (existing) {
          const merged = [...new Set([...existing.memberCaseIds, ...members])];
          const [row] = await tx.update(disputeCases).set({ memberCaseIds: merged, updatedAt: merged.length === existing.memberCaseIds.length ? existing.updatedAt : now }).where(and(eq(disputeCases.orgId, actor.orgId), eq(disputeCases.id, existing.id))).returning();
          return disputeView(row!);
        }
        const row = { orgId: actor.orgId, id: ids('dsp'), shopId: input.shopId, orderId: input.orderId, status: 'open' as const, memberCaseIds: members, openedBy: actor.userId, createdAt: now, updatedAt: now };
        const [created] = await tx.insert(disputeCases).values(row).onConflictDoNothing().returning();
        if (!created) throw AppError.conflict('evidence.dispute_race', 'The dispute case for this order was opened at the same moment; try again');
        await recordEvidence(tx, { ids, clock, signer }, { orgId: actor.orgId, caseId: row.id, caseType: 'dispute', kind: 'status_change', actor: { type: 'user', id: actor.userId }, occurredAt: now, summary: `Dispute case opened for order ${input.orderNumber}`, data: { orderId: input.orderId, status: 'open', members } });
        return disputeView(created);
      });
    },

    async disputeOfOrder(actor: Actor, orderId: string): Promise<DisputeCaseView | null> {
      return db.tenant(actor.orgId, async (tx) => {
        const [row] = await tx.select().from(disputeCases).where(and(eq(disputeCases.orgId, actor.orgId), eq(disputeCases.orderId, orderId)));
        return row ? disputeView(row) : null;
      });
    },

    /** open → submitted (the pack went to the platform) → won or lost; each change is evidence. */
    async setDisputeStatus(actor: Actor, id: string, input: { status: DisputeCaseView['status']; note?: string }): Promise<DisputeCaseView> {
      requireRole(actor, input.status === 'won' || input.status === 'lost' ? ['owner', 'supervisor'] : ['owner', 'supervisor', 'agent'], 'changing a dispute case');
      return db.tenant(actor.orgId, async (tx) => {
        const [d] = await tx.select().from(disputeCases).where(and(eq(disputeCases.orgId, actor.orgId), eq(disputeCases.id, id))).for('update');
        if (!d) throw AppError.notFound('dispute', id);
        if (d.status === input.status) return disputeView(d);
        const now = clock.now();
        const [row] = await tx.update(disputeCases).set({ status: input.status, updatedAt: now }).where(and(eq(disputeCases.orgId, actor.orgId), eq(disputeCases.id, id))).returning();
        await recordEvidence(tx, { ids, clock, signer }, { orgId: actor.orgId, caseId: id, caseType: 'dispute', kind: 'status_change', actor: { type: 'user', id: actor.userId }, occurredAt: now, summary: `Dispute ${d.status} → ${input.status}${input.note ? `: ${input.note}` : ''}`, data: { from: d.status, to: input.status, note: input.note ?? null } });
        return disputeView(row!);
      });
    },

    async timeline(actor: Actor, caseId: string): Promise<{ caseId: string; records: EvidenceRecordView[]; files: StoredFile[] }> {
      const rows = await loadCase(actor.orgId, caseId);
      const shas = [...new Set(rows.flatMap((r) => r.fileSha256s))];
      const fileRows = shas.length
        ? await db.tenant(actor.orgId, (tx) => tx.select().from(evidenceFiles).where(and(eq(evidenceFiles.orgId, actor.orgId), inArray(evidenceFiles.sha256, shas))))
        : [];
      return {
        caseId,
        records: rows.map(recordView),
        files: fileRows.map((f) => ({ sha256: f.sha256, contentType: f.contentType, size: f.size, ...(f.thumbnailSha256 ? { thumbnailSha256: f.thumbnailSha256 } : {}) })),
      };
    },

    async checkPack(actor: Actor, caseId: string, reason: DisputeReason, language: PackLanguage = 'en'): Promise<PackCheck> {
      const rows = await loadCase(actor.orgId, caseId);
      const warnings = missingEvidence(reason, rows, language);
      return { caseId, reason, ready: warnings.length === 0, warnings, sections: sectionCounts(rows) };
    },

    /** Build the ZIP (PDF summary + original files + manifest). The caller pipes `stream` somewhere. */
    async buildPack(actor: Actor, caseId: string, opts: { reason: DisputeReason; language: PackLanguage }): Promise<PackOutput> {
      const rows = await loadCase(actor.orgId, caseId);
      const shas = [...new Set(rows.flatMap((r) => r.fileSha256s))];
      const { fileRows, head, checkpoint } = await db.tenant(actor.orgId, async (tx) => {
        const fileRows = shas.length ? await tx.select().from(evidenceFiles).where(and(eq(evidenceFiles.orgId, actor.orgId), inArray(evidenceFiles.sha256, shas))) : [];
        const [head] = await tx.select({ seq: evidenceRecords.seq, hash: evidenceRecords.hash }).from(evidenceRecords).where(eq(evidenceRecords.orgId, actor.orgId)).orderBy(desc(evidenceRecords.seq)).limit(1);
        const [checkpoint] = await tx.select().from(evidenceCheckpoints).where(eq(evidenceCheckpoints.orgId, actor.orgId)).orderBy(desc(evidenceCheckpoints.seq)).limit(1);
        return { fileRows, head, checkpoint };
      });
      // Check before streaming: once the ZIP has started, a missing file can only truncate it.
      for (const f of fileRows) {
        if (!(await files.exists(f.sha256))) {
          throw new AppError('unavailable', 'evidence.file_missing', `The stored bytes of ${f.sha256} (${f.fileName}) are missing, so the pack would be incomplete; run "afterdesk evidence verify"`, { sha256: f.sha256 });
        }
      }
      return buildPack({
        orgId: actor.orgId,
        caseId,
        reason: opts.reason,
        language: opts.language,
        generatedAt: clock.now(),
        records: rows,
        files: fileRows,
        head: head ?? { seq: 0, hash: GENESIS_HASH },
        checkpoint: checkpoint ?? null,
        store: files,
      });
    },

    /**
     * Sign the current chain head unless it is already signed, and copy the signed checkpoint
     * outside the database. Returns the checkpointed seq (or null for an empty chain).
     */
    async checkpoint(orgId: string): Promise<{ seq: number; created: boolean } | null> {
      const signed = await db.tenant(orgId, async (tx) => {
        const head = await readHead(tx, orgId);
        if (!head) return null;
        const created = await writeCheckpoint(tx, signer, orgId, head.seq, head.hash, clock.now());
        const [row] = await tx.select().from(evidenceCheckpoints).where(and(eq(evidenceCheckpoints.orgId, orgId), eq(evidenceCheckpoints.seq, head.seq)));
        return { row: row!, created };
      });
      if (!signed) return null;
      // After the commit: an outside copy of a checkpoint that was rolled back would accuse an intact chain.
      await exportCheckpoint(signed.row);
      return { seq: signed.row.seq, created: signed.created };
    },

    /** The scheduled job: every organisation whose chain grew since its checkpoint was last copied outside. */
    async checkpointAll(): Promise<number> {
      const orgs = await db.system(async (tx) => {
        const r = await tx.execute(sql`select org_id from evidence_heads where exported_seq < seq order by org_id`);
        return (r.rows as { org_id: string }[]).map((x) => x.org_id);
      });
      let n = 0;
      for (const orgId of orgs) if ((await service.checkpoint(orgId))?.created) n++;
      return n;
    },

    async orgsWithEvidence(): Promise<string[]> {
      return db.system(async (tx) => {
        const r = await tx.execute(sql`select distinct org_id from evidence_records order by org_id`);
        return (r.rows as { org_id: string }[]).map((x) => x.org_id);
      });
    },

    /** Which organisation a case belongs to (CLI convenience when --org is not given). */
    async orgOfCase(caseId: string): Promise<string[]> {
      return db.system(async (tx) => {
        const r = await tx.execute(sql`select distinct org_id from evidence_records where case_id = ${caseId}`);
        return (r.rows as { org_id: string }[]).map((x) => x.org_id);
      });
    },

    /**
     * Walk the organisation's chain in order: recompute every record hash, check each link and
     * that no sequence number is missing, re-hash every cited file, and check every checkpoint's
     * signature and that it still matches the record it signed. Then the end: the walk must reach
     * the head row (which never rewinds) and every checkpoint copy kept outside the database,
     * whose signatures are checked too. Stops at the first break.
     */
    async verify(orgId: string, opts: { onProgress?: VerifyProgress; checkFiles?: boolean; batch?: number } = {}): Promise<VerifyResult> {
      const batch = opts.batch ?? 500;
      const checkFiles = opts.checkFiles ?? true;
      const { total, checkpoints, exportedSeq } = await db.tenant(orgId, async (tx) => {
        const [c] = await tx.select({ n: sql<number>`count(*)::int` }).from(evidenceRecords).where(eq(evidenceRecords.orgId, orgId));
        const checkpoints = await tx.select().from(evidenceCheckpoints).where(eq(evidenceCheckpoints.orgId, orgId)).orderBy(asc(evidenceCheckpoints.seq));
        const [h] = await tx.select({ exportedSeq: evidenceHeads.exportedSeq }).from(evidenceHeads).where(eq(evidenceHeads.orgId, orgId));
        return { total: c?.n ?? 0, checkpoints, exportedSeq: h?.exportedSeq ?? 0 };
      });
      const copies: { store: string; cp: CheckpointCopy }[] = [];
      const unreadable: string[] = [];
      for (const store of checkpointCopies) {
        const c = parseCopy(await store.read(orgId));
        if (c === 'unreadable') unreadable.push(store.kind);
        else if (c) copies.push({ store: store.kind, cp: c });
      }
      const bySeq = new Map<number, EvidenceCheckpointRow>(checkpoints.map((c) => [c.seq, c]));
      const fileResults = new Map<string, 'ok' | 'file_missing' | 'file_hash'>();
      let prevHash = GENESIS_HASH;
      let expectSeq = 1;
      let done = 0;
      let filesChecked = 0;
      const result = (broken: VerifyResult['broken']): VerifyResult => ({
        orgId,
        ok: broken === null,
        records: done,
        files: filesChecked,
        checkpoints: checkpoints.length,
        externalCheckpoints: copies.length,
        headSeq: expectSeq - 1,
        headHash: prevHash,
        broken,
      });

      // Checkpoint signatures first: a forged checkpoint is a break no matter where it points.
      for (const c of checkpoints) {
        if (!signer.verify(checkpointMessage(orgId, c.seq, c.hash, c.signedAt), c.signature)) {
          return result({ seq: c.seq, problem: 'checkpoint_signature', message: `Checkpoint at seq ${c.seq} has a signature that does not verify with this installation's key` });
        }
      }

      // The copies outside: a forged or swapped copy is a break; so is one gone (or replaced by an
      // older one) when the database says a newer one was written.
      if (unreadable.length) {
        return result({ problem: 'external_checkpoint_signature', message: `The checkpoint copy in the ${unreadable[0]} store is not a readable checkpoint` });
      }
      for (const { store, cp } of copies) {
        if (cp.orgId !== orgId || !signer.verify(checkpointMessage(orgId, cp.seq, cp.hash, new Date(cp.signedAt)), cp.signature)) {
          return result({ seq: cp.seq, problem: 'external_checkpoint_signature', message: `The checkpoint copy in the ${store} store (seq ${cp.seq}) has a signature that does not verify with this installation's key` });
        }
      }
      const newestCopy = Math.max(0, ...copies.map((c) => c.cp.seq));
      if (exportedSeq > newestCopy) {
        return result({
          seq: exportedSeq,
          problem: 'external_checkpoint_missing',
          message: newestCopy
            ? `A checkpoint of seq ${exportedSeq} was copied outside the database, but the newest copy found is of seq ${newestCopy}`
            : `A checkpoint of seq ${exportedSeq} was copied outside the database (${checkpointCopies.map((c) => c.kind).join(', ')}), but no copy is there`,
        });
      }
      const copiesBySeq = new Map<number, { store: string; cp: CheckpointCopy }[]>();
      for (const c of copies) copiesBySeq.set(c.cp.seq, [...(copiesBySeq.get(c.cp.seq) ?? []), c]);

      async function checkFile(sha: string): Promise<'ok' | 'file_missing' | 'file_hash'> {
        const known = fileResults.get(sha);
        if (known) return known;
        const s = await files.stream(sha);
        let r: 'ok' | 'file_missing' | 'file_hash' = 'ok';
        if (!s) r = 'file_missing';
        else if ((await hashStream(s)).sha256 !== sha) r = 'file_hash';
        fileResults.set(sha, r);
        filesChecked++;
        return r;
      }

      let lastSeq = 0;
      const walk = async (): Promise<VerifyResult['broken']> => {
        for (;;) {
          const rows = await db.tenant(orgId, (tx) =>
            tx.select().from(evidenceRecords).where(and(eq(evidenceRecords.orgId, orgId), gt(evidenceRecords.seq, lastSeq))).orderBy(asc(evidenceRecords.seq)).limit(batch),
          );
          if (!rows.length) break;
          for (const r of rows) {
            if (r.seq !== expectSeq) {
              return { recordId: r.id, seq: r.seq, problem: 'sequence_gap', message: `Record ${r.id} has seq ${r.seq} but ${expectSeq} was expected: record(s) ${expectSeq}…${r.seq - 1} are missing` };
            }
            const tomb = tombstoneOf(r.data);
            if (tomb) {
              // Erased content cannot be re-hashed; the tombstone's signature stands in for it (evidence.erasure.ts).
              if (!verifyTombstone(signer, r)) {
                return { recordId: r.id, seq: r.seq, problem: 'tombstone_signature', message: `Record ${r.id} (seq ${r.seq}) is marked erased, but its tombstone is not signed by this installation for this record` };
              }
            }
            const computed = tomb ? r.hash : recordHash(r);
            if (computed !== r.hash) {
              return { recordId: r.id, seq: r.seq, problem: 'record_hash', message: `Record ${r.id} (seq ${r.seq}) was changed after it was written: its content hashes to ${computed.slice(0, 16)}… but it is stored with ${r.hash.slice(0, 16)}…` };
            }
            if (r.prevHash !== prevHash) {
              return { recordId: r.id, seq: r.seq, problem: 'link', message: `Record ${r.id} (seq ${r.seq}) does not link to the record before it (expected prev ${prevHash.slice(0, 16)}…, found ${r.prevHash.slice(0, 16)}…)` };
            }
            const cp = bySeq.get(r.seq);
            if (cp && cp.hash !== r.hash) {
              return { recordId: r.id, seq: r.seq, problem: 'checkpoint_mismatch', message: `Record ${r.id} (seq ${r.seq}) no longer matches the signed checkpoint taken at ${cp.signedAt.toISOString()}` };
            }
            const outside = copiesBySeq.get(r.seq)?.find((c) => c.cp.hash !== r.hash);
            if (outside) {
              return { recordId: r.id, seq: r.seq, problem: 'external_checkpoint_mismatch', message: `Record ${r.id} (seq ${r.seq}) no longer matches the checkpoint copy in the ${outside.store} store signed at ${outside.cp.signedAt}` };
            }
            if (checkFiles) {
              for (const sha of r.fileSha256s) {
                if (tomb?.filesRemoved.includes(sha)) continue;
                const fr = await checkFile(sha);
                if (fr !== 'ok') {
                  return {
                    recordId: r.id,
                    seq: r.seq,
                    sha256: sha,
                    problem: fr,
                    message: fr === 'file_missing' ? `File ${sha} cited by record ${r.id} (seq ${r.seq}) is missing from the ${files.kind} store` : `File ${sha} cited by record ${r.id} (seq ${r.seq}) no longer matches its sha256`,
                  };
                }
              }
            }
            prevHash = r.hash;
            expectSeq = r.seq + 1;
            done++;
          }
          lastSeq = rows[rows.length - 1]!.seq;
          opts.onProgress?.(done, total);
        }
        return null;
      };

      // The head row and the records it counts commit together, so a head read after the walk
      // never runs ahead of what exists — unless records were removed. Records appended while we
      // walked are walked too before the head is compared again.
      for (;;) {
        const broken = await walk();
        if (broken) return result(broken);
        const walked = expectSeq - 1;
        const [head] = await db.tenant(orgId, (tx) => tx.select().from(evidenceHeads).where(eq(evidenceHeads.orgId, orgId)));
        if (!head) {
          if (walked > 0) return result({ seq: walked, problem: 'head_missing', message: `The chain has ${walked} records but its head row is gone: the head was deleted (maybe with records at the end)` });
          break;
        }
        if (head.seq === walked) {
          if (head.hash !== prevHash) return result({ seq: walked, problem: 'head_mismatch', message: `The head says record ${walked} hashes to ${head.hash.slice(0, 16)}… but the chain ends with ${prevHash.slice(0, 16)}…` });
          break;
        }
        if (head.seq < walked) return result({ seq: head.seq, problem: 'head_mismatch', message: `The head was moved back to seq ${head.seq} but the chain goes on to ${walked}` });
        const more = await db.tenant(orgId, (tx) => tx.select({ seq: evidenceRecords.seq }).from(evidenceRecords).where(and(eq(evidenceRecords.orgId, orgId), gt(evidenceRecords.seq, lastSeq))).limit(1));
        if (more.length) continue;
        return result({
          seq: walked + 1,
          problem: 'tail_missing',
          message: `The chain ends at seq ${walked} but seq ${head.seq} was written: record(s) ${walked + 1}…${head.seq} were removed from the end`,
        });
      }
      const beyond = checkpoints.find((c) => c.seq >= expectSeq);
      if (beyond) {
        return result({ seq: beyond.seq, problem: 'checkpoint_beyond_head', message: `A checkpoint signed seq ${beyond.seq} but the chain ends at ${expectSeq - 1}: records were removed from the end` });
      }
      const outsideBeyond = copies.find((c) => c.cp.seq >= expectSeq);
      if (outsideBeyond) {
        return result({
          seq: outsideBeyond.cp.seq,
          problem: 'external_checkpoint_beyond_head',
          message: `The checkpoint copy in the ${outsideBeyond.store} store signed seq ${outsideBeyond.cp.seq} but the chain ends at ${expectSeq - 1}: records were removed from the end and the head moved back`,
        });
      }
      return result(null);
    },

    /**
     * Tombstone the evidence of a buyer's cases inside the caller's transaction (see
     * evidence.erasure.ts); cases in `holdBack` keep their content, with the reason reported.
     * Call `purgeFiles` with `forgottenFiles` after the transaction commits.
     */
    eraseCases(tx: Executor, input: { orgId: string; caseIds: string[]; holdBack: Map<string, string>; erasureId: string; at: Date; reason: 'data_subject_request' | 'retention'; extraFiles?: string[] }): Promise<EraseCasesResult> {
      return eraseEvidenceCases(tx, { signer, salt: erasureSalt(deps.secretKey, input.orgId) }, input);
    },

    /** Remove stored bytes that no organisation holds any more (after an erasure committed). */
    async purgeFiles(orgId: string, shas: string[]): Promise<number> {
      if (!shas.length) return 0;
      return db.tenant(orgId, (tx) => purgeUnheldBytes(tx, files, shas));
    },

    /** The salted hash a tombstone keeps for a value, so a value given again can be matched. */
    saltedHash(orgId: string, value: string): string {
      return saltedHash(erasureSalt(deps.secretKey, orgId), value);
    },

    async verifyForActor(actor: Actor): Promise<VerifyResult> {
      requireRole(actor, ['owner', 'supervisor'], 'verifying the evidence chain');
      return service.verify(actor.orgId);
    },
  };
  return service;
}

export type EvidenceService = ReturnType<typeof createEvidenceService>;
