import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';

/** The shop's own LIVE session that was on air at `at` (from the synced session list), if any. */
export async function liveSessionAt(tx: Executor, orgId: string, shopId: string, at: Date): Promise<{ id: string; title: string } | null> {
  const r = await tx.execute(sql`select id, title from live_sessions where org_id = ${orgId} and shop_id = ${shopId} and started_at <= ${at.toISOString()}::timestamptz and ended_at >= ${at.toISOString()}::timestamptz order by started_at desc limit 1`);
  const row = r.rows[0] as { id: string; title: string } | undefined;
  return row ? { id: String(row.id), title: String(row.title) } : null;
}
