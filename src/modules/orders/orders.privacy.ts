import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { cutoff, ids, type EraseOutcome, type PrivacyRegistration } from '../privacy/index.js';

const rows = async (tx: Executor, q: ReturnType<typeof sql>) => (await tx.execute(q)).rows as Record<string, unknown>[];

/** Buyers, their orders and TikTok's return records (the platform's copy). */
export const ordersPrivacy: PrivacyRegistration = {
  module: 'orders',
  tables: [
    { table: 'buyers', buyerColumns: ['id', 'platform_buyer_id'], personalColumns: ['display_name', 'email'] },
    { table: 'orders', buyerColumns: ['buyer_id'], personalColumns: ['buyer_message'] },
    { table: 'platform_returns', buyerColumns: ['buyer_id'], personalColumns: ['reason_text', 'photos', 'videos'] },
  ],
  exempt: [{ table: 'order_lines', reason: 'products, prices and traffic sources of an order; nothing about the person (the order row links the buyer)' }],

  async scope(tx, s) {
    const [b] = await rows(tx, sql`select id, platform_buyer_id, email from buyers where org_id = ${s.orgId} and id = ${s.buyerId}`);
    // Another organisation's buyer is invisible under row-level security: the same answer as a missing one.
    if (!b) throw AppError.notFound('buyer', s.buyerId);
    s.platformBuyerIds.add(String(b.platform_buyer_id));
    if (b.email) s.emails.add(String(b.email).toLowerCase());
    for (const o of await rows(tx, sql`select id, external_id from orders where org_id = ${s.orgId} and buyer_id = ${s.buyerId}`)) {
      s.orderIds.add(String(o.id));
      s.externalOrderIds.add(String(o.external_id));
    }
    for (const r of await rows(tx, sql`select id from platform_returns where org_id = ${s.orgId} and (buyer_id = ${s.buyerId} or order_id = any(${sql.param(ids(s.orderIds))}::text[]))`)) {
      s.platformReturnIds.add(String(r.id));
    }
  },

  async export(tx, s) {
    return {
      buyer: (await rows(tx, sql`select to_jsonb(b) as j from buyers b where org_id = ${s.orgId} and id = ${s.buyerId}`))[0]?.j ?? null,
      orders: (
        await rows(
          tx,
          sql`select to_jsonb(o) || jsonb_build_object('lines', coalesce((select jsonb_agg(to_jsonb(l) order by l.id) from order_lines l where l.org_id = o.org_id and l.order_id = o.id), '[]'::jsonb)) as j
                from orders o where org_id = ${s.orgId} and id = any(${sql.param(ids(s.orderIds))}::text[]) order by placed_at`,
        )
      ).map((r) => r.j),
      platformReturns: (await rows(tx, sql`select to_jsonb(p) as j from platform_returns p where org_id = ${s.orgId} and id = any(${sql.param(ids(s.platformReturnIds))}::text[]) order by requested_at`)).map((r) => r.j),
    };
  },

  async erase(tx, s, ctx) {
    const buyers = await tx.execute(
      sql`update buyers set display_name = null, email = null, platform_buyer_id = ${ctx.pseudonym(`${s.buyerId}`)}, updated_at = ${ctx.at} where org_id = ${s.orgId} and id = ${s.buyerId}`,
    );
    const orders = await tx.execute(sql`update orders set buyer_message = null, updated_at = ${ctx.at} where org_id = ${s.orgId} and id = any(${sql.param(ids(s.orderIds))}::text[]) and buyer_message is not null`);
    const prt = await tx.execute(
      sql`update platform_returns set reason_text = null, photos = '[]'::jsonb, videos = '[]'::jsonb, updated_at = ${ctx.at} where org_id = ${s.orgId} and id = any(${sql.param(ids(s.platformReturnIds))}::text[])`,
    );
    return { counts: { buyers: buyers.rowCount ?? 0, orders: orders.rowCount ?? 0, platform_returns: prt.rowCount ?? 0 } };
  },

  async retain(tx, orgId, policy, now, ctx): Promise<Record<string, number>> {
    if (!policy.orderPersonalDays) return {};
    const before = cutoff(now, policy.orderPersonalDays);
    // Orders under an open dispute keep what the dispute may need.
    const held = sql.param([...ctx.holds.orderIds]);
    const orders = await tx.execute(sql`update orders set buyer_message = null, updated_at = ${now} where org_id = ${orgId} and placed_at < ${before} and buyer_message is not null and not (id = any(${held}::text[]))`);
    const prt = await tx.execute(
      sql`update platform_returns set reason_text = null, photos = '[]'::jsonb, videos = '[]'::jsonb, updated_at = ${now}
           where org_id = ${orgId} and requested_at < ${before} and (reason_text is not null or photos <> '[]'::jsonb or videos <> '[]'::jsonb)
             and not (coalesce(order_id, '') = any(${held}::text[]))`,
    );
    // A buyer's name and e-mail go once their newest order is past the period.
    const buyers = await tx.execute(
      sql`update buyers b set display_name = null, email = null, updated_at = ${now}
           where b.org_id = ${orgId} and (b.display_name is not null or b.email is not null)
             and not exists (select 1 from orders o where o.org_id = b.org_id and o.buyer_id = b.id and (o.placed_at >= ${before} or o.id = any(${held}::text[])))`,
    );
    return { orders: orders.rowCount ?? 0, platform_returns: prt.rowCount ?? 0, buyers: buyers.rowCount ?? 0 };
  },
};
