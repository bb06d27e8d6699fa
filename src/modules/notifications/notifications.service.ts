import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import type { IdGenerator } from '../../platform/ids.js';
import { publishLive } from '../../platform/live.js';
import { afterCursor, cutPage, type Page } from '../../platform/pagination.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import type { Role } from '../../platform/tenancy.js';
import { deskPeopleIn, mailRecipientIn } from '../auth/index.js';
import { digestMail, mailLocale, notificationMail } from './notifications.mail.js';
import { NOTIFICATION_KINDS, type NotificationKind, type NotificationListQuery, type NotificationParams, type NotificationView, type PreferencesView } from './notifications.dto.js';
import { channelsFor, recipientsFor } from './notifications.rules.js';
import { enqueue } from '../../platform/outbox/outbox.js';
import { notificationDigestItems, notificationPreferences, notifications } from './notifications.schema.js';

export type NotificationRow = typeof notifications.$inferSelect;

export interface NotifyInput {
  orgId: string;
  /** People by id, people by role, or both (each person once). */
  to: string[] | { role: Role[]; userIds?: string[] };
  kind: NotificationKind;
  subject: { type: string; id: string };
  /** The subject's shop, when it has one (brand scope). */
  shopId?: string | null;
  params?: NotificationParams;
  /** The web app's path for the subject (`/inbox/tkt_…`). */
  link?: string | null;
  /** Nobody is told about what they did themselves. */
  except?: string | null;
}

/** Written in the caller's transaction: the notification exists exactly when the change does. */
export type Notify = (tx: Executor, input: NotifyInput) => Promise<number>;

export function notificationView(r: NotificationRow): NotificationView {
  return { id: r.id, kind: r.kind, subject: { type: r.subjectType, id: r.subjectId }, params: r.params, link: r.link, read: !!r.readAt, createdAt: r.createdAt.toISOString() };
}

const ALL_ROLES = ['owner', 'supervisor', 'agent', 'warehouse'] as const;

/** The outbox step that mails one notification to one person (registered by `registerNotificationMail`). */
export const NOTIFICATION_MAIL_STEP = 'notifications.mail';
/** The outbox step that mails one person's daily digest (registered beside the single mail). */
export const NOTIFICATION_DIGEST_STEP = 'notifications.digest_mail';
/** The daily job that turns each person's queued notices into one digest mail. */
export const NOTIFICATION_DIGEST_JOB = 'notifications.daily_digest';
/** A digest names at most this many notices (the newest); the rest are counted. */
const DIGEST_MAX_ITEMS = 50;

export function createNotificationsService(deps: { db: Database; ids: IdGenerator; clock: Clock }, opts: { emailAvailable?: boolean } = {}) {
  const { db, ids, clock } = deps;
  const emailAvailable = opts.emailAvailable ?? false;

  /**
   * Set-based: one read of the people, one of their preferences for this kind, one insert, one
   * NOTIFY for the live channel — whatever the number of recipients. Whoever asked for this kind by
   * e-mail (once the installation has SMTP) gets an outbox step in the same transaction, mailed
   * straight away in their UI language.
   */
  const notify: Notify = async (tx, input) => {
    const people = await deskPeopleIn(tx, input.orgId);
    const wanted = recipientsFor(people, input.to, input.except ?? null);
    if (!wanted.length) return 0;
    const prefs = await tx
      .select({ userId: notificationPreferences.userId, inApp: notificationPreferences.inApp, email: notificationPreferences.email, emailDigest: notificationPreferences.emailDigest })
      .from(notificationPreferences)
      .where(and(eq(notificationPreferences.orgId, input.orgId), eq(notificationPreferences.kind, input.kind), inArray(notificationPreferences.userId, wanted)));
    const channels = channelsFor(wanted, prefs, emailAvailable);
    const to = channels.inApp;
    const now = clock.now();
    const rows = to.map((userId) => ({ userId, id: ids('ntf') }));
    for (const userId of channels.email) {
      const id = rows.find((r) => r.userId === userId)?.id ?? ids('ntm');
      await enqueue(
        tx,
        { orgId: input.orgId, handler: NOTIFICATION_MAIL_STEP, idempotencyKey: `notification.mail:${id}`, payload: { userId, kind: input.kind, params: input.params ?? {}, link: input.link ?? null }, subjectType: 'user', subjectId: userId, maxAttempts: 6 },
        { ids, clock },
      );
    }
    if (channels.digest.length) {
      await tx.insert(notificationDigestItems).values(
        channels.digest.map((userId) => ({ orgId: input.orgId, id: ids('ntd'), userId, kind: input.kind, params: input.params ?? {}, link: input.link ?? null, createdAt: now })),
      );
    }
    if (!to.length) return 0;
    await tx.insert(notifications).values(
      rows.map(({ userId, id }) => ({
        orgId: input.orgId,
        id,
        userId,
        shopId: input.shopId ?? null,
        kind: input.kind,
        subjectType: input.subject.type,
        subjectId: input.subject.id,
        params: input.params ?? {},
        link: input.link ?? null,
        readAt: null,
        createdAt: now,
      })),
    );
    await publishLive(tx, { t: 'notification', o: input.orgId, s: input.shopId ?? null, u: to.length <= 100 ? to : null });
    return to.length;
  };

  return {
    notify,

    async list(actor: Actor, q: NotificationListQuery): Promise<Page<NotificationRow>> {
      const limit = q.limit ?? 30;
      const rows = await db.tenant(actor.orgId, (tx) =>
        tx
          .select()
          .from(notifications)
          .where(and(eq(notifications.orgId, actor.orgId), eq(notifications.userId, actor.userId), q.unread === 'true' ? isNull(notifications.readAt) : undefined, afterCursor(notifications.createdAt, notifications.id, q.cursor)))
          .orderBy(desc(notifications.createdAt), desc(notifications.id))
          .limit(limit + 1),
      );
      return cutPage(rows, limit, (r) => ({ sort: r.createdAt, id: r.id }));
    },

    async unreadCount(actor: Actor): Promise<number> {
      const [r] = await db.tenant(actor.orgId, (tx) =>
        tx
          .select({ n: sql<number>`count(*)::int` })
          .from(notifications)
          .where(and(eq(notifications.orgId, actor.orgId), eq(notifications.userId, actor.userId), isNull(notifications.readAt))),
      );
      return r?.n ?? 0;
    },

    /** Only one's own notifications; another person's ids (or another organisation's) change nothing. */
    async markRead(actor: Actor, idsToMark: string[]): Promise<number> {
      const now = clock.now();
      const r = await db.tenant(actor.orgId, (tx) =>
        tx
          .update(notifications)
          .set({ readAt: now })
          .where(and(eq(notifications.orgId, actor.orgId), eq(notifications.userId, actor.userId), inArray(notifications.id, idsToMark), isNull(notifications.readAt)))
          .returning({ id: notifications.id }),
      );
      return r.length;
    },

    async markAllRead(actor: Actor): Promise<number> {
      const now = clock.now();
      const r = await db.tenant(actor.orgId, (tx) =>
        tx
          .update(notifications)
          .set({ readAt: now })
          .where(and(eq(notifications.orgId, actor.orgId), eq(notifications.userId, actor.userId), isNull(notifications.readAt)))
          .returning({ id: notifications.id }),
      );
      return r.length;
    },

    async preferences(actor: Actor): Promise<PreferencesView> {
      requireRole(actor, ALL_ROLES, 'reading notification preferences');
      const rows = await db.tenant(actor.orgId, (tx) =>
        tx.select().from(notificationPreferences).where(and(eq(notificationPreferences.orgId, actor.orgId), eq(notificationPreferences.userId, actor.userId))),
      );
      const byKind = new Map(rows.map((r) => [r.kind, r]));
      return {
        items: NOTIFICATION_KINDS.map((kind) => ({ kind, inApp: byKind.get(kind)?.inApp ?? true, email: byKind.get(kind)?.email ?? false, emailDigest: byKind.get(kind)?.emailDigest ?? false })),
        emailAvailable,
      };
    },

    /** `emailDigest` left out keeps the person's current choice (immediate for a new row). */
    async setPreferences(actor: Actor, items: { kind: NotificationKind; inApp: boolean; email: boolean; emailDigest?: boolean }[]): Promise<PreferencesView> {
      const now = clock.now();
      await db.tenant(actor.orgId, async (tx) => {
        for (const it of items) {
          const digest = it.emailDigest === undefined ? {} : { emailDigest: it.emailDigest };
          await tx
            .insert(notificationPreferences)
            .values({ orgId: actor.orgId, userId: actor.userId, kind: it.kind, inApp: it.inApp, email: it.email, emailDigest: it.emailDigest ?? false, updatedAt: now })
            .onConflictDoUpdate({ target: [notificationPreferences.orgId, notificationPreferences.userId, notificationPreferences.kind], set: { inApp: it.inApp, email: it.email, ...digest, updatedAt: now } });
        }
      });
      return this.preferences(actor);
    },

    /**
     * The daily digest: every person's queued notices become one outbox step (mailed in their
     * language when it runs), and the queue is emptied in the same transaction, so a second run
     * the same day finds nothing and a retried step never mails twice.
     */
    async runDigests(opts: { orgId?: string } = {}): Promise<{ people: number; notices: number }> {
      const orgs = await db.system(async (tx) => {
        const r = await tx.execute(sql`select distinct org_id from notification_digest_items where (${opts.orgId ?? null}::text is null or org_id = ${opts.orgId ?? null})`);
        return (r.rows as { org_id: string }[]).map((x) => x.org_id);
      });
      let people = 0;
      let notices = 0;
      for (const orgId of orgs) {
        const r = await db.tenant(orgId, async (tx) => {
          const rows = await tx
            .delete(notificationDigestItems)
            .where(eq(notificationDigestItems.orgId, orgId))
            .returning();
          const byUser = new Map<string, typeof rows>();
          for (const row of rows) byUser.set(row.userId, [...(byUser.get(row.userId) ?? []), row]);
          for (const [userId, list] of byUser) {
            list.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
            const shown = list.slice(-DIGEST_MAX_ITEMS);
            await enqueue(
              tx,
              {
                orgId,
                handler: NOTIFICATION_DIGEST_STEP,
                idempotencyKey: `notification.digest:${userId}:${list[list.length - 1]!.id}`,
                payload: { userId, total: list.length, items: shown.map((i) => ({ kind: i.kind, params: i.params, link: i.link })) },
                subjectType: 'user',
                subjectId: userId,
                maxAttempts: 6,
              },
              { ids, clock },
            );
          }
          return { people: byUser.size, notices: rows.length };
        });
        people += r.people;
        notices += r.notices;
      }
      return { people, notices };
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;

/**
 * The mailing step: the person's address, name and UI language are read when it runs (never kept
 * in the step), the mail is worded from the notification's kind and values, and a person who has
 * left meanwhile gets nothing. Nothing about the person reaches the log.
 */
export function notificationMailHandler(deps: { db: Database; publicUrl: string; send(mail: { to: string; subject: string; text: string; messageId?: string }): Promise<unknown> }) {
  return async (payload: Record<string, unknown>, ctx: { orgId: string; idempotencyKey: string }): Promise<Record<string, unknown>> => {
    const p = payload as { userId: string; kind: string; params: NotificationParams; link: string | null };
    const who = await deps.db.tenant(ctx.orgId, (tx) => mailRecipientIn(tx, ctx.orgId, p.userId));
    if (!who || !who.active) return { skipped: 'recipient_inactive' };
    const mail = notificationMail({ kind: p.kind, params: p.params, link: p.link }, who, deps.publicUrl);
    await deps.send({ to: who.email, subject: mail.subject, text: mail.text, messageId: `<${ctx.idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '.')}@afterdesk>` });
    return { mailed: true, locale: mailLocale(who.uiLocale) };
  };
}

/** The digest's mailing step: like the single mail, the person is read when it runs. */
export function notificationDigestHandler(deps: { db: Database; publicUrl: string; send(mail: { to: string; subject: string; text: string; messageId?: string }): Promise<unknown> }) {
  return async (payload: Record<string, unknown>, ctx: { orgId: string; idempotencyKey: string }): Promise<Record<string, unknown>> => {
    const p = payload as { userId: string; total: number; items: { kind: string; params: NotificationParams; link: string | null }[] };
    const who = await deps.db.tenant(ctx.orgId, (tx) => mailRecipientIn(tx, ctx.orgId, p.userId));
    if (!who || !who.active) return { skipped: 'recipient_inactive' };
    const mail = digestMail(p.items, p.total, who, deps.publicUrl);
    await deps.send({ to: who.email, subject: mail.subject, text: mail.text, messageId: `<${ctx.idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '.')}@afterdesk>` });
    return { mailed: true, notices: p.total, locale: mailLocale(who.uiLocale) };
  };
}
