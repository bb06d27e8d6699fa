import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** A shop's TikTok advertiser account on the API for Business (migration 0605). The token is sealed. */
export const tiktokAdsAccounts = pgTable('tiktok_ads_accounts', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  advertiserId: text('advertiser_id').notNull(),
  accessToken: text('access_token').notNull(),
  currency: text('currency').notNull(),
  status: text('status').$type<'active' | 'paused' | 'failing'>().notNull(),
  lastError: text('last_error'),
  lastImportAt: timestamp('last_import_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});
export type AdsAccountRow = typeof tiktokAdsAccounts.$inferSelect;
