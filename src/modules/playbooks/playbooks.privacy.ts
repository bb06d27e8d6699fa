import { sql } from 'drizzle-orm';
import type { PrivacyRegistration } from '../privacy/index.js';

/** Notice sends name a buyer; procedures, runs and notices are staff configuration and work records. */
export const playbooksPrivacy: PrivacyRegistration = {
  module: 'playbooks',
  tables: [{ table: 'notice_sends', buyerColumns: ['buyer_id'], personalColumns: [] }],
  exempt: [
    { table: 'procedures', reason: 'staff instructions per problem category' },
    { table: 'procedure_versions', reason: 'earlier states of staff instructions' },
    { table: 'procedure_runs', reason: "an agent's checklist on a ticket (ticket id only, no buyer content)" },
    { table: 'notices', reason: 'product texts written by the seller, no buyer content' },
  ],
  async export(tx, s) {
    const r = await tx.execute(sql`select to_jsonb(n) as j from notice_sends n where org_id = ${s.orgId} and buyer_id = ${s.buyerId} order by created_at`);
    return { notices: (r.rows as { j: unknown }[]).map((x) => x.j) };
  },
  async erase(tx, s, ctx) {
    // The row stays (the once-per-order rule and the hold-out counts must not change); the buyer link goes.
    const u = await tx.execute(sql`update notice_sends set buyer_id = null, updated_at = ${ctx.at} where org_id = ${s.orgId} and buyer_id = ${s.buyerId}`);
    return { counts: { notice_sends: u.rowCount ?? 0 } };
  },
};
