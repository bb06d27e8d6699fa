import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';

/*
 * Narrow reads for other modules, on the caller's transaction (its organisation and brand scope):
 * the SLA tables stay this module's own.
 */

/**
 * Tickets whose clock is at risk (still running, its 80 % warning announced) and tickets with a
 * breached clock not yet stopped: counts for the agency overview.
 */
export async function slaRiskCounts(tx: Executor, orgId: string): Promise<{ atRisk: number; breached: number }> {
  const r = await tx.execute(sql`
    select count(distinct ticket_id) filter (where state = 'running' and breached_at is null and exists (select 1 from unnest(warnings_fired) w where w >= 80))::int as at_risk,
           count(distinct ticket_id) filter (where state = 'breached' or (breached_at is not null and stopped_at is null))::int as breached
    from sla_clocks where org_id = ${orgId} and stopped_at is null`);
  const row = r.rows[0] as { at_risk: number; breached: number };
  return { atRisk: row.at_risk, breached: row.breached };
}
