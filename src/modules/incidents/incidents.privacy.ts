import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import type { PrivacyRegistration } from '../privacy/index.js';

const rows = async (tx: Executor, q: ReturnType<typeof sql>) => (await tx.execute(q)).rows as Record<string, unknown>[];

/** A buyer's place in incident audiences (which outreach, channel, state); the texts are the incident's, not the buyer's. */
export const incidentsPrivacy: PrivacyRegistration = {
  module: 'incidents',
  tables: [
    { table: 'incident_buyers', buyerColumns: ['buyer_id'], personalColumns: ['country', 'language'] },
  ],
  exempt: [
    { table: 'incidents', reason: 'the pattern, the agreed texts and the cost of an outreach: no buyer is named' },
    { table: 'incident_lots', reason: 'the lot (batch) of an order line from a seller CSV: order, line, SKU and lot, no buyer' },
    { table: 'incident_applications', reason: 'which ticket an outreach was applied to (the ticket holds the buyer and is erased with the helpdesk)' },
  ],
  async export(tx, s) {
    return { audiences: (await rows(tx, sql`select incident_id, channel, status, language, country, complained, send_at from incident_buyers where org_id = ${s.orgId} and buyer_id = ${s.buyerId} order by created_at`)) };
  },
  async erase(tx, s) {
    // The row stays so a retry of the outreach never reaches the buyer again; what it says of them goes.
    const r = await tx.execute(sql`update incident_buyers set country = null, language = 'en' where org_id = ${s.orgId} and buyer_id = ${s.buyerId}`);
    return { counts: { incident_buyers: r.rowCount ?? 0 } };
  },
};
