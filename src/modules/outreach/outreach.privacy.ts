import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import type { PrivacyRegistration } from '../privacy/index.js';

const rows = async (tx: Executor, q: ReturnType<typeof sql>) => (await tx.execute(q)).rows as Record<string, unknown>[];

/** Contacts we started with a buyer, and the buyer's consent, unsubscribe and birthday. */
export const outreachPrivacy: PrivacyRegistration = {
  module: 'outreach',
  tables: [
    { table: 'outreach_contacts', buyerColumns: ['buyer_id'], personalColumns: [] },
    { table: 'outreach_preferences', buyerColumns: ['id'], personalColumns: ['birthday'] },
  ],
  async export(tx, s) {
    return {
      contacts: (await rows(tx, sql`select to_jsonb(c) as j from outreach_contacts c where org_id = ${s.orgId} and buyer_id = ${s.buyerId} order by at`)).map((r) => r.j),
      preferences: (await rows(tx, sql`select to_jsonb(p) as j from outreach_preferences p where org_id = ${s.orgId} and id = ${s.buyerId}`)).map((r) => r.j),
    };
  },
  async erase(tx, s) {
    // The unsubscribe must survive an erasure (we would otherwise message the buyer again), so the
    // row stays with consent off and the birthday gone.
    const p = await tx.execute(sql`update outreach_preferences set birthday = null, birthday_consent = false, marketing_consent = false, consent_source = null where org_id = ${s.orgId} and id = ${s.buyerId}`);
    return { counts: { outreach_preferences: p.rowCount ?? 0 } };
  },
};
