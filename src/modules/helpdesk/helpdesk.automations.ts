import { and, eq, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Executor, Tx } from '../../platform/db.js';
import { cachedSetting } from '../../platform/settings-cache.js';
import { enqueue } from '../../platform/outbox/outbox.js';
import { systemActor } from '../../platform/tenancy.js';
import { isBusinessInstant, shopCalendar } from '../sla/index.js';
import type { ShopRowLike } from './helpdesk.automations.types.js';
import { replyHandlerFor, type HelpdeskCore, type TicketRow } from './helpdesk.core.js';
import type { RuleActions, RuleConditions, RuleTrigger } from './helpdesk.dto.js';
import { evaluateRules, idleDue, mayFireAgain, outcomeChanges, outOfHoursMessage, type AutomationOutcome, type Rule } from './helpdesk.automations.rules.js';
import type { OrderFacts } from './helpdesk.ports.js';
import { applyTags } from './helpdesk.rules.js';
import { ticketMessages, tickets } from './helpdesk.schema.js';

export interface AutomationConfig {
  rules: Rule[];
  autoCloseDays: number | null;
  outOfHoursAck: boolean;
}

/** The organisation's active rules and its automation settings in one round trip. */
export async function loadAutomationConfig(tx: Executor, orgId: string, trigger: RuleTrigger = 'created'): Promise<AutomationConfig> {
  // From memory in a hot transaction while the organisation's settings (the rules among them) are unchanged.
  return cachedSetting(tx, orgId, `automation:${trigger}`, () => readAutomationConfig(tx, orgId, trigger));
}

async function readAutomationConfig(tx: Executor, orgId: string, trigger: RuleTrigger): Promise<AutomationConfig> {
  const r = await tx.execute(sql`select
      (select json_build_object('autoCloseDays', auto_close_days, 'outOfHoursAck', out_of_hours_ack) from automation_settings where org_id = ${orgId}) as settings,
      (select coalesce(json_agg(json_build_object('id', id, 'name', name, 'trigger', trigger, 'conditions', conditions, 'actions', actions) order by position, id), '[]'::json)
         from automation_rules where org_id = ${orgId} and active and trigger = ${trigger}) as rules`);
  const row = r.rows[0] as { settings: { autoCloseDays: number | null; outOfHoursAck: boolean } | null; rules: { id: string; name: string; conditions: RuleConditions; actions: RuleActions }[] };
  return { rules: row.rules, autoCloseDays: row.settings?.autoCloseDays ?? null, outOfHoursAck: row.settings?.outOfHoursAck ?? false };
}

/** Channels where a message we write reaches the buyer as a conversation (an acknowledgement makes sense). */
const ACK_CHANNELS = new Set(['tiktok_chat', 'email', 'whatsapp']);

/**
 * What runs when a buyer opens a ticket: the organisation's rules (tag, priority, assignee, queue)
 * and the out-of-hours acknowledgement. Everything is decided from data the ingest already holds
 * (the ticket, the order facts, the shop) plus one read of the rules; each automatic action leaves a
 * system line in the thread and an evidence record, in the ingest's transaction.
 */
export function createAutomationHook(core: HelpdeskCore, deps: { replyPayload: (tx: Executor, t: TicketRow, m: typeof ticketMessages.$inferSelect) => Promise<Record<string, unknown>> }) {
  const { ids, clock } = core;

  return async function onTicketCreated(tx: Tx, t: TicketRow, ctx: { facts: OrderFacts | null; shop: ShopRowLike; text: string; now: Date }): Promise<void> {
    const cfg = await loadAutomationConfig(tx, t.orgId);
    const actor = systemActor(t.orgId);
    let ticket = t;
    let added = 0;
    if (cfg.rules.length) {
      const out = evaluateRules(cfg.rules, {
        channel: t.channel,
        shopId: t.shopId,
        language: t.language,
        tags: t.tags,
        orderValue: ctx.facts?.totalAmount ?? null,
        categories: (ctx.facts?.lines ?? []).flatMap((l) => (l.category ? [l.category] : [])),
        text: ctx.text,
      });
      if (out.fired.length) {
        const patch: Partial<TicketRow> = { updatedAt: ctx.now };
        if (out.addTags.length) patch.tags = applyTags(t.tags, { add: out.addTags });
        if (out.priority && out.priority !== t.priority) patch.priority = out.priority;
        if (out.assigneeId) patch.assigneeId = out.assigneeId;
        if (out.queue) patch.queue = out.queue;
        [ticket] = (await tx.update(tickets).set(patch).where(and(eq(tickets.orgId, t.orgId), eq(tickets.id, t.id))).returning()) as [TicketRow];
        if (patch.priority) await core.slaEvent(tx, ticket, { kind: 'priority_changed', priority: patch.priority }, ctx.now);
        for (const f of out.fired) {
          const a = f.actions;
          const params = { rule: f.name, ruleId: f.ruleId, trigger: 'created', tags: a.addTags?.join(', ') ?? null, priority: a.priority ?? null, assigneeId: a.assigneeId ?? null, queue: a.queue ?? null };
          await core.addMessage(tx, actor, ticket, { kind: 'note', text: `Automation "${f.name}" applied`, event: { kind: 'automation', params } }, ctx.now);
          added++;
        }
        await core.evidence(tx, {
          orgId: t.orgId,
          caseId: t.id,
          caseType: 'ticket',
          kind: 'status_change',
          actor: { type: 'system' },
          occurredAt: ctx.now,
          summary: `Automations applied: ${out.fired.map((f) => f.name).join(', ')}`,
          data: { automation: out },
        });
      }
    }
    if (cfg.outOfHoursAck && ACK_CHANNELS.has(t.channel) && ticket.slaDueAt) {
      const nowMs = ctx.now.getTime();
      const cal = shopCalendar({ id: ctx.shop.id, timeZone: ctx.shop.timeZone, businessHours: ctx.shop.businessHours, market: ctx.shop.market, region: ctx.shop.region, updatedAt: ctx.shop.updatedAt }, 'business', nowMs);
      if (cal.mode === 'business' && !isBusinessInstant(cal, nowMs)) {
        // The promise is the ticket's own first-reply due, computed by the SLA engine from the
        // shop's hours, holidays and policy: the same instant the team is measured against.
        const answerBy = DateTime.fromJSDate(ticket.slaDueAt, { zone: ctx.shop.timeZone }).setLocale(ticket.language).toLocaleString({ weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
        const text = outOfHoursMessage(ticket.language, ctx.shop.name, answerBy);
        const m = await core.addMessage(tx, actor, ticket, { kind: 'public', text, event: { kind: 'out_of_hours_ack', params: { answerBy: ticket.slaDueAt.toISOString() } } }, ctx.now);
        const { row } = await enqueue(
          tx,
          { orgId: t.orgId, handler: replyHandlerFor(t.channel), idempotencyKey: `helpdesk.ack:${t.id}`, payload: await deps.replyPayload(tx, ticket, m), subjectType: 'ticket_message', subjectId: m.id },
          { ids, clock },
        );
        await tx.update(ticketMessages).set({ outboxId: row.id }).where(and(eq(ticketMessages.orgId, t.orgId), eq(ticketMessages.id, m.id)));
        added++;
      }
    }
    if (added) await tx.execute(sql`update tickets set message_count = message_count + ${added} where org_id = ${t.orgId} and id = ${t.id}`);
  };
}

/**
 * Rules on ticket updates: the buyer wrote again, a person changed the status or added a tag, the
 * SLA warned, the ticket went quiet. Run in the transaction of the change that triggered them;
 * what they change (tags, priority, assignee, queue) is written with a system line per rule and an
 * evidence record, and never triggers rules itself. A rule that would change nothing, or that
 * fired on this ticket `MAX_FIRINGS_PER_DAY` times already, stays quiet.
 */
export function createUpdateRules(core: HelpdeskCore) {
  return async function runUpdateRules(tx: Executor, ticketId: string, orgId: string, trigger: Exclude<RuleTrigger, 'created'>, ctx: { text?: string; now: Date; only?: string[] }): Promise<number> {
    const cfg = await loadAutomationConfig(tx, orgId, trigger);
    const rules = ctx.only ? cfg.rules.filter((r) => ctx.only!.includes(r.id)) : cfg.rules;
    if (!rules.length) return 0;
    const [t] = (await tx.select().from(tickets).where(and(eq(tickets.orgId, orgId), eq(tickets.id, ticketId))).for('update')) as TicketRow[];
    if (!t || t.status === 'closed' || t.mergedIntoId) return 0;
    // Loop protection: how often each rule fired on this ticket in the last day.
    const since = new Date(ctx.now.getTime() - 86_400_000);
    const counts = await tx.execute(sql`select event->'params'->>'ruleId' as id, count(*)::int as n from ticket_messages
      where org_id = ${orgId} and ticket_id = ${ticketId} and event->>'kind' = 'automation' and created_at > ${since.toISOString()}::timestamptz
      group by 1`);
    const fired = new Map((counts.rows as { id: string; n: number }[]).map((r) => [r.id, r.n]));
    const allowed = rules.filter((r) => mayFireAgain(fired.get(r.id) ?? 0));
    if (!allowed.length) return 0;
    const needsOrder = allowed.some((r) => r.conditions.orderValueMin !== undefined || r.conditions.orderValueMax !== undefined || r.conditions.categories?.length);
    const facts = needsOrder && t.orderId ? await core.orderFacts(systemActor(orgId), t.orderId) : null;
    const out = evaluateRules(allowed, {
      channel: t.channel,
      shopId: t.shopId,
      language: t.language,
      tags: t.tags,
      orderValue: facts?.totalAmount ?? null,
      categories: (facts?.lines ?? []).flatMap((l) => (l.category ? [l.category] : [])),
      text: ctx.text ?? '',
      status: t.status,
    });
    if (!out.fired.length || !outcomeChanges(out, t)) return 0;
    return applyOutcome(core, tx, t, out, trigger, ctx.now);
  };
}

async function applyOutcome(core: HelpdeskCore, tx: Executor, t: TicketRow, out: AutomationOutcome, trigger: RuleTrigger, now: Date): Promise<number> {
  const patch: Partial<TicketRow> = { updatedAt: now };
  if (out.addTags.length) patch.tags = applyTags(t.tags, { add: out.addTags });
  if (out.priority && out.priority !== t.priority) patch.priority = out.priority;
  if (out.assigneeId) patch.assigneeId = out.assigneeId;
  if (out.queue) patch.queue = out.queue;
  const [ticket] = (await tx.update(tickets).set(patch).where(and(eq(tickets.orgId, t.orgId), eq(tickets.id, t.id))).returning()) as [TicketRow];
  if (patch.priority) await core.slaEvent(tx as Tx, ticket, { kind: 'priority_changed', priority: patch.priority }, now);
  const actor = systemActor(t.orgId);
  for (const f of out.fired) {
    const a = f.actions;
    const params = { rule: f.name, ruleId: f.ruleId, trigger, tags: a.addTags?.join(', ') ?? null, priority: a.priority ?? null, assigneeId: a.assigneeId ?? null, queue: a.queue ?? null };
    await core.addMessage(tx as Tx, actor, ticket, { kind: 'note', text: `Automation "${f.name}" applied (${trigger.replace(/_/g, ' ')})`, event: { kind: 'automation', params } }, now);
  }
  await tx.execute(sql`update tickets set message_count = message_count + ${out.fired.length} where org_id = ${t.orgId} and id = ${t.id}`);
  await core.evidence(tx as Tx, {
    orgId: t.orgId,
    caseId: t.id,
    caseType: 'ticket',
    kind: 'status_change',
    actor: { type: 'system' },
    occurredAt: now,
    summary: `Automations applied (${trigger.replace(/_/g, ' ')}): ${out.fired.map((f) => f.name).join(', ')}`,
    data: { automation: out, trigger },
  });
  return out.fired.length;
}

/**
 * The idle timer (hourly): every live ticket quiet for an idle rule's hours, once per quiet
 * stretch (a rule that fired after the last message waits for new activity). Set-based per rule.
 */
export function createIdleRules(core: HelpdeskCore, run: ReturnType<typeof createUpdateRules>) {
  return async function runIdleRules(): Promise<number> {
    const now = core.clock.now();
    const orgs = await core.db.system(async (tx) => (await tx.execute(sql`select distinct org_id from automation_rules where active and trigger = 'idle'`)).rows as { org_id: string }[]);
    let n = 0;
    for (const { org_id: orgId } of orgs) {
      n += await core.db.tenant(orgId, async (tx) => {
        const cfg = await loadAutomationConfig(tx, orgId, 'idle');
        let fired = 0;
        for (const rule of cfg.rules) {
          const hours = rule.conditions.idleHours;
          if (!hours) continue;
          const cutoff = new Date(now.getTime() - hours * 3_600_000);
          const due = await tx.execute(sql`select t.id, coalesce(t.last_message_at, t.created_at) as last_at,
              (select max(m.created_at) from ticket_messages m where m.org_id = t.org_id and m.ticket_id = t.id and m.event->>'kind' = 'automation' and m.event->'params'->>'ruleId' = ${rule.id}) as fired_at
            from tickets t
            where t.org_id = ${orgId} and t.status not in ('solved', 'closed') and t.merged_into_id is null
              and coalesce(t.last_message_at, t.created_at) <= ${cutoff.toISOString()}::timestamptz
            order by 2 limit 500`);
          for (const r of due.rows as { id: string; last_at: string | Date; fired_at: string | Date | null }[]) {
            if (!idleDue(new Date(r.last_at), hours, r.fired_at ? new Date(r.fired_at) : null, now)) continue;
            fired += await run(tx, r.id, orgId, 'idle', { now, only: [rule.id] });
          }
        }
        return fired;
      });
    }
    return n;
  };
}
