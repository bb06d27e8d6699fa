import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import { ids, type PrivacyRegistration } from '../privacy/index.js';

const rows = async (tx: Executor, q: ReturnType<typeof sql>) => (await tx.execute(q)).rows as Record<string, unknown>[];

/** Remedies (the text sent to the buyer). Their coupons are in the coupons module's ledger. */
export const remediesPrivacy: PrivacyRegistration = {
  module: 'remedies',
  tables: [
    { table: 'remedies', buyerColumns: ['buyer_id'], personalColumns: ['buyer_message', 'decision_note'] },
  ],
  exempt: [
    { table: 'reships', reason: 'products of a replacement shipment (the address stays with the platform)' },
    { table: 'payout_holds', reason: 'a staff decision about a payout; its reason is a fixed inspection outcome' },
    { table: 'remedy_settings', reason: 'configuration' },
    { table: 'product_economics', reason: 'configuration' },
  ],

  async export(tx, s) {
    const where = sql`org_id = ${s.orgId} and (buyer_id = ${s.buyerId} or order_id = any(${sql.param(ids(s.orderIds))}::text[]))`;
    return {
      remedies: (await rows(tx, sql`select to_jsonb(r) as j from remedies r where ${where} order by created_at`)).map((r) => r.j),
    };
  },

  async erase(tx, s, ctx) {
    const u = await tx.execute(
      sql`update remedies set buyer_message = null, decision_note = null, updated_at = ${ctx.at}
           where org_id = ${s.orgId} and (buyer_id = ${s.buyerId} or order_id = any(${sql.param(ids(s.orderIds))}::text[])) and (buyer_message is not null or decision_note is not null)`,
    );
    return { counts: { remedies: u.rowCount ?? 0 } };
  },
};
