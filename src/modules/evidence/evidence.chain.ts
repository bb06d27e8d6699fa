import { summaryKeyFor } from './evidence.summary.js';
import crypto from 'node:crypto';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import { EvidenceInputSchema, type EvidenceInput } from './evidence.dto.js';
import { checkpointMessage, GENESIS_HASH, jsonClean, needsCheckpoint, recordHash } from './evidence.rules.js';
import { evidenceCheckpoints, evidenceFiles, evidenceHeads, evidenceRecords, type EvidenceRecordRow } from './evidence.schema.js';
import { describeIssues, zodIssues } from '../../platform/validation.js';

/** Ed25519 key that signs chain checkpoints, derived from the installation's secret key. */
export interface CheckpointSigner {
  publicKey: string;
  sign(message: Buffer): string;
  verify(message: Buffer, signature: string): boolean;
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Derived rather than stored so there is no second secret to back up or leak: whoever holds
 * SECRET_KEY can re-create the signing key, and nobody else can forge a checkpoint.
 */
export function checkpointSigner(secretKey: Buffer): CheckpointSigner {
  const seed = Buffer.from(crypto.hkdfSync('sha256', secretKey, Buffer.from('afterdesk'), Buffer.from('evidence-checkpoint-ed25519-v1'), 32));
  const privateKey = crypto.createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = crypto.createPublicKey(privateKey);
  const publicDer = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  return {
    publicKey: publicDer,
    sign: (m) => crypto.sign(null, m, privateKey).toString('base64'),
    verify: (m, s) => {
      try {
        return crypto.verify(null, m, publicKey, Buffer.from(s, 'base64'));
      } catch {
        return false;
      }
    },
  };
}

export interface RecordDeps {
  ids: IdGenerator;
  clock: Clock;
  /** When given, a signed checkpoint is written every CHECKPOINT_EVERY records; the cron job covers the rest. */
  signer?: CheckpointSigner;
}

/** The shape other modules depend on for writing evidence in their own transaction (contract 4). */
export type RecordEvidence = (tx: Executor, input: EvidenceInput) => Promise<unknown>;

/**
 * Append one evidence record inside the caller's transaction (contract 4).
 *
 * Ordering: the chain head row of the organisation is locked (SELECT … FOR UPDATE) before it is
 * read, and held until the caller commits. We chose this over "insert unsealed, seal later"
 * because it keeps every record sealed the moment it is visible (a pack or verify never sees a
 * half-linked chain) and needs no sealing worker. The cost is that evidence-writing transactions
 * of the *same* organisation queue behind each other from the append until commit; other
 * organisations never wait, and callers append evidence as the last step of a change, so the held
 * window is short (see bench/evidence.bench.ts for the measured cost). Under READ COMMITTED a
 * waiter's FOR UPDATE returns the row version the previous holder committed, so lock and read
 * are one round trip; only an organisation without a head row yet (its first record) serialises
 * on an advisory lock first (`lockHead`).
 */
export async function recordEvidence(tx: Executor, deps: RecordDeps, input: EvidenceInput): Promise<EvidenceRecordRow> {
  const parsed = EvidenceInputSchema.safeParse(input);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error, { root: 'input' });
    throw AppError.validation('evidence.invalid', `Invalid evidence: ${describeIssues(issues)}`, issues);
  }
  const v = parsed.data;
  const files = [...new Set(v.fileSha256s ?? [])];
  if (files.length) {
    const known = await tx
      .select({ sha256: evidenceFiles.sha256 })
      .from(evidenceFiles)
      .where(and(eq(evidenceFiles.orgId, v.orgId), inArray(evidenceFiles.sha256, files)));
    const have = new Set(known.map((k) => k.sha256));
    const missing = files.filter((f) => !have.has(f));
    if (missing.length) {
      throw AppError.validation('evidence.unknown_file', `Store files with storeFile before citing them: ${missing.join(', ')}`, [
        { field: 'fileSha256s', message: `unknown file(s): ${missing.join(', ')}` },
      ]);
    }
  }

  const head = await lockHead(tx, v.orgId);

  const row: EvidenceRecordRow = {
    orgId: v.orgId,
    // The database fills it from the case (migration 0021): brand scope reads it.
    shopId: null,
    id: deps.ids('evd'),
    seq: (head?.seq ?? 0) + 1,
    prevHash: head?.hash ?? GENESIS_HASH,
    hash: '',
    caseId: v.caseId,
    caseType: v.caseType,
    kind: v.kind,
    actor: jsonClean(v.actor),
    occurredAt: v.occurredAt,
    recordedAt: deps.clock.now(),
    summary: v.summary,
    data: jsonClean(v.data),
    fileSha256s: files,
    responsibility: v.responsibility ?? null,
    summaryKey: null,
    summaryParams: null,
  };
  row.hash = recordHash(row);
  // The summary's key and values for readers in other languages, from the record's own kind and data.
  const keyed = summaryKeyFor(row.kind, row.actor, row.data);
  row.summaryKey = keyed?.key ?? null;
  row.summaryParams = keyed?.params ?? null;
  // The record and the moved head in one statement (a data-modifying WITH runs exactly once).
  await tx.execute(sql`with appended as (
      insert into evidence_records (org_id, id, seq, prev_hash, hash, case_id, case_type, kind, actor, occurred_at, recorded_at, summary, data, file_sha256s, responsibility, summary_key, summary_params)
      values (${row.orgId}, ${row.id}, ${row.seq}, ${row.prevHash}, ${row.hash}, ${row.caseId}, ${row.caseType}, ${row.kind}, ${JSON.stringify(row.actor)}::jsonb,
        ${row.occurredAt.toISOString()}::timestamptz, ${row.recordedAt.toISOString()}::timestamptz, ${row.summary}, ${JSON.stringify(row.data)}::jsonb, ${sql.param(row.fileSha256s)}::text[], ${row.responsibility},
        ${keyed?.key ?? null}, ${keyed ? JSON.stringify(keyed.params) : null}::jsonb)
    )
    insert into evidence_heads (org_id, seq, hash, updated_at) values (${row.orgId}, ${row.seq}, ${row.hash}, ${row.recordedAt.toISOString()}::timestamptz)
    on conflict (org_id) do update set seq = excluded.seq, hash = excluded.hash, updated_at = excluded.updated_at`);
  if (deps.signer && needsCheckpoint(row.seq)) await writeCheckpoint(tx, deps.signer, v.orgId, row.seq, row.hash, row.recordedAt);
  return row;
}

/** The shape of `recordEvidenceMany` for callers that append a batch in their transaction. */
export type RecordEvidenceMany = (tx: Executor, inputs: EvidenceInput[]) => Promise<unknown>;

/**
 * Append many records inside the caller's transaction, chained in the given order: the head is
 * locked once, hashes are computed here, and the records go in with one INSERT from unnest plus
 * one head update (a batch caller, e.g. a coupon programme planning thousands of issues). Records
 * citing files go through `recordEvidence` one by one.
 */
export async function recordEvidenceMany(tx: Executor, deps: RecordDeps, inputs: EvidenceInput[]): Promise<EvidenceRecordRow[]> {
  if (inputs.length === 0) return [];
  const orgId = inputs[0]!.orgId;
  const rows: EvidenceRecordRow[] = [];
  const valid = inputs.map((input) => {
    const parsed = EvidenceInputSchema.safeParse(input);
    if (!parsed.success) {
      const issues = zodIssues(parsed.error, { root: 'input' });
      throw AppError.validation('evidence.invalid', `Invalid evidence: ${describeIssues(issues)}`, issues);
    }
    if (parsed.data.orgId !== orgId) throw AppError.validation('evidence.invalid', 'A batch of evidence belongs to one organisation', [{ field: 'orgId', message: 'differs within the batch' }]);
    if (parsed.data.fileSha256s?.length) throw AppError.validation('evidence.invalid', 'Records citing files are appended one by one', [{ field: 'fileSha256s', message: 'not in a batch' }]);
    return parsed.data;
  });
  const head = await lockHead(tx, orgId);
  let seq = head?.seq ?? 0;
  let prev = head?.hash ?? GENESIS_HASH;
  const recordedAt = deps.clock.now();
  for (const v of valid) {
    const row: EvidenceRecordRow = {
      orgId,
      shopId: null,
      id: deps.ids('evd'),
      seq: ++seq,
      prevHash: prev,
      hash: '',
      caseId: v.caseId,
      caseType: v.caseType,
      kind: v.kind,
      actor: jsonClean(v.actor),
      occurredAt: v.occurredAt,
      recordedAt,
      summary: v.summary,
      data: jsonClean(v.data),
      fileSha256s: [],
      responsibility: v.responsibility ?? null,
      summaryKey: null,
      summaryParams: null,
    };
    row.hash = recordHash(row);
    const keyed = summaryKeyFor(row.kind, row.actor, row.data);
    row.summaryKey = keyed?.key ?? null;
    row.summaryParams = keyed?.params ?? null;
    prev = row.hash;
    rows.push(row);
  }
  const col = <T>(f: (r: EvidenceRecordRow) => T) => sql.param(rows.map(f));
  const last = rows[rows.length - 1]!;
  await tx.execute(sql`with appended as (
      insert into evidence_records (org_id, id, seq, prev_hash, hash, case_id, case_type, kind, actor, occurred_at, recorded_at, summary, data, file_sha256s, responsibility, summary_key, summary_params)
      select ${orgId}, u.id, u.seq, u.prev_hash, u.hash, u.case_id, u.case_type, u.kind, u.actor::jsonb, u.occurred_at, ${recordedAt.toISOString()}::timestamptz, u.summary, u.data::jsonb, '{}'::text[], u.responsibility, u.summary_key, u.summary_params::jsonb
      from unnest(${col((r) => r.id)}::text[], ${col((r) => r.seq)}::bigint[], ${col((r) => r.prevHash)}::text[], ${col((r) => r.hash)}::text[], ${col((r) => r.caseId)}::text[], ${col((r) => r.caseType)}::text[],
        ${col((r) => r.kind)}::text[], ${col((r) => JSON.stringify(r.actor))}::text[], ${col((r) => r.occurredAt.toISOString())}::timestamptz[], ${col((r) => r.summary)}::text[], ${col((r) => JSON.stringify(r.data))}::text[], ${col((r) => r.responsibility)}::text[],
        ${col((r) => r.summaryKey)}::text[], ${col((r) => (r.summaryParams ? JSON.stringify(r.summaryParams) : null))}::text[])
        as u(id, seq, prev_hash, hash, case_id, case_type, kind, actor, occurred_at, summary, data, responsibility, summary_key, summary_params)
      returning 1
    )
    insert into evidence_heads (org_id, seq, hash, updated_at) values (${orgId}, ${last.seq}, ${last.hash}, ${recordedAt.toISOString()}::timestamptz)
    on conflict (org_id) do update set seq = excluded.seq, hash = excluded.hash, updated_at = excluded.updated_at`);
  if (deps.signer) for (const r of rows) if (needsCheckpoint(r.seq)) await writeCheckpoint(tx, deps.signer, orgId, r.seq, r.hash, recordedAt);
  return rows;
}

/**
 * The chain head, locked for this transaction. Normally the head row itself, locked as it is
 * read. Without one (an organisation's first record, or a deleted head row) there is nothing to
 * lock, so appenders queue on a per-organisation advisory lock and look again: a concurrent first
 * append may have committed the row meanwhile, and from then on the row lock orders everyone.
 */
async function lockHead(tx: Executor, orgId: string): Promise<{ seq: number; hash: string } | undefined> {
  const locked = () => tx.select({ seq: evidenceHeads.seq, hash: evidenceHeads.hash }).from(evidenceHeads).where(eq(evidenceHeads.orgId, orgId)).for('update');
  const [head] = await locked();
  if (head) return head;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${'afterdesk.evidence:' + orgId}, 0))`);
  const [again] = await locked();
  return again ?? readHead(tx, orgId);
}

/**
 * The newest record ever appended, from the head row rather than max(seq): records deleted from
 * the end of the chain do not move it back, so their numbers are never handed out again. An
 * organisation without a head row has no evidence yet — unless the row itself was deleted, which
 * verify reports; appending then continues from the surviving records.
 */
export async function readHead(tx: Executor, orgId: string): Promise<{ seq: number; hash: string } | undefined> {
  const [head] = await tx.select({ seq: evidenceHeads.seq, hash: evidenceHeads.hash }).from(evidenceHeads).where(eq(evidenceHeads.orgId, orgId));
  if (head) return head;
  const [last] = await tx
    .select({ seq: evidenceRecords.seq, hash: evidenceRecords.hash })
    .from(evidenceRecords)
    .where(eq(evidenceRecords.orgId, orgId))
    .orderBy(desc(evidenceRecords.seq))
    .limit(1);
  return last;
}

export async function writeCheckpoint(tx: Executor, signer: CheckpointSigner, orgId: string, seq: number, hash: string, at: Date): Promise<boolean> {
  const signature = signer.sign(checkpointMessage(orgId, seq, hash, at));
  const r = await tx
    .insert(evidenceCheckpoints)
    .values({ orgId, seq, hash, signedAt: at, publicKey: signer.publicKey, signature })
    .onConflictDoNothing()
    .returning({ seq: evidenceCheckpoints.seq });
  return r.length > 0;
}
