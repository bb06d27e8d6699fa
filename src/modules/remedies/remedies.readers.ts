import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';

/** Remedies waiting for a supervisor's approval, on the caller's transaction (its organisation and brand scope). */
export async function approvalsWaitingCount(tx: Executor, orgId: string): Promise<number> {
  const r = await tx.execute(sql`select count(*)::int as n from remedies where org_id = ${orgId} and status = 'pending_approval'`);
  return (r.rows[0] as { n: number }).n;
}
