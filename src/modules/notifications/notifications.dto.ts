import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/pagination.dto.js';

/**
 * The kinds of notification known today. The list is open: a later module adds its kind here (and
 * its words in the web app's `notifications` locale files), nothing else changes.
 */
export const NOTIFICATION_KINDS = ['approval_waiting', 'approval_decided', 'sla_warning', 'sla_breach', 'mention', 'outbox_failed', 'shop_health', 'incident_approval', 'incident_reply', 'channel_failure'] as const;
export const NotificationKind = z.enum(NOTIFICATION_KINDS);
export type NotificationKind = z.infer<typeof NotificationKind>;

/** Values a notification's words are made from (numbers, names of things, codes) — never prose. */
export type NotificationParams = Record<string, string | number | null>;

export const NotificationView = z.object({
  id: z.string(),
  kind: z.string(),
  subject: z.object({ type: z.string(), id: z.string() }),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  link: z.string().nullable(),
  read: z.boolean(),
  createdAt: z.string(),
});
export type NotificationView = z.infer<typeof NotificationView>;

export const NotificationPage = pageOf(NotificationView);
export const NotificationListQuery = z.strictObject({ ...pageQuery, unread: z.enum(['true', 'false']).optional() });
export type NotificationListQuery = z.infer<typeof NotificationListQuery>;

export const UnreadCountView = z.object({ unread: z.number() });
export const MarkReadInput = z.strictObject({ ids: z.array(z.string().min(1).max(64)).min(1).max(200) });
export const MarkReadResult = z.object({ updated: z.number() });

/** `emailDigest`: e-mail for this kind is gathered into one mail a day instead of one per notice. */
export const PreferenceView = z.object({ kind: NotificationKind, inApp: z.boolean(), email: z.boolean(), emailDigest: z.boolean() });
export type PreferenceView = z.infer<typeof PreferenceView>;
export const PreferencesView = z.object({
  items: z.array(PreferenceView),
  /** False until the installation has an SMTP server; the e-mail column is kept for then. */
  emailAvailable: z.boolean(),
});
export type PreferencesView = z.infer<typeof PreferencesView>;
export const PreferencesInput = z.strictObject({
  items: z.array(z.strictObject({ kind: NotificationKind, inApp: z.boolean(), email: z.boolean(), emailDigest: z.boolean().optional() })).min(1).max(NOTIFICATION_KINDS.length),
});
