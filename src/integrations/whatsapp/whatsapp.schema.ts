import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** A shop's WhatsApp Business number (migration 0232). Secrets are sealed (`platform/secrets.ts`). */
export const whatsappNumbers = pgTable('whatsapp_numbers', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  phoneNumberId: text('phone_number_id').notNull(),
  displayNumber: text('display_number').notNull(),
  businessAccountId: text('business_account_id'),
  accessToken: text('access_token').notNull(),
  appSecret: text('app_secret').notNull(),
  verifyToken: text('verify_token').notNull(),
  status: text('status').$type<'active' | 'paused'>().notNull(),
  lastWebhookAt: timestamp('last_webhook_at', { withTimezone: true }),
  /** Migration 0235: Meta refused the number's credentials since then (a channel failure). */
  failingSince: timestamp('failing_since', { withTimezone: true }),
  lastError: text('last_error'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});
export type WhatsAppNumberRow = typeof whatsappNumbers.$inferSelect;
