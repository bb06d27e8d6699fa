import { bigint, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true });

export const tiktokConnections = pgTable('tiktok_connections', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  tiktokShopId: text('tiktok_shop_id').notNull(),
  shopCipher: text('shop_cipher').notNull(),
  shopName: text('shop_name'),
  region: text('region'),
  sellerName: text('seller_name'),
  openId: text('open_id'),
  accessTokenEnc: text('access_token_enc').notNull(),
  accessExpiresAt: ts('access_expires_at').notNull(),
  refreshTokenEnc: text('refresh_token_enc').notNull(),
  refreshExpiresAt: ts('refresh_expires_at').notNull(),
  grantedScopes: text('granted_scopes').array().notNull(),
  status: text('status').$type<'active' | 'revoked' | 'needs_reauthorisation'>().notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export type SyncKind = 'orders' | 'returns' | 'cancellations' | 'conversations';

export const tiktokSyncCursors = pgTable('tiktok_sync_cursors', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  kind: text('kind').$type<SyncKind>().notNull(),
  watermark: bigint('watermark', { mode: 'number' }).notNull(),
  lastRunAt: ts('last_run_at'),
  lastCount: integer('last_count').notNull(),
});

export const tiktokWebhookEvents = pgTable('tiktok_webhook_events', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  tiktokShopId: text('tiktok_shop_id').notNull(),
  dedupeKey: text('dedupe_key').notNull(),
  ttsNotificationId: text('tts_notification_id'),
  type: integer('type').notNull(),
  rawBody: text('raw_body').notNull(),
  workRefs: text('work_refs'),
  status: text('status').$type<'pending' | 'done' | 'failed' | 'ignored'>().notNull(),
  attempts: integer('attempts').notNull(),
  deliveries: integer('deliveries').notNull(),
  timesProcessed: integer('times_processed').notNull(),
  lastError: text('last_error'),
  nextAttemptAt: ts('next_attempt_at').notNull(),
  receivedAt: ts('received_at').notNull(),
  processedAt: ts('processed_at'),
});

/** Per TikTok shop bound to no organisation: how many webhook events arrived for it (installation-wide, no tenant). */
export const tiktokUnboundShops = pgTable('tiktok_unbound_shops', {
  tiktokShopId: text('tiktok_shop_id').primaryKey(),
  events: bigint('events', { mode: 'number' }).notNull(),
  lastType: integer('last_type').notNull(),
  lastNotificationId: text('last_notification_id'),
  firstSeenAt: ts('first_seen_at').notNull(),
  lastSeenAt: ts('last_seen_at').notNull(),
});
