import { sql } from 'drizzle-orm';
import type { PrivacyRegistration } from '../privacy/index.js';
import { ids } from '../privacy/index.js';

/** Translations repeat the buyer's words: they go wherever the ticket's messages go. */
export const translationPrivacy: PrivacyRegistration = {
  module: 'translation',
  tables: [{ table: 'message_translations', buyerColumns: [], personalColumns: ['text'] }],
  exempt: [
    { table: 'translation_settings', reason: 'the organisation’s service address and encrypted key' },
    { table: 'translation_user_prefs', reason: 'staff settings' },
  ],
  async export(tx, s) {
    const t = ids(s.ticketIds);
    if (!t.length) return {};
    const r = await tx.execute(sql`select ticket_id, message_id, target_lang, text from message_translations where org_id = ${s.orgId} and ticket_id = any(${sql.param(t)}::text[]) order by ticket_id, message_id`);
    return { message_translations: r.rows };
  },
  async erase(tx, s) {
    const t = ids(s.ticketIds);
    if (!t.length) return { counts: { message_translations: 0 } };
    const r = await tx.execute(sql`delete from message_translations where org_id = ${s.orgId} and ticket_id = any(${sql.param(t)}::text[])`);
    return { counts: { message_translations: r.rowCount ?? 0 } };
  },
};
