import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import { addFile, ids, type PrivacyRegistration } from '../privacy/index.js';

const rows = async (tx: Executor, q: ReturnType<typeof sql>) => (await tx.execute(q)).rows as Record<string, unknown>[];

/** Our own returns (RMA): the buyer's note and photos, the warehouse's inspection photos. */
export const returnsPrivacy: PrivacyRegistration = {
  module: 'returns',
  tables: [{ table: 'returns', buyerColumns: ['buyer_id'], personalColumns: ['buyer_note', 'photos', 'inspection_note', 'inspection_photos', 'tracking_number'] }],
  exempt: [
    { table: 'return_lines', reason: 'products and amounts of a return line' },
    { table: 'return_reason_trees', reason: 'the shop’s reason catalogue' },
    { table: 'exchange_stock', reason: 'stock levels' },
  ],

  async scope(tx, s) {
    const found = await rows(
      tx,
      sql`select id, rma, order_id, ticket_id, appeal_status, photos, inspection_photos from returns where org_id = ${s.orgId}
            and (buyer_id = ${s.buyerId} or order_id = any(${sql.param(ids(s.orderIds))}::text[]) or ticket_id = any(${sql.param(ids(s.ticketIds))}::text[]))`,
    );
    for (const r of found) {
      const id = String(r.id);
      s.returnIds.add(id);
      s.caseIds.add(id);
      if (r.ticket_id) {
        s.ticketIds.add(String(r.ticket_id));
        s.caseIds.add(String(r.ticket_id));
      }
      for (const f of [...((r.photos as string[]) ?? []), ...((r.inspection_photos as string[]) ?? [])]) addFile(s, f, id);
      // An open appeal is a claim the seller is still defending before the platform.
      if (r.appeal_status === 'open') {
        const why = `open appeal on return ${String(r.rma)}`;
        s.holdBack.set(id, why);
        if (r.ticket_id) s.holdBack.set(String(r.ticket_id), why);
        // The buyer's messages about the same order are what the appeal rests on.
        for (const [ticketId, orderId] of s.ticketOrders) if (orderId === r.order_id) s.holdBack.set(ticketId, why);
      }
    }
  },

  async legalHolds(tx, orgId) {
    const open = await rows(tx, sql`select id, order_id, ticket_id from returns where org_id = ${orgId} and appeal_status = 'open'`);
    return { caseIds: open.flatMap((r) => [String(r.id), ...(r.ticket_id ? [String(r.ticket_id)] : [])]), orderIds: open.map((r) => String(r.order_id)) };
  },

  async export(tx, s) {
    const returns = (
      await rows(
        tx,
        sql`select to_jsonb(r) || jsonb_build_object('lines', coalesce((select jsonb_agg(to_jsonb(l) order by l.id) from return_lines l where l.org_id = r.org_id and l.return_id = r.id), '[]'::jsonb)) as j
              from returns r where org_id = ${s.orgId} and id = any(${sql.param(ids(s.returnIds))}::text[]) order by requested_at`,
      )
    ).map((r) => r.j);
    return { returns };
  },

  async erase(tx, s, ctx) {
    const erasable = ids(s.returnIds).filter((r) => !s.holdBack.has(r));
    const u = await tx.execute(
      sql`update returns set buyer_note = null, photos = '{}', inspection_note = null, inspection_photos = '{}', tracking_number = null, updated_at = ${ctx.at}
           where org_id = ${s.orgId} and id = any(${sql.param(erasable)}::text[])`,
    );
    const heldBack = ids(s.returnIds)
      .filter((r) => s.holdBack.has(r))
      .map((r) => ({ caseId: r, caseType: 'return', reason: 'legal_claims' as const, basis: 'GDPR Art. 17(3)(e)' as const, why: s.holdBack.get(r)! }));
    return { counts: { returns: u.rowCount ?? 0 }, heldBack };
  },
};
