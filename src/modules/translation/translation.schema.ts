import { boolean, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const translationSettings = pgTable('translation_settings', {
  orgId: text('org_id').notNull(),
  baseUrl: text('base_url').notNull(),
  apiKeyEnc: text('api_key_enc'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const translationUserPrefs = pgTable('translation_user_prefs', {
  orgId: text('org_id').notNull(),
  userId: text('user_id').notNull(),
  alwaysTranslate: boolean('always_translate').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const messageTranslations = pgTable('message_translations', {
  orgId: text('org_id').notNull(),
  messageId: text('message_id').notNull(),
  targetLang: text('target_lang').notNull(),
  ticketId: text('ticket_id').notNull(),
  shopId: text('shop_id').notNull(),
  sourceLang: text('source_lang'),
  text: text('text').notNull(),
  provider: text('provider').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});
