import { and, eq, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Executor, Tx } from '../../platform/db.js';
import { enqueue } from '../../platform/outbox/outbox.js';
import { systemActor } from '../../platform/tenancy.js';
import { isBusinessInstant, shopCalendar } from '../sla/index.js';
import type { ShopRowLike } from './helpdesk.automations.types.js';
import { replyHandlerFor, type HelpdeskCore, type TicketRow } from './helpdesk.core.js';
import type { RuleActions, RuleConditions } from './helpdesk.dto.js';
import { evaluateRules, outOfHoursMessage, type Rule } from './helpdesk.automations.rules.js';
import type { OrderFacts } from './helpdesk.ports.js';
import { applyTags } from './helpdesk.rules.js';
import { ticketMessages, tickets } from './helpdesk.schema.js';

export interface AutomationConfig {
  rules: Rule[];
  autoCloseDays: number | null;
  outOfHoursAck: boolean;
}

/** The organisation's active rules and its automation settings in one round trip. */
export async function loadAutomationConfig(tx: Executor, orgId: string): Promise<AutomationConfig> {
  const r = await tx.execute(sql`select
      (select json_build_object('autoCloseDays', auto_close_days, 'outOfHoursAck', out_of_hours_ack) from automation_settings where org_id = ${orgId}) as settings,
      (select coalesce(json_agg(json_build_object('id', id, 'name', name, 'conditions', conditions, 'actions', actions) order by position, id), '[]'::json)
         from automation_rules where org_id = ${orgId} and active) as rules`);
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
          const params = { rule: f.name, tags: a.addTags?.join(', ') ?? null, priority: a.priority ?? null, assigneeId: a.assigneeId ?? null, queue: a.queue ?? null };
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
