import { and, asc, eq, gt, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import { AppError, isUniqueViolation } from '../../platform/errors.js';
import { publishLive } from '../../platform/live.js';
import { enqueue } from '../../platform/outbox/outbox.js';
import { requireRole, systemActor, type Actor } from '../../platform/tenancy.js';
import { deskPeopleIn, userIn } from '../auth/index.js';
import { shopIn } from '../tenancy/index.js';
import { autoCloseMessage, dueForAutoClose } from './helpdesk.automations.rules.js';
import { loadAutomationConfig } from './helpdesk.automations.js';
import { replyPayload } from './helpdesk.commands.js';
import { AGENT_ROLES, replyHandlerFor, SUPERVISOR_ROLES, type HelpdeskCore, type TicketRow } from './helpdesk.core.js';
import { createIdleRules, createUpdateRules } from './helpdesk.automations.js';
import type { AutomationRuleView, AutomationSettingsView, RuleActions, RuleConditions, RuleTrigger, SavedViewFilter, SavedViewView, ViewersView } from './helpdesk.dto.js';
import { automationRules, automationSettings, savedViews, ticketMessages, tickets, ticketViewers } from './helpdesk.schema.js';

/** Someone "has the ticket open" while their page says so at least this often. */
export const VIEWING_FRESH_MS = 60_000;

type RuleRow = typeof automationRules.$inferSelect;
function ruleView(r: RuleRow): AutomationRuleView {
  return { id: r.id, name: r.name, active: r.active, position: r.position, trigger: r.trigger, conditions: r.conditions, actions: r.actions, updatedAt: r.updatedAt.toISOString() };
}

/**
 * The inbox's working pieces around the ticket: saved views, who is looking at a ticket, the
 * automation rules and timers, and the SLA warning notice.
 */
export function createWorkspace(core: HelpdeskCore) {
  const { db, ids, clock } = core;
  const runUpdateRules = createUpdateRules(core);
  const runIdle = createIdleRules(core, runUpdateRules);

  /** Every shop a rule names is one of the organisation's (404 like a missing one otherwise). */
  async function checkShops(tx: Executor, orgId: string, conditions: RuleConditions | undefined): Promise<void> {
    for (const s of conditions?.shopIds ?? []) await shopIn(tx, orgId, s);
  }

  async function checkAssignee(tx: Executor, orgId: string, actions: RuleActions): Promise<void> {
    if (!actions.assigneeId) return;
    const u = await userIn(tx, orgId, actions.assigneeId);
    if (!u || !u.active || u.role === 'warehouse') throw AppError.validation('tickets.bad_assignee', 'Assignee must be an active agent, supervisor or owner of this organisation', [{ field: 'actions.assigneeId', message: 'unknown or inactive user' }]);
  }

  const part = {
    // ---------- saved views ----------
    async listSavedViews(actor: Actor): Promise<SavedViewView[]> {
      requireRole(actor, AGENT_ROLES, 'saved views');
      const rows = await db.tenant(actor.orgId, (tx) => tx.select().from(savedViews).where(and(eq(savedViews.orgId, actor.orgId), eq(savedViews.userId, actor.userId))).orderBy(asc(savedViews.name)));
      return rows.map((r) => ({ id: r.id, name: r.name, filter: r.filter, createdAt: r.createdAt.toISOString() }));
    },

    async saveView(actor: Actor, input: { name: string; filter: SavedViewFilter }): Promise<SavedViewView> {
      requireRole(actor, AGENT_ROLES, 'saved views');
      const now = clock.now();
      try {
        const [r] = await db.tenant(actor.orgId, async (tx) => {
          if (input.filter.shopId) await shopIn(tx, actor.orgId, input.filter.shopId);
          return tx.insert(savedViews).values({ orgId: actor.orgId, id: ids('svw'), userId: actor.userId, name: input.name, filter: input.filter, createdAt: now }).returning();
        });
        return { id: r!.id, name: r!.name, filter: r!.filter, createdAt: r!.createdAt.toISOString() };
      } catch (e) {
        if (isUniqueViolation(e, 'saved_views_name_unique')) throw AppError.conflict('tickets.view_name_taken', `You already have a view named ${input.name}`, { field: 'name' });
        throw e;
      }
    },

    async deleteSavedView(actor: Actor, id: string): Promise<void> {
      requireRole(actor, AGENT_ROLES, 'saved views');
      const r = await db.tenant(actor.orgId, (tx) => tx.delete(savedViews).where(and(eq(savedViews.orgId, actor.orgId), eq(savedViews.userId, actor.userId), eq(savedViews.id, id))).returning({ id: savedViews.id }));
      if (!r.length) throw AppError.notFound('saved view', id);
    },

    // ---------- presence ----------
    /**
     * "I have this ticket open": refreshes the caller's viewing record, tells the others' pages
     * (live channel) and answers who else has it open. Old records are simply ignored.
     */
    async viewing(actor: Actor, ticketId: string): Promise<ViewersView> {
      requireRole(actor, AGENT_ROLES, 'viewing tickets');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        const [t] = await tx.select({ shopId: tickets.shopId }).from(tickets).where(and(eq(tickets.orgId, actor.orgId), eq(tickets.id, ticketId)));
        if (!t) throw AppError.notFound('ticket', ticketId);
        const [prev] = await tx
          .select({ seenAt: ticketViewers.seenAt })
          .from(ticketViewers)
          .where(and(eq(ticketViewers.orgId, actor.orgId), eq(ticketViewers.ticketId, ticketId), eq(ticketViewers.userId, actor.userId)));
        await tx
          .insert(ticketViewers)
          .values({ orgId: actor.orgId, ticketId, userId: actor.userId, shopId: t.shopId, seenAt: now })
          .onConflictDoUpdate({ target: [ticketViewers.orgId, ticketViewers.ticketId, ticketViewers.userId], set: { seenAt: now } });
        // Others learn of a new viewer at once; a heartbeat of someone already there stays quiet.
        if (!prev || now.getTime() - prev.seenAt.getTime() > VIEWING_FRESH_MS) await publishLive(tx, { t: 'presence', o: actor.orgId, s: t.shopId, id: ticketId, u: actor.userId });
        const since = new Date(now.getTime() - VIEWING_FRESH_MS);
        const others = await tx
          .select({ userId: ticketViewers.userId, seenAt: ticketViewers.seenAt })
          .from(ticketViewers)
          .where(and(eq(ticketViewers.orgId, actor.orgId), eq(ticketViewers.ticketId, ticketId), ne(ticketViewers.userId, actor.userId), gt(ticketViewers.seenAt, since)));
        if (!others.length) return { items: [] };
        const people = new Map((await deskPeopleIn(tx, actor.orgId)).map((p) => [p.id, p.name]));
        return { items: others.map((o) => ({ userId: o.userId, name: people.get(o.userId) ?? '', seenAt: o.seenAt.toISOString() })) };
      });
    },

    // ---------- automations ----------
    async listRules(actor: Actor): Promise<AutomationRuleView[]> {
      requireRole(actor, SUPERVISOR_ROLES, 'managing automations');
      const rows = await db.tenant(actor.orgId, (tx) => tx.select().from(automationRules).where(eq(automationRules.orgId, actor.orgId)).orderBy(asc(automationRules.position), asc(automationRules.id)));
      return rows.map(ruleView);
    },

    async createRule(actor: Actor, input: { name: string; active: boolean; position?: number; trigger?: RuleTrigger; conditions: RuleConditions; actions: RuleActions }): Promise<AutomationRuleView> {
      requireRole(actor, SUPERVISOR_ROLES, 'managing automations');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        await checkShops(tx, actor.orgId, input.conditions);
        await checkAssignee(tx, actor.orgId, input.actions);
        const [{ next }] = (await tx.execute(sql`select coalesce(max(position) + 1, 0)::int as next from automation_rules where org_id = ${actor.orgId}`)).rows as [{ next: number }];
        const [r] = await tx
          .insert(automationRules)
          .values({ orgId: actor.orgId, id: ids('aur'), name: input.name, active: input.active, position: input.position ?? next, trigger: input.trigger ?? 'created', conditions: input.conditions, actions: input.actions, createdAt: now, updatedAt: now })
          .returning();
        return ruleView(r!);
      });
    },

    async updateRule(actor: Actor, id: string, input: { name?: string; active?: boolean; position?: number; trigger?: RuleTrigger; conditions?: RuleConditions; actions?: RuleActions }): Promise<AutomationRuleView> {
      requireRole(actor, SUPERVISOR_ROLES, 'managing automations');
      const now = clock.now();
      return db.tenant(actor.orgId, async (tx) => {
        await checkShops(tx, actor.orgId, input.conditions);
        if (input.actions) await checkAssignee(tx, actor.orgId, input.actions);
        const patch: Partial<RuleRow> = { updatedAt: now };
        if (input.name !== undefined) patch.name = input.name;
        if (input.active !== undefined) patch.active = input.active;
        if (input.position !== undefined) patch.position = input.position;
        if (input.conditions !== undefined) patch.conditions = input.conditions;
        if (input.actions !== undefined) patch.actions = input.actions;
        if (input.trigger !== undefined) patch.trigger = input.trigger;
        const [r] = await tx.update(automationRules).set(patch).where(and(eq(automationRules.orgId, actor.orgId), eq(automationRules.id, id))).returning();
        if (!r) throw AppError.notFound('automation rule', id);
        if (r.trigger === 'idle' && r.conditions.idleHours === undefined) throw AppError.validation('automations.idle_hours_required', 'An idle rule names its hours', [{ field: 'conditions.idleHours', message: 'required for an idle rule' }]);
        return ruleView(r);
      });
    },

    async deleteRule(actor: Actor, id: string): Promise<void> {
      requireRole(actor, SUPERVISOR_ROLES, 'managing automations');
      const r = await db.tenant(actor.orgId, (tx) => tx.delete(automationRules).where(and(eq(automationRules.orgId, actor.orgId), eq(automationRules.id, id))).returning({ id: automationRules.id }));
      if (!r.length) throw AppError.notFound('automation rule', id);
    },

    async automationSettings(actor: Actor): Promise<AutomationSettingsView> {
      requireRole(actor, SUPERVISOR_ROLES, 'managing automations');
      const cfg = await db.tenant(actor.orgId, (tx) => loadAutomationConfig(tx, actor.orgId));
      return { autoCloseDays: cfg.autoCloseDays, outOfHoursAck: cfg.outOfHoursAck };
    },

    async setAutomationSettings(actor: Actor, input: AutomationSettingsView): Promise<AutomationSettingsView> {
      requireRole(actor, SUPERVISOR_ROLES, 'managing automations');
      const now = clock.now();
      await db.tenant(actor.orgId, (tx) =>
        tx
          .insert(automationSettings)
          .values({ orgId: actor.orgId, autoCloseDays: input.autoCloseDays, outOfHoursAck: input.outOfHoursAck, updatedAt: now })
          .onConflictDoUpdate({ target: [automationSettings.orgId], set: { autoCloseDays: input.autoCloseDays, outOfHoursAck: input.outOfHoursAck, updatedAt: now } }),
      );
      return { autoCloseDays: input.autoCloseDays, outOfHoursAck: input.outOfHoursAck };
    },

    /**
     * The auto-close timer (a job, hourly): every ticket waiting on the buyer longer than its
     * organisation allows gets a last message in the buyer's language (through the outbox) and is
     * solved with reason `auto_closed`, a system line saying so. A buyer's answer reopens it.
     */
    async runAutoClose(opts: { orgId?: string; limit?: number } = {}): Promise<number> {
      const now = clock.now();
      const orgs = await db.system(async (tx) => {
        const r = await tx.execute(sql`select org_id, auto_close_days from automation_settings where auto_close_days is not null and (${opts.orgId ?? null}::text is null or org_id = ${opts.orgId ?? null})`);
        return r.rows as { org_id: string; auto_close_days: number }[];
      });
      let closed = 0;
      for (const o of orgs) {
        const cutoff = new Date(now.getTime() - o.auto_close_days * 86_400_000);
        const due = await db.tenant(o.org_id, (tx) =>
          tx
            .select({ id: tickets.id })
            .from(tickets)
            .where(and(eq(tickets.orgId, o.org_id), eq(tickets.status, 'waiting_on_buyer'), sql`coalesce(${tickets.lastMessageAt}, ${tickets.updatedAt}) <= ${cutoff.toISOString()}::timestamptz`))
            .limit(opts.limit ?? 500),
        );
        for (const { id } of due) {
          const done = await db.tenant(o.org_id, async (tx) => {
            const t = await core.lockTicket(tx, o.org_id, id);
            if (!dueForAutoClose(t.status, t.lastMessageAt ?? t.updatedAt, o.auto_close_days, now)) return false;
            const actor = systemActor(o.org_id);
            const text = autoCloseMessage(t.language, o.auto_close_days);
            let added = 1;
            if (t.channel !== 'tiktok_return_request') {
              const m = await core.addMessage(tx, actor, t, { kind: 'public', text, event: { kind: 'auto_close', params: { days: o.auto_close_days } } }, now);
              const { row } = await enqueue(
                tx,
                { orgId: o.org_id, handler: replyHandlerFor(t.channel), idempotencyKey: `helpdesk.auto_close:${t.id}:${(t.lastMessageAt ?? t.updatedAt).toISOString()}`, payload: await replyPayload(tx, t, m), subjectType: 'ticket_message', subjectId: m.id },
                { ids, clock },
              );
              await tx.update(ticketMessages).set({ outboxId: row.id }).where(and(eq(ticketMessages.orgId, o.org_id), eq(ticketMessages.id, m.id)));
            } else {
              await core.addMessage(tx, actor, t, { kind: 'note', text: `Closed automatically after ${o.auto_close_days} days waiting on the buyer`, event: { kind: 'auto_close', params: { days: o.auto_close_days } } }, now);
            }
            await tx.update(tickets).set({ messageCount: t.messageCount + added }).where(and(eq(tickets.orgId, o.org_id), eq(tickets.id, t.id)));
            await core.writeStatus(tx, actor, { ...t, messageCount: t.messageCount + added } as TicketRow, 'solved', 'auto_closed', now);
            return true;
          });
          if (done) closed++;
        }
      }
      return closed;
    },

    /** An SLA warning (the engine's timer, in its transaction): the assignee and the supervisors hear of it. */
    async slaWarned(tx: Executor, w: { orgId: string; ticketId: string; metric: string; percent: number; dueAt: Date }): Promise<void> {
      const [t] = await tx.select({ id: tickets.id, number: tickets.number, shopId: tickets.shopId, assigneeId: tickets.assigneeId, status: tickets.status }).from(tickets).where(and(eq(tickets.orgId, w.orgId), eq(tickets.id, w.ticketId)));
      if (!t) return;
      await core.ports.notify?.(tx, {
        orgId: w.orgId,
        to: { role: ['supervisor'], userIds: t.assigneeId ? [t.assigneeId] : [] },
        kind: 'sla_warning',
        subject: { type: 'ticket', id: t.id },
        shopId: t.shopId,
        params: { ticketNumber: t.number, metric: w.metric, percent: w.percent, dueAt: w.dueAt.toISOString() },
        link: `/inbox/${t.id}`,
      });
      // The "SLA warning" rules (raise the priority, hand it to a senior…), in the timer's transaction.
      await runUpdateRules(tx, t.id, w.orgId, 'sla_warning', { now: clock.now() });
    },

    /** The idle timer's hourly run: rules for tickets left quiet for their hours. */
    async runIdleAutomations(): Promise<number> {
      return runIdle();
    },
  };
  return part;
}
