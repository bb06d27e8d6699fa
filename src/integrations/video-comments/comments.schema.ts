import { boolean, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** A shop's TikTok business account on the API for Business (migration 0233). The token is sealed. */
export const tiktokBusinessAccounts = pgTable('tiktok_business_accounts', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  businessId: text('business_id').notNull(),
  displayName: text('display_name').notNull(),
  accessToken: text('access_token').notNull(),
  status: text('status').$type<'active' | 'paused' | 'failing'>().notNull(),
  lastError: text('last_error'),
  lastPollAt: timestamp('last_poll_at', { withTimezone: true }),
  commentsSeen: integer('comments_seen').notNull(),
  ticketsOpened: integer('tickets_opened').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  /** Migration 0234: set when the account holder connected through OAuth (sealed refresh token). */
  refreshToken: text('refresh_token'),
  accessExpiresAt: timestamp('access_expires_at', { withTimezone: true }),
  refreshExpiresAt: timestamp('refresh_expires_at', { withTimezone: true }),
  scopes: text('scopes'),
  connectedVia: text('connected_via').$type<'token' | 'oauth'>().notNull(),
});
export type BusinessAccountRow = typeof tiktokBusinessAccounts.$inferSelect;

/** Each comment the poll looked at and what became of it (migration 0233). */
export const videoComments = pgTable('video_comments', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  accountId: text('account_id').notNull(),
  videoId: text('video_id').notNull(),
  commentId: text('comment_id').notNull(),
  parentCommentId: text('parent_comment_id'),
  decision: text('decision').$type<'ticket' | 'ignored' | 'own'>().notNull(),
  category: text('category'),
  language: text('language'),
  repliesSeen: integer('replies_seen').notNull(),
  hidden: boolean('hidden').notNull(),
  visibilityVersion: integer('visibility_version').notNull(),
  seenAt: timestamp('seen_at', { withTimezone: true }).notNull(),
});
export type VideoCommentRow = typeof videoComments.$inferSelect;

/** Each "Connect with TikTok" started (migration 0234): one-time, bound to its user and shop. */
export const tiktokBusinessOauthStates = pgTable('tiktok_business_oauth_states', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  userId: text('user_id').notNull(),
  stateHash: text('state_hash').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});
