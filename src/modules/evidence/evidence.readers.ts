import { and, eq, inArray, sql } from 'drizzle-orm';
import { disputeCases } from './evidence.schema.js';
import type { Executor } from '../../platform/db.js';

/*
 * Narrow reads for other modules, on the caller's transaction (so they see its writes and its
 * organisation): the evidence tables stay this module's own.
 */

const rows = async (tx: Executor, q: ReturnType<typeof sql>) => (await tx.execute(q)).rows as Record<string, unknown>[];

/**
 * The evidence records of these cases, in chain order, and the files they cite plus `fileShas`
 * (a buyer's data export: rows as stored, column names as in the database).
 */
export async function evidenceOfCases(tx: Executor, orgId: string, caseIds: string[], fileShas: string[]): Promise<{ evidence: Record<string, unknown>[]; files: Record<string, unknown>[] }> {
  const records = await rows(
    tx,
    sql`select id, seq, case_id, case_type, kind, actor, occurred_at, summary, data, file_sha256s from evidence_records where org_id = ${orgId} and case_id = any(${sql.param(caseIds)}::text[]) order by seq`,
  );
  const files = fileShas.length || records.length
    ? await rows(
        tx,
        sql`select sha256, file_name, content_type, size, created_at from evidence_files where org_id = ${orgId}
              and sha256 in (select unnest(${sql.param(fileShas)}::text[]) union select unnest(file_sha256s) from evidence_records where org_id = ${orgId} and case_id = any(${sql.param(caseIds)}::text[]))`,
      )
    : [];
  return { evidence: records, files };
}

/** The orders of dispute cases by id (to title a dispute by its order number and buyer). */
export async function disputeOrders(tx: Executor, orgId: string, ids: string[]): Promise<{ id: string; orderId: string; status: string }[]> {
  if (ids.length === 0) return [];
  return tx.select({ id: disputeCases.id, orderId: disputeCases.orderId, status: disputeCases.status }).from(disputeCases).where(and(eq(disputeCases.orgId, orgId), inArray(disputeCases.id, ids)));
}
