import { bigint, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export type MailTls = 'implicit' | 'starttls' | 'none';

/** A shop's mailbox (migration 0231). Passwords are sealed (`platform/secrets.ts`). */
export const mailboxes = pgTable('mailboxes', {
  orgId: text('org_id').notNull(),
  id: text('id').notNull(),
  shopId: text('shop_id').notNull(),
  address: text('address').notNull(),
  imapHost: text('imap_host').notNull(),
  imapPort: integer('imap_port').notNull(),
  imapTls: text('imap_tls').$type<MailTls>().notNull(),
  imapUser: text('imap_user').notNull(),
  imapPassword: text('imap_password').notNull(),
  folder: text('folder').notNull(),
  smtpHost: text('smtp_host').notNull(),
  smtpPort: integer('smtp_port').notNull(),
  smtpTls: text('smtp_tls').$type<MailTls>().notNull(),
  smtpUser: text('smtp_user').notNull(),
  smtpPassword: text('smtp_password').notNull(),
  status: text('status').$type<'active' | 'failing' | 'paused'>().notNull(),
  lastError: text('last_error'),
  lastErrorStep: text('last_error_step'),
  uidValidity: bigint('uid_validity', { mode: 'bigint' }),
  lastUid: bigint('last_uid', { mode: 'number' }).notNull(),
  lastSyncAt: timestamp('last_sync_at', { withTimezone: true }),
  messagesIngested: bigint('messages_ingested', { mode: 'number' }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});
export type MailboxRow = typeof mailboxes.$inferSelect;
