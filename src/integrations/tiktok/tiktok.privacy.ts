import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import { cutoff, ids, type EraseOutcome, type PrivacyRegistration } from '../../modules/privacy/index.js';

const rows = async (tx: Executor, q: ReturnType<typeof sql>) => (await tx.execute(q)).rows as Record<string, unknown>[];

/** Webhook bodies as TikTok sent them (they can carry a buyer's chat text and ids). */
export const tiktokPrivacy: PrivacyRegistration = {
  module: 'tiktok',
  tables: [{ table: 'tiktok_webhook_events', buyerColumns: [], personalColumns: ['raw_body', 'work_refs'] }],
  exempt: [
    { table: 'tiktok_connections', reason: 'the seller’s authorisation (seller name, open id), not a buyer' },
    { table: 'tiktok_sync_cursors', reason: 'sync positions' },
    { table: 'tiktok_unbound_shops', reason: 'installation-wide counters of shops bound nowhere' },
  ],

  async export(tx, s) {
    const needles = [...s.externalOrderIds, ...s.platformBuyerIds];
    if (!needles.length) return { webhookEvents: [] };
    const found = await rows(
      tx,
      sql`select id, type, received_at, raw_body from tiktok_webhook_events where org_id = ${s.orgId} and raw_body like any(${sql.param(needles.map((n) => `%${n}%`))}::text[]) order by received_at`,
    );
    return { webhookEvents: found };
  },

  async erase(tx, s): Promise<EraseOutcome> {
    const needles = [...s.externalOrderIds, ...s.platformBuyerIds];
    if (!needles.length) return { counts: {} };
    // Pending events are still to be processed; they are about the order, and processing them
    // re-creates nothing erased here (names and messages are blanked again by the next erasure).
    const u = await tx.execute(
      sql`update tiktok_webhook_events set raw_body = '{}', work_refs = null where org_id = ${s.orgId} and status <> 'pending' and raw_body like any(${sql.param(needles.map((n) => `%${n}%`))}::text[])`,
    );
    return { counts: { tiktok_webhook_events: u.rowCount ?? 0 } };
  },

  async retain(tx, orgId, policy, now): Promise<Record<string, number>> {
    if (!policy.webhookBodyDays) return {};
    const u = await tx.execute(
      sql`update tiktok_webhook_events set raw_body = '{}', work_refs = null where org_id = ${orgId} and status <> 'pending' and received_at < ${cutoff(now, policy.webhookBodyDays)} and raw_body <> '{}'`,
    );
    return { tiktok_webhook_events: u.rowCount ?? 0 };
  },
};
void ids;
