import crypto from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import type { CheckpointSigner } from './evidence.chain.js';
import type { EvidenceActor } from './evidence.dto.js';
import { canonicalJson, recordHash } from './evidence.rules.js';
import { evidenceFiles, evidenceRecords, type EvidenceRecordRow } from './evidence.schema.js';

/**
 * Erasure in an append-only, hash-chained vault (GDPR Art. 17).
 *
 * A record's stored `hash` is pinned by the next record's link, the head row and every signed
 * checkpoint (inside the database and outside it), so it never changes. What changes is the
 * content: actor name, summary and data are replaced by a tombstone that keeps, for each string
 * the record held, an HMAC-SHA256 under a per-organisation salt derived from SECRET_KEY (never
 * stored). A plain hash of a phone number or a name can be reversed by trying every candidate;
 * without the salt it cannot — and with it, the seller can still show that a value they are
 * given again ("was this the phone number?") matches.
 *
 * Because the content is gone, verify cannot recompute the record's hash. Instead the tombstone
 * carries an Ed25519 signature (the checkpoint key, also derived from SECRET_KEY) over every
 * field that survives — org, id, seq, links, the stored hash, case, kind, times, files,
 * responsibility — and the tombstone itself. Verify checks that signature where it would have
 * recomputed the hash: a record someone blanked by hand, or a tombstone moved to another
 * record, fails as `tombstone_signature`. Only a record whose content still hashed to its stored
 * hash is tombstoned, so the signature never blesses an edit.
 */

export const TOMBSTONE_SUMMARY = 'Erased at the request of the person concerned';

export interface Tombstone {
  v: 1;
  erasureId: string;
  erasedAt: string;
  /** `data_subject_request` (Art. 17) or `retention` (the organisation's retention period). */
  reason: 'data_subject_request' | 'retention';
  /** Where each string was and its salted HMAC; the original order of strings is kept. */
  fields: { path: string; hmac: string }[];
  /** Files this record cited whose bytes were removed with it (verify does not look for them). */
  filesRemoved: string[];
  signature: string;
}

export function isTombstoned(data: Record<string, unknown>): boolean {
  return typeof data.tombstone === 'object' && data.tombstone !== null;
}

export function tombstoneOf(data: Record<string, unknown>): Tombstone | null {
  return isTombstoned(data) ? (data.tombstone as Tombstone) : null;
}

/** The per-organisation secret salt; derived, never stored, so a database copy alone cannot reverse a tombstone. */
export function erasureSalt(secretKey: Buffer, orgId: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', secretKey, Buffer.from('afterdesk'), Buffer.from(`privacy-tombstone-salt-v1:${orgId}`), 32));
}

/** Trimmed and NFKC-normalised so the same value typed again matches. */
export function saltedHash(salt: Buffer, value: string): string {
  return 'hmac-sha256:' + crypto.createHmac('sha256', salt).update(value.normalize('NFKC').trim()).digest('hex');
}

function collectStrings(value: unknown, path: string, out: { path: string; value: string }[]): void {
  if (typeof value === 'string') out.push({ path, value });
  else if (Array.isArray(value)) value.forEach((v, i) => collectStrings(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') for (const k of Object.keys(value).sort()) collectStrings((value as Record<string, unknown>)[k], `${path}.${k}`, out);
}

/** The exact bytes a tombstone's signature covers. */
export function tombstoneMessage(r: Pick<EvidenceRecordRow, 'orgId' | 'id' | 'seq' | 'prevHash' | 'hash' | 'caseId' | 'caseType' | 'kind' | 'occurredAt' | 'recordedAt' | 'fileSha256s' | 'responsibility' | 'actor' | 'summary'>, t: Omit<Tombstone, 'signature'>): Buffer {
  return Buffer.from(
    canonicalJson({
      v: 1,
      purpose: 'afterdesk.evidence.tombstone',
      orgId: r.orgId,
      id: r.id,
      seq: r.seq,
      prevHash: r.prevHash,
      hash: r.hash,
      caseId: r.caseId,
      caseType: r.caseType,
      kind: r.kind,
      occurredAt: r.occurredAt.toISOString(),
      recordedAt: r.recordedAt.toISOString(),
      fileSha256s: r.fileSha256s,
      responsibility: r.responsibility,
      actor: r.actor,
      summary: r.summary,
      tombstone: t,
    }),
  );
}

export function verifyTombstone(signer: CheckpointSigner, r: EvidenceRecordRow): boolean {
  const t = tombstoneOf(r.data);
  if (!t || typeof t.signature !== 'string') return false;
  const { signature, ...rest } = t;
  return signer.verify(tombstoneMessage(r, rest), signature);
}

export interface HeldBack {
  recordId: string;
  caseId: string;
  caseType: string;
  reason: 'legal_claims';
  basis: 'GDPR Art. 17(3)(e)';
  why: string;
}

export interface EraseCasesResult {
  tombstoned: number;
  alreadyErased: number;
  /** Records whose content no longer matched their hash: left alone (verify names them). */
  skippedBroken: string[];
  heldBack: HeldBack[];
  /** Files whose organisation row was removed; the caller removes the bytes after commit. */
  forgottenFiles: string[];
}

/**
 * Tombstone every record of the given cases, except cases an open dispute still needs (held back
 * with the legal-claims reason), and forget the files only erased records cited. Runs inside the
 * caller's tenant transaction, through the two security-definer functions of migration 0008 (the
 * app role cannot update or delete vault rows otherwise).
 */
export async function eraseEvidenceCases(
  tx: Executor,
  deps: { signer: CheckpointSigner; salt: Buffer },
  input: { orgId: string; caseIds: string[]; holdBack: Map<string, string>; erasureId: string; at: Date; reason: Tombstone['reason']; extraFiles?: string[] },
): Promise<EraseCasesResult> {
  const out: EraseCasesResult = { tombstoned: 0, alreadyErased: 0, skippedBroken: [], heldBack: [], forgottenFiles: [] };
  const caseIds = [...new Set(input.caseIds)];
  const rows = caseIds.length ? await tx.select().from(evidenceRecords).where(and(eq(evidenceRecords.orgId, input.orgId), inArray(evidenceRecords.caseId, caseIds))) : [];
  const candidateFiles = new Set<string>(input.extraFiles ?? []);
  for (const r of rows) {
    const why = input.holdBack.get(r.caseId);
    if (why) {
      out.heldBack.push({ recordId: r.id, caseId: r.caseId, caseType: r.caseType, reason: 'legal_claims', basis: 'GDPR Art. 17(3)(e)', why });
      continue;
    }
    if (isTombstoned(r.data)) {
      out.alreadyErased++;
      continue;
    }
    if (recordHash(r) !== r.hash) {
      out.skippedBroken.push(r.id);
      continue;
    }
    for (const f of r.fileSha256s) candidateFiles.add(f);
    const strings: { path: string; value: string }[] = [];
    collectStrings(r.summary, 'summary', strings);
    collectStrings(r.actor.name, 'actor.name', strings);
    collectStrings(r.data, 'data', strings);
    const actor: EvidenceActor = r.actor.type === 'user' && r.actor.id ? { type: 'user', id: r.actor.id } : { type: r.actor.type };
    const body: Omit<Tombstone, 'signature'> = {
      v: 1,
      erasureId: input.erasureId,
      erasedAt: input.at.toISOString(),
      reason: input.reason,
      fields: strings.map((s) => ({ path: s.path, hmac: saltedHash(deps.salt, s.value) })),
      filesRemoved: [...r.fileSha256s],
    };
    const next = { ...r, actor, summary: TOMBSTONE_SUMMARY };
    const tombstone: Tombstone = { ...body, signature: deps.signer.sign(tombstoneMessage(next, body)) };
    const res = await tx.execute(
      sql`select afterdesk_evidence_tombstone(${input.orgId}, ${r.id}, ${JSON.stringify(actor)}::jsonb, ${TOMBSTONE_SUMMARY}, ${JSON.stringify({ tombstone })}::jsonb) as ok`,
    );
    if ((res.rows[0] as { ok: boolean } | undefined)?.ok) out.tombstoned++;
  }

  // A file stays while any record that is not erased (another case, a held-back one) cites it.
  if (candidateFiles.size) {
    const files = [...candidateFiles];
    const stillCited = await tx.execute(
      sql`select distinct f from evidence_records, unnest(file_sha256s) f where org_id = ${input.orgId} and not (data ? 'tombstone') and f = any(${sql.param(files)}::text[])`,
    );
    const keep = new Set((stillCited.rows as { f: string }[]).map((x) => x.f));
    const held = await tx.select({ sha256: evidenceFiles.sha256, thumb: evidenceFiles.thumbnailSha256 }).from(evidenceFiles).where(and(eq(evidenceFiles.orgId, input.orgId), inArray(evidenceFiles.sha256, files)));
    for (const f of held) {
      if (keep.has(f.sha256)) continue;
      for (const sha of [f.sha256, f.thumb].filter((x): x is string => !!x)) {
        const r = await tx.execute(sql`select afterdesk_evidence_forget_file(${input.orgId}, ${sha}) as ok`);
        if ((r.rows[0] as { ok: boolean } | undefined)?.ok) out.forgottenFiles.push(sha);
      }
    }
  }
  return out;
}

/** After commit: remove the bytes no organisation holds any more (content-addressed bytes are shared). */
export async function purgeUnheldBytes(tx: Executor, store: { delete(sha256: string): Promise<void> }, shas: string[]): Promise<number> {
  let n = 0;
  for (const sha of new Set(shas)) {
    const r = await tx.execute(sql`select afterdesk_evidence_file_held(${sha}) as held`);
    if ((r.rows[0] as { held: boolean } | undefined)?.held) continue;
    await store.delete(sha);
    n++;
  }
  return n;
}
