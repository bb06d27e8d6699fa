import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import type { PrivacyRegistration } from '../privacy/index.js';

const rows = async (tx: Executor, q: ReturnType<typeof sql>) => (await tx.execute(q)).rows as Record<string, unknown>[];

/** The per-buyer coupon ledger. */
export const couponsPrivacy: PrivacyRegistration = {
  module: 'coupons',
  tables: [
    { table: 'coupon_ledger', buyerColumns: ['buyer_id'], personalColumns: [] },
    { table: 'coupon_buyer_facts', buyerColumns: ['buyer_id'], personalColumns: [] },
  ],
  exempt: [
    { table: 'platform_coupons', reason: "the shop's coupon terms as the platform reports them" },
    { table: 'coupon_programmes', reason: 'configuration (message templates, no buyer content)' },
    { table: 'coupon_variants', reason: 'configuration (message templates, no buyer content)' },
    { table: 'coupon_fact_watermarks', reason: 'per shop: up to when the buyer summary has read changes' },
  ],
  async export(tx, s) {
    return { coupons: (await rows(tx, sql`select to_jsonb(c) as j from coupon_ledger c where org_id = ${s.orgId} and buyer_id = ${s.buyerId} order by planned_at`)).map((r) => r.j) };
  },
  async erase(tx, s, ctx) {
    // The rows stay (a programme's counts and its hold-out must not change); the link to the buyer goes.
    const u = await tx.execute(sql`update coupon_ledger set buyer_id = null, updated_at = ${ctx.at} where org_id = ${s.orgId} and buyer_id = ${s.buyerId}`);
    // The summary is derived from orders: it goes with the buyer (a refresh rebuilds only what orders still link to them).
    const f = await tx.execute(sql`delete from coupon_buyer_facts where org_id = ${s.orgId} and buyer_id = ${s.buyerId}`);
    return { counts: { coupon_ledger: u.rowCount ?? 0, coupon_buyer_facts: f.rowCount ?? 0 } };
  },
};
