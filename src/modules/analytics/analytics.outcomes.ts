import { sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db.js';
import type { IdGenerator } from '../../platform/ids.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { couponCountsByProgramme } from '../coupons/index.js';
import { shopIn } from '../tenancy/index.js';
import type { AnalyticsSettingsInput, AnalyticsSettingsView, OutcomesView, ReconView } from './analytics.dto.js';
import { costShare, couponRoi, csatQuestion, cycleByStep, OUTCOME_DEFINITIONS, parseCsatReply, reconcileRefunds, winRate, type ReconStatus } from './analytics.rules.js';

type Row = Record<string, unknown>;
const num = (v: unknown) => Number(v ?? 0);
const DAY = 86_400_000;
const ymd = (d: Date) => d.toISOString().slice(0, 10);
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());
const LEADS = ['owner', 'supervisor'] as const;

/** The channels a CSAT question can go out on (a free-form message to the buyer in the ticket's thread). */
const SURVEY_CHANNELS = { tiktok_chat: 'tiktok_chat', whatsapp: 'whatsapp', email: 'email' } as const;

/**
 * What CSAT needs from its neighbours, filled by the composition: the contact policy (outreach) and
 * the helpdesk's automated send on the ticket's channel, all on the caller's transaction.
 */
export interface CsatPorts {
  decide(tx: Tx, r: { orgId: string; shopId: string; buyerId: string; channel: 'tiktok_chat' | 'whatsapp' | 'email'; zone: string; reach?: { hasAddress?: boolean } }): Promise<{ allowed: boolean; reasons: string[] }>;
  record(tx: Tx, r: { orgId: string; shopId: string; buyerId: string; channel: 'tiktok_chat' | 'whatsapp' | 'email' }): Promise<void>;
  send(tx: Tx, orgId: string, ticketId: string, text: string, idempotencyKey: string): Promise<boolean>;
  /** The buyer's rating reopened the ticket: solve it again (nothing else was asked). */
  solveAgain(orgId: string, ticketId: string): Promise<void>;
}

export interface FinanceStatementInput {
  id: string;
  statementTime: Date;
  currency: string;
  settlementAmount: number;
  revenueAmount: number;
  feeAmount: number;
  adjustmentAmount: number;
  paymentStatus: string | null;
  paymentId: string | null;
}
export interface FinanceRefundInput {
  skuId: string;
  statementId: string;
  currency: string;
  refundAmount: number;
}

export function createOutcomes(d: { db: Database; ids: IdGenerator; clock: Clock; refresh: (orgId: string) => Promise<number>; csat?: CsatPorts }) {
  const { db, ids, clock } = d;

  function period(q: { from?: string; to?: string }) {
    const to = q.to ? new Date(`${q.to}T00:00:00Z`) : new Date(Math.floor(clock.now().getTime() / DAY) * DAY + DAY);
    const from = q.from ? new Date(`${q.from}T00:00:00Z`) : new Date(to.getTime() - 90 * DAY);
    return { from, to };
  }

  async function cycleTargets(tx: Tx, orgId: string): Promise<AnalyticsSettingsView> {
    const r = await tx.execute(sql`select cycle_target_days, step_target_hours from analytics_settings where org_id = ${orgId}`);
    const x = r.rows[0] as Row | undefined;
    return { cycleTargetDays: x ? num(x.cycle_target_days) : 7, stepTargetHours: x ? ((x.step_target_hours ?? {}) as Record<string, number>) : {} };
  }

  /** Cycle time by step, cost share, coupon ROI, dispute and appeal outcomes, CSAT — each with its definition. */
  async function outcomes(actor: Actor, q: { shopId?: string; from?: string; to?: string } = {}): Promise<OutcomesView> {
    requireRole(actor, LEADS, 'reading after-sales outcomes');
    const { from, to } = period(q);
    await d.refresh(actor.orgId);
    return db.tenant(actor.orgId, async (tx) => {
      if (q.shopId) await shopIn(tx, actor.orgId, q.shopId);
      const org = actor.orgId;
      const range = sql`${from.toISOString()}::timestamptz and ${to.toISOString()}::timestamptz`;
      const shopF = (col: string) => (q.shopId ? sql`and ${sql.raw(col)} = ${q.shopId}` : sql``);

      const targets = await cycleTargets(tx, org);
      const targetDays = targets.cycleTargetDays;
      const rr = await tx.execute(sql`select requested_at, approved_at, received_at, inspected_at, coalesce(refunded_at, platform_refunded_at) as refunded_at, appeal_status
        from returns where org_id = ${org} and requested_at >= ${from.toISOString()}::timestamptz and requested_at < ${to.toISOString()}::timestamptz ${shopF('shop_id')}`);
      const dt = (v: unknown) => (v === null || v === undefined ? null : new Date(iso(v)));
      const rets = (rr.rows as Row[]).map((x) => ({ requestedAt: new Date(iso(x.requested_at)), approvedAt: dt(x.approved_at), receivedAt: dt(x.received_at), inspectedAt: dt(x.inspected_at), refundedAt: dt(x.refunded_at), appeal: (x.appeal_status as string | null) ?? null }));
      const steps = cycleByStep(rets, targetDays, targets.stepTargetHours);
      const appealsWon = rets.filter((r) => r.appeal === 'won').length;
      const appealsLost = rets.filter((r) => r.appeal === 'lost').length;
      const appealsOpen = rets.filter((r) => r.appeal === 'open').length;

      // Cost share per currency.
      const parts = new Map<string, { currency: string; revenue: number; refunds: number; reships: number; coupons: number; returnShipping: number }>();
      const part = (cur: string) => {
        const e = parts.get(cur) ?? { currency: cur, revenue: 0, refunds: 0, reships: 0, coupons: 0, returnShipping: 0 };
        parts.set(cur, e);
        return e;
      };
      const sales = await tx.execute(sql`select currency, coalesce(sum(paid_amount) filter (where delivered), 0) as revenue, coalesce(sum(refund_amount) filter (where delivered), 0) as refunds
        from analytics_line_facts where org_id = ${org} and week >= ${ymd(from)}::date and week < ${ymd(to)}::date ${shopF('shop_id')} group by currency`);
      for (const x of sales.rows as Row[]) Object.assign(part(String(x.currency)), { revenue: num(x.revenue), refunds: num(x.refunds) });
      const rem = await tx.execute(sql`select currency,
          coalesce(sum(coalesce((economics ->> 'itemCost')::bigint, 0) + coalesce((economics ->> 'outboundShipping')::bigint, 0)) filter (where kind = 'reship' or reship), 0) as reships,
          coalesce(sum(coalesce((economics ->> 'returnShipping')::bigint, 0)) filter (where (economics ->> 'sellerPaysReturn')::boolean and kind = 'return_refund'), 0) as return_shipping
        from remedies where org_id = ${org} and status = 'completed' and completed_at between ${range} ${shopF('shop_id')} group by currency`);
      for (const x of rem.rows as Row[]) Object.assign(part(String(x.currency)), { reships: num(x.reships), returnShipping: num(x.return_shipping) });
      const coupons = (await couponCountsByProgramme(tx, org, { from, to })).filter((c) => !q.shopId || c.shopId === q.shopId);
      for (const c of coupons) part(c.currency).coupons += c.cost;
      const cost = [...parts.values()].sort((a, b) => a.currency.localeCompare(b.currency)).map(costShare);

      const dc = (await tx.execute(sql`select count(*) filter (where status = 'won') as won, count(*) filter (where status = 'lost') as lost, count(*) filter (where status in ('open', 'submitted')) as open
        from dispute_cases where org_id = ${org} and updated_at between ${range} ${shopF('shop_id')}`)).rows[0] as Row;

      // CSAT by agent, channel and reason (the order's return reason when it had one, else the ticket's queue).
      const cs = await tx.execute(sql`
        with s as (
          select c.score, c.channel, t.assignee_id, u.name as agent_name,
            coalesce((select f.reason_text from analytics_line_facts f where f.org_id = t.org_id and f.order_id = t.order_id and f.returned and f.reason_text is not null limit 1), 'queue: ' || t.queue) as reason
          from csat_surveys c join tickets t on t.org_id = c.org_id and t.id = c.ticket_id
          left join users u on u.org_id = t.org_id and u.id = t.assignee_id
          where c.org_id = ${org} and c.asked_at between ${range} ${shopF('c.shop_id')})
        select dimension, key, min(label) as label, count(score) as answered, avg(score)::float8 as average, (count(*) filter (where score >= 4))::float8 / nullif(count(score), 0) as satisfied, count(*) as asked
        from (
          select 'agent' as dimension, coalesce(assignee_id, '-') as key, agent_name as label, score from s
          union all select 'channel', channel, null, score from s
          union all select 'reason', reason, null, score from s
        ) x group by dimension, key order by dimension, key`);
      const csRows = cs.rows as Row[];
      const channelRows = csRows.filter((x) => x.dimension === 'channel');
      const asked = channelRows.reduce((a, x) => a + num(x.asked), 0);
      const answered = channelRows.reduce((a, x) => a + num(x.answered), 0);
      const sum = channelRows.reduce((a, x) => a + (x.average === null ? 0 : Number(x.average) * num(x.answered)), 0);

      return {
        from: ymd(from),
        to: ymd(to),
        cycle: { targetDays, steps },
        cost,
        coupons: coupons.map((c) => ({ programmeId: c.programmeId, name: c.name, kind: c.kind, shopId: c.shopId, currency: c.currency, issued: c.issued, redeemed: c.redeemed, cost: c.cost, revenue: c.revenue, ...couponRoi(c) })),
        disputes: { won: num(dc.won), lost: num(dc.lost), open: num(dc.open), winRate: winRate(num(dc.won), num(dc.lost)) },
        appeals: { won: appealsWon, lost: appealsLost, open: appealsOpen, successRate: winRate(appealsWon, appealsLost) },
        reviewRate: null,
        csat: {
          asked,
          answered,
          average: answered > 0 ? Math.round((sum / answered) * 100) / 100 : null,
          rows: csRows.map((x) => ({ dimension: x.dimension as 'agent' | 'channel' | 'reason', key: String(x.key), label: (x.label as string | null) ?? null, answered: num(x.answered), average: x.average === null ? null : Math.round(Number(x.average) * 100) / 100, satisfied: x.satisfied === null ? null : Number(x.satisfied) })),
        },
        definitions: OUTCOME_DEFINITIONS as unknown as OutcomesView['definitions'],
      };
    });
  }

  async function setSettings(actor: Actor, s: AnalyticsSettingsInput): Promise<AnalyticsSettingsView> {
    requireRole(actor, ['owner'], 'changing analytics settings');
    return db.tenant(actor.orgId, async (tx) => {
      const cur = await cycleTargets(tx, actor.orgId);
      const steps: Record<string, number> = { ...cur.stepTargetHours };
      for (const [step, hours] of Object.entries(s.stepTargetHours ?? {})) {
        if (hours === null) delete steps[step];
        else if (hours !== undefined) steps[step] = hours;
      }
      const next = { cycleTargetDays: s.cycleTargetDays ?? cur.cycleTargetDays, stepTargetHours: steps };
      await tx.execute(sql`insert into analytics_settings (org_id, cycle_target_days, step_target_hours, updated_at) values (${actor.orgId}, ${next.cycleTargetDays}, ${JSON.stringify(steps)}::jsonb, ${clock.now().toISOString()}::timestamptz)
        on conflict (org_id) do update set cycle_target_days = excluded.cycle_target_days, step_target_hours = excluded.step_target_hours, updated_at = excluded.updated_at`);
      return next;
    });
  }

  // ---------------- finance statements and refund reconciliation ----------------

  async function storeStatements(orgId: string, shopId: string, rows: FinanceStatementInput[]): Promise<void> {
    if (rows.length === 0) return;
    const c = <T>(f: (r: FinanceStatementInput) => T) => sql.param(rows.map(f));
    await db.tenant(orgId, (tx) =>
      tx.execute(sql`
        insert into finance_statements (org_id, shop_id, id, statement_time, currency, settlement_amount, revenue_amount, fee_amount, adjustment_amount, payment_status, payment_id, synced_at)
        select ${orgId}, ${shopId}, u.* , ${clock.now().toISOString()}::timestamptz
        from unnest(${c((r) => r.id)}::text[], ${c((r) => r.statementTime.toISOString())}::timestamptz[], ${c((r) => r.currency)}::text[], ${c((r) => r.settlementAmount)}::int8[], ${c((r) => r.revenueAmount)}::int8[],
          ${c((r) => r.feeAmount)}::int8[], ${c((r) => r.adjustmentAmount)}::int8[], ${c((r) => r.paymentStatus)}::text[], ${c((r) => r.paymentId)}::text[]) as u
        on conflict (org_id, shop_id, id) do update set statement_time = excluded.statement_time, currency = excluded.currency, settlement_amount = excluded.settlement_amount, revenue_amount = excluded.revenue_amount,
          fee_amount = excluded.fee_amount, adjustment_amount = excluded.adjustment_amount, payment_status = excluded.payment_status, payment_id = excluded.payment_id, synced_at = excluded.synced_at`),
    );
  }

  /** One order's refund lines as its statement transactions give them (replacing what was stored for it). */
  async function storeOrderRefunds(orgId: string, shopId: string, externalOrderId: string, lines: FinanceRefundInput[]): Promise<void> {
    const now = clock.now().toISOString();
    await db.tenant(orgId, async (tx) => {
      await tx.execute(sql`delete from finance_refund_lines where org_id = ${orgId} and shop_id = ${shopId} and external_order_id = ${externalOrderId}`);
      const merged = new Map<string, FinanceRefundInput>();
      for (const l of lines) {
        if (l.refundAmount === 0) continue;
        const k = `${l.skuId}|${l.statementId}`;
        const e = merged.get(k);
        merged.set(k, e ? { ...e, refundAmount: e.refundAmount + l.refundAmount } : { ...l });
      }
      const ls = [...merged.values()];
      if (ls.length) {
        const c = <T>(f: (r: FinanceRefundInput) => T) => sql.param(ls.map(f));
        await tx.execute(sql`insert into finance_refund_lines (org_id, shop_id, external_order_id, sku_id, statement_id, currency, refund_amount, fetched_at)
          select ${orgId}, ${shopId}, ${externalOrderId}, u.*, ${now}::timestamptz from unnest(${c((r) => r.skuId)}::text[], ${c((r) => r.statementId)}::text[], ${c((r) => r.currency)}::text[], ${c((r) => r.refundAmount)}::int8[]) as u`);
      }
      await tx.execute(sql`insert into finance_order_checks (org_id, shop_id, external_order_id, checked_at) values (${orgId}, ${shopId}, ${externalOrderId}, ${now}::timestamptz)
        on conflict (org_id, shop_id, external_order_id) do update set checked_at = excluded.checked_at`);
    });
  }

  const OUR_REFUNDS = (orgId: string, shopId: string | undefined, from: Date, to: Date) => sql`
    select p.shop_id, p.external_order_id, ol.sku_id, coalesce(p.currency, ol.currency) as currency, (e ->> 'refundAmount')::bigint as amount, p.external_updated_at as refunded_at
    from platform_returns p
    cross join lateral jsonb_array_elements(p.lines) e
    join order_lines ol on ol.org_id = p.org_id and ol.id = e ->> 'orderLineId'
    where p.org_id = ${orgId} and p.kind = 'return' and p.type in ('refund_only', 'return_and_refund') and p.status in ('approved', 'completed')
      and p.external_updated_at >= ${from.toISOString()}::timestamptz and p.external_updated_at < ${to.toISOString()}::timestamptz ${shopId ? sql`and p.shop_id = ${shopId}` : sql``}`;

  /** Orders whose refunds the statements should show and that were not read in the last day (oldest refunds first). */
  async function ordersToCheck(orgId: string, shopId: string, days = 60, limit = 200): Promise<string[]> {
    const now = clock.now();
    return db.tenant(orgId, async (tx) => {
      const r = await tx.execute(sql`
        select r.external_order_id, min(r.refunded_at) as first from (${OUR_REFUNDS(orgId, shopId, new Date(now.getTime() - days * DAY), new Date(now.getTime() + DAY))}) r
        left join finance_order_checks k on k.org_id = ${orgId} and k.shop_id = r.shop_id and k.external_order_id = r.external_order_id
        where k.checked_at is null or k.checked_at < ${new Date(now.getTime() - DAY).toISOString()}::timestamptz
        group by r.external_order_id order by 2 limit ${limit}`);
      return (r.rows as Row[]).map((x) => String(x.external_order_id));
    });
  }

  async function reconciliation(actor: Actor, q: { shopId?: string; from?: string; to?: string; status?: ReconStatus } = {}): Promise<ReconView> {
    requireRole(actor, LEADS, 'reading the refund reconciliation');
    const { from, to } = period(q);
    const now = clock.now();
    return db.tenant(actor.orgId, async (tx) => {
      if (q.shopId) await shopIn(tx, actor.orgId, q.shopId);
      const org = actor.orgId;
      const ours = (await tx.execute(OUR_REFUNDS(org, q.shopId, from, to))).rows as Row[];
      const orderIds = [...new Set(ours.map((x) => `${x.shop_id}|${x.external_order_id}`))];
      // Statement refund lines of those orders, and of statements in the period (refunds we have no record of).
      const st = (await tx.execute(sql`
        select l.shop_id, l.external_order_id, l.sku_id, l.currency, l.refund_amount, l.statement_id
        from finance_refund_lines l left join finance_statements s on s.org_id = l.org_id and s.shop_id = l.shop_id and s.id = l.statement_id
        where l.org_id = ${org} ${q.shopId ? sql`and l.shop_id = ${q.shopId}` : sql``}
          and ((l.shop_id || '|' || l.external_order_id) = any(${sql.param(orderIds)}::text[])
               or (s.statement_time >= ${from.toISOString()}::timestamptz and s.statement_time < ${to.toISOString()}::timestamptz))`)).rows as Row[];
      // A shop with no statements at all (no Finance API in its market, or not synced yet) is not
      // reconciled: listed apart instead of showing each of its refunds as missing.
      const without = (await tx.execute(sql`select s.id from shops s where s.org_id = ${org} ${q.shopId ? sql`and s.id = ${q.shopId}` : sql``}
        and not exists (select 1 from finance_statements f where f.org_id = s.org_id and f.shop_id = s.id) order by s.id`)).rows as Row[];
      const skip = new Set(without.map((x) => String(x.id)));
      const byShop = new Map<string, { ours: Row[]; st: Row[] }>();
      for (const x of ours) (byShop.get(String(x.shop_id)) ?? byShop.set(String(x.shop_id), { ours: [], st: [] }).get(String(x.shop_id))!).ours.push(x);
      for (const x of st) (byShop.get(String(x.shop_id)) ?? byShop.set(String(x.shop_id), { ours: [], st: [] }).get(String(x.shop_id))!).st.push(x);
      const items: ReconView['items'] = [];
      for (const [shopId, v] of byShop) {
        if (skip.has(shopId)) continue;
        const rows = reconcileRefunds(
          v.ours.map((x) => ({ externalOrderId: String(x.external_order_id), skuId: String(x.sku_id), currency: String(x.currency), amount: num(x.amount), refundedAt: new Date(iso(x.refunded_at)) })),
          v.st.map((x) => ({ externalOrderId: String(x.external_order_id), skuId: String(x.sku_id), currency: String(x.currency), amount: num(x.refund_amount), statementId: String(x.statement_id) })),
          now,
        );
        for (const r of rows) items.push({ shopId, ...r });
      }
      const summary: Record<string, number> = { matched: 0, amount_differs: 0, awaiting_statement: 0, missing_on_statement: 0, not_ours: 0 };
      for (const r of items) summary[r.status] = (summary[r.status] ?? 0) + 1;
      const stm = (await tx.execute(sql`select shop_id, id, statement_time, currency, settlement_amount, revenue_amount, fee_amount, adjustment_amount, payment_status from finance_statements
        where org_id = ${org} and statement_time >= ${from.toISOString()}::timestamptz and statement_time < ${to.toISOString()}::timestamptz ${q.shopId ? sql`and shop_id = ${q.shopId}` : sql``} order by statement_time desc limit 200`)).rows as Row[];
      return {
        from: ymd(from),
        to: ymd(to),
        summary,
        statements: stm.map((x) => ({ shopId: String(x.shop_id), id: String(x.id), statementTime: iso(x.statement_time), currency: String(x.currency), settlementAmount: num(x.settlement_amount), revenueAmount: num(x.revenue_amount), feeAmount: num(x.fee_amount), adjustmentAmount: num(x.adjustment_amount), paymentStatus: (x.payment_status as string | null) ?? null })),
        items: (q.status ? items.filter((r) => r.status === q.status) : items).slice(0, 1000),
        shopsWithoutStatements: without.map((x) => String(x.id)),
      };
    });
  }

  // ---------------- CSAT: asked on resolution, answers collected from the thread ----------------

  /**
   * Ask the question on tickets solved in the last 3 days that have a buyer and a channel we can
   * write on, once per ticket: the contact policy decides (purpose `service`), the helpdesk sends
   * in the buyer's language on the ticket's channel, the survey row and the contact are stored in
   * the same transaction. A ticket the policy or the channel refuses now is tried again next run.
   */
  async function askCsat(orgId: string, limit = 100): Promise<{ asked: number; refused: number; reasons: string[] }> {
    const ports = d.csat;
    if (!ports) return { asked: 0, refused: 0, reasons: [] };
    const now = clock.now();
    const due = await db.tenant(orgId, (tx) =>
      tx.execute(sql`
        select t.id, t.shop_id, t.channel, t.buyer_id, t.language, t.buyer_email, t.buyer_phone, s.name as shop_name, s.time_zone
        from tickets t join shops s on s.org_id = t.org_id and s.id = t.shop_id
        where t.org_id = ${orgId} and t.status = 'solved' and t.solved_at >= ${new Date(now.getTime() - 3 * DAY).toISOString()}::timestamptz
          and t.buyer_id is not null and t.merged_into_id is null and t.channel in ('tiktok_chat', 'whatsapp', 'email')
          and not exists (select 1 from csat_surveys c where c.org_id = t.org_id and c.ticket_id = t.id)
        order by t.solved_at limit ${limit}`),
    );
    let asked = 0;
    let refused = 0;
    const reasons = new Set<string>();
    for (const t of due.rows as Row[]) {
      const channel = SURVEY_CHANNELS[String(t.channel) as keyof typeof SURVEY_CHANNELS];
      const ok = await db.tenant(orgId, async (tx) => {
        // The ticket's own thread is the address: the buyer wrote to us from it.
        const reach = channel === 'email' ? { hasAddress: !!t.buyer_email } : channel === 'whatsapp' ? { hasAddress: !!t.buyer_phone } : undefined;
        const decision = await ports.decide(tx, { orgId, shopId: String(t.shop_id), buyerId: String(t.buyer_id), channel, zone: String(t.time_zone), reach });
        if (!decision.allowed) {
          for (const r of decision.reasons) reasons.add(r);
          return false;
        }
        const q = csatQuestion(String(t.language), String(t.shop_name));
        if (!(await ports.send(tx, orgId, String(t.id), q.text, `analytics.csat:${String(t.id)}`))) {
          reasons.add('channel_closed');
          return false;
        }
        await tx.execute(sql`insert into csat_surveys (org_id, id, shop_id, ticket_id, channel, language, asked_at) values (${orgId}, ${ids('csat')}, ${String(t.shop_id)}, ${String(t.id)}, ${String(t.channel)}, ${q.language}, ${now.toISOString()}::timestamptz) on conflict (org_id, ticket_id) do nothing`);
        await ports.record(tx, { orgId, shopId: String(t.shop_id), buyerId: String(t.buyer_id), channel });
        return true;
      });
      if (ok) asked++;
      else refused++;
    }
    return { asked, refused, reasons: [...reasons].sort() };
  }

  /**
   * Read the buyer's messages after the question (the first three): the first 1–5 answer is stored.
   * When that answer reopened the ticket and the buyer wrote nothing else, the ticket is solved again.
   */
  async function collectCsat(orgId: string): Promise<number> {
    const now = clock.now();
    const open = await db.tenant(orgId, (tx) =>
      tx.execute(sql`
        select c.ticket_id, t.status, m.bodies
        from csat_surveys c join tickets t on t.org_id = c.org_id and t.id = c.ticket_id
        join lateral (select array_agg(body order by created_at) as bodies from (
          select body, created_at from ticket_messages m where m.org_id = c.org_id and m.ticket_id = c.ticket_id and m.direction = 'inbound' and m.kind = 'public' and m.created_at > c.asked_at
          order by created_at limit 3) x) m on true
        where c.org_id = ${orgId} and c.score is null and c.asked_at >= ${new Date(now.getTime() - 14 * DAY).toISOString()}::timestamptz and m.bodies is not null`),
    );
    let stored = 0;
    for (const x of open.rows as Row[]) {
      const bodies = (x.bodies as string[]) ?? [];
      const score = bodies.map((b) => parseCsatReply(b)).find((s) => s !== null) ?? null;
      if (score === null) continue;
      const r = await db.tenant(orgId, (tx) => tx.execute(sql`update csat_surveys set score = ${score}, answered_at = ${now.toISOString()}::timestamptz where org_id = ${orgId} and ticket_id = ${String(x.ticket_id)} and score is null returning id`));
      if (r.rows.length === 0) continue;
      stored++;
      if (bodies.length === 1 && (x.status === 'open' || x.status === 'new') && d.csat) await d.csat.solveAgain(orgId, String(x.ticket_id));
    }
    return stored;
  }

  /**
   * A buyer's message just arrived (the helpdesk's after-message hook, any channel): when it is a
   * 1–5 answer to an open survey of the same conversation (the surveyed ticket, or the one the
   * conversation continued on), it is stored now. When the answer alone reopened the surveyed
   * ticket, the ticket is solved again. Returns the score stored, or null.
   */
  async function csatOnMessage(orgId: string, ticketId: string, messageId: string): Promise<number | null> {
    const now = clock.now();
    const hit = await db.tenant(orgId, async (tx) => {
      const m = (await tx.execute(sql`select m.body, m.created_at, m.direction, m.kind, t.channel, t.external_thread_id from ticket_messages m join tickets t on t.org_id = m.org_id and t.id = m.ticket_id
        where m.org_id = ${orgId} and m.id = ${messageId} and m.ticket_id = ${ticketId}`)).rows[0] as Row | undefined;
      if (!m || m.direction !== 'inbound' || m.kind !== 'public') return null;
      const score = parseCsatReply(String(m.body ?? ''));
      if (score === null) return null;
      const at = iso(m.created_at);
      const r = await tx.execute(sql`
        update csat_surveys c set score = ${score}, answered_at = ${now.toISOString()}::timestamptz
        where c.org_id = ${orgId} and c.score is null and c.asked_at <= ${at}::timestamptz and c.asked_at >= ${new Date(now.getTime() - 14 * DAY).toISOString()}::timestamptz
          and c.ticket_id = (select s.ticket_id from csat_surveys s join tickets t on t.org_id = s.org_id and t.id = s.ticket_id
            where s.org_id = ${orgId} and s.score is null and (s.ticket_id = ${ticketId} or (t.channel = ${String(m.channel)} and t.external_thread_id = ${String(m.external_thread_id)}))
            order by s.asked_at desc limit 1)
        returning c.ticket_id, c.asked_at`);
      const row = r.rows[0] as Row | undefined;
      if (!row) return null;
      const surveyed = String(row.ticket_id);
      // Solve again only when this answer is the buyer's one message since the question and it reopened the ticket.
      const t = (await tx.execute(sql`select t.status, (select count(*) from ticket_messages x where x.org_id = t.org_id and x.ticket_id = t.id and x.direction = 'inbound' and x.kind = 'public' and x.created_at > ${iso(row.asked_at)}::timestamptz) as inbound
        from tickets t where t.org_id = ${orgId} and t.id = ${surveyed}`)).rows[0] as Row | undefined;
      return { score, surveyed, reopenedByIt: surveyed === ticketId && !!t && num(t.inbound) === 1 && (t.status === 'open' || t.status === 'new') };
    });
    if (!hit) return null;
    if (hit.reopenedByIt && d.csat) await d.csat.solveAgain(orgId, hit.surveyed);
    return hit.score;
  }

  return { outcomes, setSettings, storeStatements, storeOrderRefunds, ordersToCheck, reconciliation, askCsat, collectCsat, csatOnMessage };
}
