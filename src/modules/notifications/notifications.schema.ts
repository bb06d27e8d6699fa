import { boolean, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const notifications = pgTable('notifications', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  userId: text('user_id').notNull(),
  shopId: text('shop_id'),
  kind: text('kind').notNull(),
  subjectType: text('subject_type').notNull(),
  subjectId: text('subject_id').notNull(),
  params: jsonb('params').$type<Record<string, string | number | null>>().notNull(),
  link: text('link'),
  readAt: timestamp('read_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export const notificationPreferences = pgTable('notification_preferences', {
  orgId: text('org_id').notNull(),
  userId: text('user_id').notNull(),
  kind: text('kind').notNull(),
  inApp: boolean('in_app').notNull(),
  email: boolean('email').notNull(),
  /** E-mail gathered into the daily digest instead of one mail per notice. */
  emailDigest: boolean('email_digest').notNull().default(false),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/** Notices waiting for a person's daily digest mail (removed when the digest is queued). */
export const notificationDigestItems = pgTable('notification_digest_items', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  userId: text('user_id').notNull(),
  kind: text('kind').notNull(),
  params: jsonb('params').$type<Record<string, string | number | null>>().notNull(),
  link: text('link'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});
