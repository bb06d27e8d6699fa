import { boolean, date, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { Purpose } from './outreach.rules.js';

const ts = (name: string) => timestamp(name, { withTimezone: true });

export const outreachContacts = pgTable('outreach_contacts', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  buyerId: text('buyer_id').notNull(),
  purpose: text('purpose').$type<Purpose>().notNull(),
  channel: text('channel').notNull(),
  source: text('source').notNull(),
  at: ts('at').notNull(),
  /** The message this contact is for (a coupon ledger row), so it can be withdrawn if it never goes out. */
  ref: text('ref'),
  /** Set when the planned message did not go out: the contact no longer counts. */
  withdrawnAt: ts('withdrawn_at'),
});

export const outreachPreferences = pgTable('outreach_preferences', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  marketingConsent: boolean('marketing_consent').notNull(),
  consentSource: text('consent_source'),
  unsubscribedAt: ts('unsubscribed_at'),
  birthday: date('birthday'),
  birthdayConsent: boolean('birthday_consent').notNull(),
  updatedAt: ts('updated_at').notNull(),
});
