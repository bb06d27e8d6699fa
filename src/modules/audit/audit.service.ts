import { and, desc, eq, gte, lt, type SQL } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import type { IdGenerator } from '../../platform/ids.js';
import { afterCursor, cutPage, type Page } from '../../platform/pagination.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import type { AuditEventView, AuditQuery } from './audit.dto.js';
import { diffStates, type AuditAction, type AuditActor } from './audit.rules.js';
import { auditEvents } from './audit.schema.js';

export interface AuditInput {
  orgId: string;
  actor: AuditActor;
  action: AuditAction;
  subject?: { type: string; id: string } | null;
  before?: unknown;
  after?: unknown;
  /** Where it came from: coarse address, user agent summary, reason. Never a secret. */
  context?: Record<string, unknown>;
}

/**
 * Write one audit event on the caller's transaction, so the record and the change it describes
 * commit (or roll back) together. Every module that changes money, promises, people or security
 * calls this; `ids` and `clock` are the caller's own.
 */
export async function recordAudit(tx: Executor, deps: { ids: IdGenerator; clock: Clock }, input: AuditInput): Promise<void> {
  await tx.insert(auditEvents).values({
    orgId: input.orgId,
    id: deps.ids('aud'),
    at: deps.clock.now(),
    actorType: input.actor.type,
    actorId: input.actor.id ?? null,
    actorLabel: input.actor.label ?? null,
    action: input.action,
    subjectType: input.subject?.type ?? null,
    subjectId: input.subject?.id ?? null,
    before: input.before === undefined ? null : (input.before as object),
    after: input.after === undefined ? null : (input.after as object),
    context: input.context ?? {},
  });
}

export type RecordAudit = (tx: Executor, input: AuditInput) => Promise<void>;

type AuditRow = typeof auditEvents.$inferSelect;

export function auditEventView(r: AuditRow): AuditEventView {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actorType: r.actorType,
    actorId: r.actorId,
    actorLabel: r.actorLabel,
    action: r.action,
    subjectType: r.subjectType,
    subjectId: r.subjectId,
    before: r.before,
    after: r.after,
    changes: diffStates(r.before, r.after),
    context: r.context,
  };
}

const toDate = (s: string) => new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);

export function createAuditService({ db }: { db: Database }) {
  return {
    /** The organisation's audit log, newest first (owners). */
    async list(actor: Actor, q: AuditQuery): Promise<Page<AuditEventView>> {
      requireRole(actor, ['owner'], 'reading the audit log');
      const limit = q.limit ?? 50;
      return db.tenant(actor.orgId, async (tx) => {
        const where: (SQL | undefined)[] = [eq(auditEvents.orgId, actor.orgId), afterCursor(auditEvents.at, auditEvents.id, q.cursor)];
        if (q.actorId) where.push(eq(auditEvents.actorId, q.actorId));
        if (q.action) where.push(eq(auditEvents.action, q.action));
        if (q.from) where.push(gte(auditEvents.at, toDate(q.from)));
        if (q.to) where.push(lt(auditEvents.at, toDate(q.to)));
        const rows = await tx
          .select()
          .from(auditEvents)
          .where(and(...where))
          .orderBy(desc(auditEvents.at), desc(auditEvents.id))
          .limit(limit + 1);
        const page = cutPage(rows, limit, (r) => ({ sort: r.at, id: r.id }));
        return { items: page.items.map(auditEventView), nextCursor: page.nextCursor };
      });
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;

/**
 * A person's membership of an organisation changed (added, role, brands, removed): for the agency
 * work, called in the transaction that changes it.
 */
export function recordMembershipChange(tx: Executor, deps: { ids: IdGenerator; clock: Clock }, input: { orgId: string; actor: AuditActor; userId: string; before: unknown; after: unknown }): Promise<void> {
  return recordAudit(tx, deps, { orgId: input.orgId, actor: input.actor, action: 'memberships.changed', subject: { type: 'user', id: input.userId }, before: input.before, after: input.after });
}

/** A coupon budget changed (money): for the coupons module, called in the transaction that changes it. */
export function recordCouponBudgetChange(tx: Executor, deps: { ids: IdGenerator; clock: Clock }, input: { orgId: string; actor: AuditActor; subject: { type: string; id: string }; before: unknown; after: unknown }): Promise<void> {
  return recordAudit(tx, deps, { orgId: input.orgId, actor: input.actor, action: 'coupons.budget_changed', subject: input.subject, before: input.before, after: input.after });
}
