import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import { evidenceOfCases, type EvidenceService } from '../evidence/index.js';
import { ids, type PrivacyRegistration } from './privacy.registry.js';

const rows = async (tx: Executor, q: ReturnType<typeof sql>) => (await tx.execute(q)).rows as Record<string, unknown>[];

/** Foundation tables: people of the organisation (staff) and the outbox, whose payloads carry replies to buyers. */
export const foundationPrivacy: PrivacyRegistration = {
  module: 'platform',
  tables: [{ table: 'outbox', buyerColumns: [], personalColumns: ['payload', 'result', 'last_error'] }],
  exempt: [
    { table: 'organisations', reason: 'the seller itself' },
    { table: 'brands', reason: 'the seller’s brands' },
    { table: 'shops', reason: 'the seller’s shops and business contacts' },
    { table: 'users', reason: 'staff accounts (their own data, managed by the owner), not buyers' },
    { table: 'sessions', reason: 'staff sign-in sessions' },
    { table: 'logins', reason: 'staff sign-in identities (installation-wide), not buyers' },
    { table: 'invitations', reason: 'staff invitations (an e-mail address of a future colleague), not buyers' },
    { table: 'privacy_settings', reason: 'retention configuration' },
    { table: 'privacy_erasures', reason: 'the record that an erasure happened (accountability, Art. 5(2)): ids and counts only' },
  ],

  async export(tx, s) {
    const subjects = [...s.ticketIds, ...s.returnIds, ...s.orderIds];
    const found = subjects.length
      ? await rows(tx, sql`select id, handler, status, subject_type, subject_id, payload, created_at from outbox where org_id = ${s.orgId} and subject_id = any(${sql.param(subjects)}::text[]) order by created_at`)
      : [];
    return { outgoing: found };
  },

  async erase(tx, s) {
    const subjects = [...s.ticketIds, ...s.returnIds, ...s.orderIds, s.buyerId];
    // Steps still to run keep their payload (the intent must finish exactly once); finished ones
    // are history and keep only their handler, status and subject.
    const u = await tx.execute(
      sql`update outbox set payload = '{}'::jsonb, result = null, last_error = null
           where org_id = ${s.orgId} and status in ('done', 'failed', 'cancelled')
             and (subject_id = any(${sql.param(subjects)}::text[]) or payload::text like any(${sql.param([...s.ticketIds, ...s.emails, ...s.phones].map((n) => `%${n}%`))}::text[]))`,
    );
    return { counts: { outbox: u.rowCount ?? 0 } };
  },
};

/** The evidence vault: tombstones (see evidence.erasure.ts), held back for open disputes. */
export function evidencePrivacy(evidence: EvidenceService): PrivacyRegistration {
  return {
    module: 'evidence',
    tables: [
      { table: 'evidence_records', buyerColumns: ['case_id'], personalColumns: ['actor', 'summary', 'data'] },
      { table: 'evidence_files', buyerColumns: [], personalColumns: ['file_name'] },
    ],
    exempt: [
      { table: 'evidence_checkpoints', reason: 'signed (seq, hash) pairs of the chain' },
      { table: 'evidence_heads', reason: 'the chain head (seq, hash)' },
    ],

    async export(tx, s) {
      return evidenceOfCases(tx, s.orgId, ids(s.caseIds), ids(s.files));
    },

    async erase(tx, s, ctx) {
      // Files of a held-back case stay with it, even when no evidence record cites them.
      const extraFiles = ids(s.files).filter((f) => ![...(s.fileCases.get(f) ?? [])].some((c) => s.holdBack.has(c)));
      const r = await evidence.eraseCases(tx, { orgId: s.orgId, caseIds: ids(s.caseIds), holdBack: s.holdBack, erasureId: ctx.erasureId, at: ctx.at, reason: 'data_subject_request', extraFiles });
      return {
        // Records whose content no longer matched their hash are not tombstoned (verify names them); say so.
        counts: { evidence_records: r.tombstoned, evidence_files: r.forgottenFiles.length, ...(r.skippedBroken.length ? { evidence_records_unverifiable: r.skippedBroken.length } : {}) },
        heldBack: r.heldBack,
        forgottenFiles: r.forgottenFiles,
      };
    },
  };
}
