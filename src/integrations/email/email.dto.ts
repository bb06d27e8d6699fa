import { z } from 'zod';

const Tls = z.enum(['implicit', 'starttls', 'none']);
const Host = z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9.-]+$|^\[?[0-9a-fA-F:.]+\]?$/, 'a host name or IP address');
const Port = z.number().int().min(1).max(65535);

export const ShopParams = z.strictObject({ shopId: z.string().min(1).max(64) });

/** The mailbox form. Passwords may be left out on an update to keep the stored ones. */
export const MailboxInput = z.strictObject({
  address: z.string().trim().toLowerCase().email(),
  imap: z.strictObject({ host: Host, port: Port, tls: Tls, user: z.string().trim().min(1).max(320), password: z.string().min(1).max(500).optional(), folder: z.string().trim().min(1).max(200).default('INBOX') }),
  smtp: z.strictObject({ host: Host, port: Port, tls: Tls, user: z.string().trim().min(1).max(320), password: z.string().min(1).max(500).optional() }),
  status: z.enum(['active', 'paused']).optional(),
});
export type MailboxInput = z.infer<typeof MailboxInput>;

export const MailboxView = z.object({
  id: z.string(),
  shopId: z.string(),
  address: z.string(),
  imap: z.object({ host: z.string(), port: z.number(), tls: Tls, user: z.string(), folder: z.string() }),
  smtp: z.object({ host: z.string(), port: z.number(), tls: Tls, user: z.string() }),
  status: z.enum(['active', 'failing', 'paused']),
  lastError: z.string().nullable(),
  lastErrorStep: z.string().nullable(),
  lastUid: z.number(),
  lastSyncAt: z.string().nullable(),
  messagesIngested: z.number(),
  updatedAt: z.string(),
});
export type MailboxView = z.infer<typeof MailboxView>;

export const MailboxOrNone = z.object({ mailbox: MailboxView.nullable() });

export const ConnectionTestView = z.object({
  ok: z.boolean(),
  /** Each step in order with its outcome; the first failure names what to fix. */
  steps: z.array(z.object({ step: z.enum(['dns', 'connect', 'tls', 'login', 'folder', 'smtp']), ok: z.boolean(), detail: z.string().nullable() })),
  idle: z.boolean().nullable(),
});
export type ConnectionTestView = z.infer<typeof ConnectionTestView>;

export const MailboxSyncView = z.object({
  fetched: z.number(),
  ingested: z.number(),
  skipped: z.object({ own: z.number(), tooLarge: z.number() }),
  automated: z.number(),
  lastUid: z.number(),
  /** True when another worker held the mailbox (its sync runs there). */
  busy: z.boolean(),
});
export type MailboxSyncView = z.infer<typeof MailboxSyncView>;
