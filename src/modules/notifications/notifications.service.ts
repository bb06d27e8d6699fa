import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import type { IdGenerator } from '../../platform/ids.js';
import { publishLive } from '../../platform/live.js';
import { afterCursor, cutPage, type Page } from '../../platform/pagination.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import type { Role } from '../../platform/tenancy.js';
import { deskPeopleIn } from '../auth/index.js';
import { NOTIFICATION_KINDS, type NotificationKind, type NotificationListQuery, type NotificationParams, type NotificationView, type PreferencesView } from './notifications.dto.js';
import { recipientsFor } from './notifications.rules.js';
import { notificationPreferences, notifications } from './notifications.schema.js';

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

export function createNotificationsService(deps: { db: Database; ids: IdGenerator; clock: Clock }) {
  const { db, ids, clock } = deps;

  /**
   * Set-based: one read of the people, one of their preferences for this kind, one insert, one
   * NOTIFY for the live channel — whatever the number of recipients.
   */
  const notify: Notify = async (tx, input) => {
    const people = await deskPeopleIn(tx, input.orgId);
    const wanted = recipientsFor(people, input.to, input.except ?? null);
    if (!wanted.length) return 0;
    const off = await tx
      .select({ userId: notificationPreferences.userId })
      .from(notificationPreferences)
      .where(and(eq(notificationPreferences.orgId, input.orgId), eq(notificationPreferences.kind, input.kind), eq(notificationPreferences.inApp, false), inArray(notificationPreferences.userId, wanted)));
    const silenced = new Set(off.map((o) => o.userId));
    const to = wanted.filter((u) => !silenced.has(u));
    if (!to.length) return 0;
    const now = clock.now();
    await tx.insert(notifications).values(
      to.map((userId) => ({
        orgId: input.orgId,
        id: ids('ntf'),
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
        items: NOTIFICATION_KINDS.map((kind) => ({ kind, inApp: byKind.get(kind)?.inApp ?? true, email: byKind.get(kind)?.email ?? false })),
        emailAvailable: false,
      };
    },

    async setPreferences(actor: Actor, items: { kind: NotificationKind; inApp: boolean; email: boolean }[]): Promise<PreferencesView> {
      const now = clock.now();
      await db.tenant(actor.orgId, async (tx) => {
        for (const it of items) {
          await tx
            .insert(notificationPreferences)
            .values({ orgId: actor.orgId, userId: actor.userId, kind: it.kind, inApp: it.inApp, email: it.email, updatedAt: now })
            .onConflictDoUpdate({ target: [notificationPreferences.orgId, notificationPreferences.userId, notificationPreferences.kind], set: { inApp: it.inApp, email: it.email, updatedAt: now } });
        }
      });
      return this.preferences(actor);
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
