import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError, isUniqueViolation } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Jobs } from '../../platform/jobs.js';
import type { Logger } from '../../platform/logger.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { publicHolidays, shopsTable, type BusinessHours } from '../tenancy/index.js';
import { computeDue, explainDue, withinReach } from './sla.calculator.js';
import { CreatePolicy, type ClockView, type DueView, type PolicyView, type UpdatePolicy } from './sla.dto.js';
import {
  addBusinessMs,
  businessMsBetween,
  choosePolicy,
  compileCalendar,
  targetOf,
  thresholdMs,
  yearsSpanned,
  type CompiledCalendar,
  type SlaMetric,
  type SlaMode,
  type TicketFacts,
} from './sla.rules.js';
import { slaClockEvents, slaClocks, slaPolicies, slaTickets, type ClockRow, type PolicyRow } from './sla.schema.js';

export const SLA_TIMER_QUEUE = 'sla.timer';
export const SLA_SWEEP_QUEUE = 'sla.sweep';

export interface SlaDeps {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
  jobs: Jobs | undefined;
}

/** What the app hands the helpdesk when a clock breaches: escalate this ticket to a supervisor. */
export interface SlaEscalation {
  orgId: string;
  ticketId: string;
  shopId: string;
  clockId: string;
  metric: SlaMetric;
  policyId: string;
  targetMinutes: number;
  dueAt: Date;
  breachedAt: Date;
  escalateTo: 'supervisor';
}
export type EscalationHandler = (e: SlaEscalation) => Promise<void>;

export interface StartClocksInput {
  orgId: string;
  shopId: string;
  ticketId: string;
  channel: string;
  priority: string;
  orderValue?: { amount: number; currency: string } | null;
  at: Date;
}

export type SlaEventKind = 'agent_public_reply' | 'buyer_message' | 'status_changed' | 'priority_changed';
export interface RecordEventInput {
  orgId: string;
  ticketId: string;
  kind: SlaEventKind;
  status?: string;
  priority?: string;
  at: Date;
}

export interface TimerJob {
  orgId: string;
  clockId: string;
  generation: number;
  /** The instant (ms) the job was scheduled for; reaching it is what the job announces. */
  at?: number;
  /** How often this timer already found its clock not yet committed. */
  attempt?: number;
}

export interface TimerReport {
  warnings: number;
  breaches: number;
  escalations: number;
}

/**
 * Default policies every organisation starts with (seeded on its first ticket). Business minutes
 * unless the mode says calendar. Resolution targets assume the default 9-hour business day.
 */
export const DEFAULT_POLICIES: Omit<CreatePolicy, 'active'>[] = [
  { name: 'General', firstReplyMinutes: 60, nextReplyMinutes: 120, resolutionMinutes: 3 * 540, mode: 'business', warningPercents: [50, 80] },
  { name: 'High-ticket orders (≥ 200.00)', minOrderAmount: 20_000, firstReplyMinutes: 15, nextReplyMinutes: 30, resolutionMinutes: 540, mode: 'business', warningPercents: [50, 80] },
  { name: 'Livestream channel', channel: 'livestream', firstReplyMinutes: 24 * 60, nextReplyMinutes: 24 * 60, resolutionMinutes: 72 * 60, mode: 'calendar', warningPercents: [50, 80] },
];

/** Thrown by the timer job while the transaction that scheduled it has not committed yet. */
export class TimerNotVisibleYet extends Error {}

const MINUTE = 60_000;
const ESCALATION_LEASE_MS = 5 * MINUTE;

type ShopCal = { id: string; timeZone: string; businessHours: BusinessHours; market: string; region: string | null; updatedAt: Date };

function policyView(p: PolicyRow): PolicyView {
  return {
    id: p.id,
    name: p.name,
    shopId: p.shopId,
    channel: p.channel,
    priority: p.priority,
    minOrderAmount: p.minOrderAmount,
    minOrderCurrency: p.minOrderCurrency,
    firstReplyMinutes: p.firstReplyMinutes,
    nextReplyMinutes: p.nextReplyMinutes,
    resolutionMinutes: p.resolutionMinutes,
    mode: p.mode,
    warningPercents: p.warningPercents,
    active: p.active,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function createSlaService(deps: SlaDeps) {
  const { db, clock, ids, log } = deps;
  const escalationHandlers: EscalationHandler[] = [];
  const calendars = new Map<string, CompiledCalendar>();
  let queueReady: Promise<void> | undefined;

  // ------------------------------------------------------------------------------------------
  // Calendars

  function holidaysFor(market: string, region: string | null | undefined, years: number[]): string[] {
    return years.flatMap((y) => publicHolidays(market, region ?? null, y).map((h) => h.date));
  }

  function shopCalendar(shop: ShopCal, mode: SlaMode, aroundMs: number): CompiledCalendar {
    const y = new Date(aroundMs).getUTCFullYear();
    const key = `${shop.id}|${shop.updatedAt.getTime()}|${mode}|${y}`;
    let c = calendars.get(key);
    if (!c) {
      c = compileCalendar({ timeZone: shop.timeZone, hours: shop.businessHours, holidays: holidaysFor(shop.market, shop.region, [y - 1, y, y + 1, y + 2]), mode });
      // A shop with no opening hours at all would never reach a business-time target (and would
      // fail every ticket it receives); its clocks count calendar time instead.
      if (c.mode === 'business' && c.weekMinutes === 0) c = { ...c, mode: 'calendar' };
      if (calendars.size > 5_000) calendars.clear();
      calendars.set(key, c);
    }
    return c;
  }

  async function loadShop(tx: Executor, orgId: string, shopId: string): Promise<ShopCal> {
    const [s] = await tx
      .select({ id: shopsTable.id, timeZone: shopsTable.timeZone, businessHours: shopsTable.businessHours, market: shopsTable.market, region: shopsTable.region, updatedAt: shopsTable.updatedAt })
      .from(shopsTable)
      .where(and(eq(shopsTable.orgId, orgId), eq(shopsTable.id, shopId)));
    if (!s) throw AppError.notFound('shop', shopId);
    return s;
  }

  function clockCalendar(shop: ShopCal, c: Pick<ClockRow, 'mode' | 'startedAt'>): CompiledCalendar {
    return shopCalendar(shop, c.mode, c.startedAt.getTime());
  }

  function dueOf(cal: CompiledCalendar, c: Pick<ClockRow, 'startedAt' | 'targetMinutes' | 'pausedBusinessMs'>): Date {
    return new Date(addBusinessMs(cal, c.startedAt.getTime(), c.targetMinutes * MINUTE + c.pausedBusinessMs));
  }

  /** Next warning or breach instant still to announce for a running clock. */
  function nextTimerOf(cal: CompiledCalendar, c: Pick<ClockRow, 'state' | 'startedAt' | 'targetMinutes' | 'pausedBusinessMs' | 'warningPercents' | 'warningsFired' | 'dueAt'>): Date | null {
    if (c.state !== 'running') return null;
    let next = c.dueAt.getTime();
    for (const p of c.warningPercents) {
      if (c.warningsFired.includes(p)) continue;
      next = Math.min(next, thresholdMs(cal, c.startedAt.getTime(), c.targetMinutes, c.pausedBusinessMs, p));
    }
    return new Date(next);
  }

  // ------------------------------------------------------------------------------------------
  // Policies

  async function loadPolicies(tx: Executor, orgId: string): Promise<PolicyRow[]> {
    let rows = await tx.select().from(slaPolicies).where(eq(slaPolicies.orgId, orgId));
    if (rows.length === 0) {
      await seedDefaults(tx, orgId);
      rows = await tx.select().from(slaPolicies).where(eq(slaPolicies.orgId, orgId));
    }
    return rows;
  }

  async function seedDefaults(tx: Executor, orgId: string): Promise<number> {
    const now = clock.now();
    let n = 0;
    for (const [i, d] of DEFAULT_POLICIES.entries()) {
      const p = CreatePolicy.parse(d);
      // Distinct created_at keeps "oldest wins" tie-breaks stable for the defaults.
      const at = new Date(now.getTime() + i);
      const r = await tx
        .insert(slaPolicies)
        .values({
          orgId,
          id: ids('slp'),
          name: p.name,
          shopId: p.shopId ?? null,
          channel: p.channel ?? null,
          priority: p.priority ?? null,
          minOrderAmount: p.minOrderAmount ?? null,
          minOrderCurrency: p.minOrderCurrency ?? null,
          firstReplyMinutes: p.firstReplyMinutes ?? null,
          nextReplyMinutes: p.nextReplyMinutes ?? null,
          resolutionMinutes: p.resolutionMinutes ?? null,
          mode: p.mode,
          warningPercents: p.warningPercents,
          active: true,
          createdAt: at,
          updatedAt: at,
        })
        .onConflictDoNothing()
        .returning({ id: slaPolicies.id });
      n += r.length;
    }
    return n;
  }

  /** Seeds the default policies when the organisation has none; the demo seeding calls this. */
  async function ensureDefaultPolicies(orgId: string): Promise<number> {
    return db.tenant(orgId, async (tx) => {
      const [row] = await tx.select({ n: sql<number>`count(*)` }).from(slaPolicies).where(eq(slaPolicies.orgId, orgId));
      return row && row.n > 0 ? 0 : seedDefaults(tx, orgId);
    });
  }

  async function assertShop(tx: Executor, orgId: string, shopId: string | null | undefined): Promise<void> {
    if (!shopId) return;
    const [s] = await tx.select({ id: shopsTable.id }).from(shopsTable).where(and(eq(shopsTable.orgId, orgId), eq(shopsTable.id, shopId)));
    if (!s) throw AppError.validation('sla.unknown_shop', `Shop ${shopId} was not found`, [{ field: 'shopId', message: 'no such shop in this organisation' }]);
  }

  async function listPolicies(actor: Actor): Promise<PolicyView[]> {
    return db.tenant(actor.orgId, async (tx) => (await loadPolicies(tx, actor.orgId)).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map(policyView));
  }

  async function getPolicy(actor: Actor, id: string): Promise<PolicyView> {
    return db.tenant(actor.orgId, async (tx) => {
      const [p] = await tx.select().from(slaPolicies).where(and(eq(slaPolicies.orgId, actor.orgId), eq(slaPolicies.id, id)));
      if (!p) throw AppError.notFound('sla_policy', id);
      return policyView(p);
    });
  }

  async function createPolicy(actor: Actor, input: CreatePolicy): Promise<PolicyView> {
    requireRole(actor, ['owner', 'supervisor'], 'changing SLA policies');
    const p = CreatePolicy.parse(input);
    return db.tenant(actor.orgId, async (tx) => {
      await assertShop(tx, actor.orgId, p.shopId);
      // Seed the defaults first, so an organisation's first own policy adds to them instead of replacing them.
      await loadPolicies(tx, actor.orgId);
      const now = clock.now();
      try {
        const [row] = await tx
          .insert(slaPolicies)
          .values({
            orgId: actor.orgId,
            id: ids('slp'),
            name: p.name,
            shopId: p.shopId ?? null,
            channel: p.channel ?? null,
            priority: p.priority ?? null,
            minOrderAmount: p.minOrderAmount ?? null,
            minOrderCurrency: p.minOrderCurrency ?? null,
            firstReplyMinutes: p.firstReplyMinutes ?? null,
            nextReplyMinutes: p.nextReplyMinutes ?? null,
            resolutionMinutes: p.resolutionMinutes ?? null,
            mode: p.mode,
            warningPercents: [...p.warningPercents].sort((a, b) => a - b),
            active: p.active,
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        return policyView(row!);
      } catch (e) {
        if (isUniqueViolation(e, 'sla_policies_name_unique')) throw AppError.conflict('sla.policy_name_taken', `A policy named "${p.name}" exists already`, { field: 'name' });
        throw e;
      }
    });
  }

  async function updatePolicy(actor: Actor, id: string, patch: UpdatePolicy): Promise<PolicyView> {
    requireRole(actor, ['owner', 'supervisor'], 'changing SLA policies');
    return db.tenant(actor.orgId, async (tx) => {
      const [cur] = await tx.select().from(slaPolicies).where(and(eq(slaPolicies.orgId, actor.orgId), eq(slaPolicies.id, id))).for('update');
      if (!cur) throw AppError.notFound('sla_policy', id);
      const merged = { ...policyView(cur), ...patch };
      // Re-validate the whole policy so a patch cannot leave it without any target.
      const checked = CreatePolicy.safeParse({
        name: merged.name,
        shopId: merged.shopId,
        channel: merged.channel,
        priority: merged.priority,
        minOrderAmount: merged.minOrderAmount,
        minOrderCurrency: merged.minOrderCurrency,
        firstReplyMinutes: merged.firstReplyMinutes,
        nextReplyMinutes: merged.nextReplyMinutes,
        resolutionMinutes: merged.resolutionMinutes,
        mode: merged.mode,
        warningPercents: merged.warningPercents,
        active: merged.active,
      });
      if (!checked.success) {
        const issues = checked.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
        throw AppError.validation('sla.invalid_policy', `Invalid policy: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues);
      }
      if (patch.shopId !== undefined) await assertShop(tx, actor.orgId, patch.shopId);
      const v = checked.data;
      try {
        const [row] = await tx
          .update(slaPolicies)
          .set({
            name: v.name,
            shopId: v.shopId ?? null,
            channel: v.channel ?? null,
            priority: v.priority ?? null,
            minOrderAmount: v.minOrderAmount ?? null,
            minOrderCurrency: v.minOrderCurrency ?? null,
            firstReplyMinutes: v.firstReplyMinutes ?? null,
            nextReplyMinutes: v.nextReplyMinutes ?? null,
            resolutionMinutes: v.resolutionMinutes ?? null,
            mode: v.mode,
            warningPercents: [...v.warningPercents].sort((a, b) => a - b),
            active: v.active,
            updatedAt: clock.now(),
          })
          .where(and(eq(slaPolicies.orgId, actor.orgId), eq(slaPolicies.id, id)))
          .returning();
        return policyView(row!);
      } catch (e) {
        if (isUniqueViolation(e, 'sla_policies_name_unique')) throw AppError.conflict('sla.policy_name_taken', `A policy named "${v.name}" exists already`, { field: 'name' });
        throw e;
      }
    });
  }

  /** Policies are deactivated, not deleted: clocks and their audit keep pointing at them. */
  async function deactivatePolicy(actor: Actor, id: string): Promise<PolicyView> {
    return updatePolicy(actor, id, { active: false });
  }

  // ------------------------------------------------------------------------------------------
  // Timers

  async function ensureQueue(): Promise<void> {
    const jobs = deps.jobs;
    if (!jobs?.isStarted) return;
    queueReady ??= (async () => {
      // Retries with a delay cover a timer that fires before its scheduling transaction commits.
      await jobs.boss.createQueue(SLA_TIMER_QUEUE, { name: SLA_TIMER_QUEUE, retryLimit: 6, retryDelay: 2, retryBackoff: true });
    })().catch((e) => {
      queueReady = undefined;
      throw e;
    });
    await queueReady;
  }

  /** One pg-boss job per clock generation, at the exact next warning/breach instant. */
  async function schedule(c: Pick<ClockRow, 'orgId' | 'id' | 'generation' | 'nextTimerAt' | 'state'>): Promise<void> {
    const jobs = deps.jobs;
    if (!jobs?.isStarted || c.state !== 'running' || !c.nextTimerAt) return;
    try {
      await ensureQueue();
      const data: TimerJob = { orgId: c.orgId, clockId: c.id, generation: c.generation, at: c.nextTimerAt.getTime() };
      await jobs.send(SLA_TIMER_QUEUE, data, { startAfter: c.nextTimerAt, singletonKey: `${c.id}:${c.generation}:${c.nextTimerAt.getTime()}` });
    } catch (e) {
      // The catch-up sweep still finds the clock through next_timer_at.
      log.warn({ err: e, clockId: c.id }, 'could not schedule SLA timer');
    }
  }

  interface ClockEvent {
    kind: string;
    at: Date;
    data?: Record<string, unknown>;
  }

  /** Every change goes through here: new generation, next timer, audit rows, a fresh job. */
  async function saveClock(tx: Executor, cal: CompiledCalendar, c: ClockRow, patch: Partial<ClockRow>, events: ClockEvent[]): Promise<ClockRow> {
    const next: ClockRow = { ...c, ...patch, generation: c.generation + 1, updatedAt: clock.now() };
    next.nextTimerAt = nextTimerOf(cal, next);
    await tx
      .update(slaClocks)
      .set({
        policyId: next.policyId,
        targetMinutes: next.targetMinutes,
        mode: next.mode,
        warningPercents: next.warningPercents,
        warningsFired: next.warningsFired,
        dueAt: next.dueAt,
        pausedAt: next.pausedAt,
        pausedBusinessMs: next.pausedBusinessMs,
        stoppedAt: next.stoppedAt,
        stopReason: next.stopReason,
        breachedAt: next.breachedAt,
        state: next.state,
        nextTimerAt: next.nextTimerAt,
        generation: next.generation,
        updatedAt: next.updatedAt,
      })
      .where(and(eq(slaClocks.orgId, c.orgId), eq(slaClocks.id, c.id)));
    await insertEvents(tx, next, events);
    await schedule(next);
    return next;
  }

  async function insertEvents(tx: Executor, c: ClockRow, events: ClockEvent[]): Promise<void> {
    if (!events.length) return;
    const now = clock.now();
    await tx.insert(slaClockEvents).values(
      events.map((e) => ({
        orgId: c.orgId,
        id: ids('sle'),
        clockId: c.id,
        ticketId: c.ticketId,
        metric: c.metric,
        kind: e.kind,
        at: e.at,
        generation: c.generation,
        dueAt: c.dueAt,
        data: e.data ?? {},
        createdAt: now,
      })),
    );
  }

  /** Announces every warning and the breach whose instant is at or before `nowMs`; each once. */
  async function evaluate(tx: Executor, c: ClockRow, nowMs: number): Promise<{ warnings: number; breached: boolean } | null> {
    if (c.state !== 'running') return null;
    const shop = await loadShop(tx, c.orgId, c.shopId);
    const cal = clockCalendar(shop, c);
    const firedAt = new Date(nowMs).toISOString();
    const events: ClockEvent[] = [];
    const fired: number[] = [];
    // A ticket imported with its history (a shop connected today, last month's chats) arrives with
    // instants already behind it: nobody could have been warned then, so those warnings are skipped.
    const createdMs = c.createdAt.getTime();
    for (const p of [...c.warningPercents].sort((a, b) => a - b)) {
      if (c.warningsFired.includes(p)) continue;
      const at = thresholdMs(cal, c.startedAt.getTime(), c.targetMinutes, c.pausedBusinessMs, p);
      if (at > nowMs) continue;
      fired.push(p);
      if (at >= createdMs) events.push({ kind: `warning_${p}`, at: new Date(at), data: { percent: p, firedAt } });
    }
    const breached = c.dueAt.getTime() <= nowMs;
    if (breached) events.push({ kind: 'breached', at: c.dueAt, data: { targetMinutes: c.targetMinutes, firedAt, overdueOnArrival: c.dueAt.getTime() < createdMs } });
    // Skipped warnings still advance the clock's next timer, or it would come due again and again.
    if (!fired.length && !breached) return null;
    await saveClock(
      tx,
      cal,
      c,
      {
        warningsFired: [...c.warningsFired, ...fired],
        ...(breached ? { state: 'breached' as const, breachedAt: c.dueAt } : {}),
      },
      events,
    );
    return { warnings: events.filter((e) => e.kind.startsWith('warning_')).length, breached };
  }

  async function lockClock(tx: Executor, orgId: string, clockId: string): Promise<ClockRow | undefined> {
    const [c] = await tx.select().from(slaClocks).where(and(eq(slaClocks.orgId, orgId), eq(slaClocks.id, clockId))).for('update');
    return c;
  }

  /** The pg-boss handler: re-check the clock (stale generations do nothing), fire, escalate. */
  async function fireTimer(job: TimerJob): Promise<TimerReport> {
    const out = await db.tenant(job.orgId, async (tx) => {
      const c = await lockClock(tx, job.orgId, job.clockId);
      if (!c || c.generation < job.generation) throw new TimerNotVisibleYet(`SLA clock ${job.clockId} generation ${job.generation} is not visible yet`);
      if (c.generation > job.generation) return null;
      // pg-boss released the job at its instant by the database's clock; an app clock a little
      // behind must not make it miss, so the job's own instant counts as reached.
      const nowMs = Math.max(clock.now().getTime(), job.at ?? 0);
      const r = await evaluate(tx, c, nowMs);
      // Nothing was due yet (a job released early): wait for the clock's real next instant.
      if (!r && c.nextTimerAt && c.nextTimerAt.getTime() > nowMs) await schedule(c);
      return r;
    });
    const escalations = out?.breached ? await runEscalations(job.orgId) : 0;
    return { warnings: out?.warnings ?? 0, breaches: out?.breached ? 1 : 0, escalations };
  }

  /**
   * Fires every timer whose instant has passed (all organisations, or one): the catch-up after
   * downtime, the safety net behind the exact jobs, and how tests drive time with a ManualClock.
   */
  async function runDueTimers(opts: { orgId?: string } = {}): Promise<TimerReport> {
    const report: TimerReport = { warnings: 0, breaches: 0, escalations: 0 };
    const now = clock.now();
    for (let round = 0; round < 100; round++) {
      const due = await db.system(async (tx) =>
        tx
          .select({ orgId: slaClocks.orgId, id: slaClocks.id })
          .from(slaClocks)
          .where(and(eq(slaClocks.state, 'running'), sql`${slaClocks.nextTimerAt} <= ${now.toISOString()}::timestamptz`, opts.orgId ? eq(slaClocks.orgId, opts.orgId) : undefined))
          .orderBy(asc(slaClocks.nextTimerAt))
          .limit(200),
      );
      if (!due.length) break;
      let progressed = 0;
      for (const d of due) {
        const r = await db.tenant(d.orgId, async (tx) => {
          const c = await lockClock(tx, d.orgId, d.id);
          return c ? evaluate(tx, c, now.getTime()) : null;
        });
        if (r) {
          progressed++;
          report.warnings += r.warnings;
          report.breaches += r.breached ? 1 : 0;
        }
      }
      if (!progressed) break;
    }
    report.escalations = await runEscalations(opts.orgId);
    return report;
  }

  /**
   * Hands breached clocks to the escalation handlers after the breach committed, so a handler that
   * changes the ticket (and calls recordEvent) never waits on our row lock. A claim with a lease
   * keeps two workers from escalating the same clock; a failed handler is retried by the next sweep.
   */
  async function runEscalations(orgId?: string): Promise<number> {
    if (!escalationHandlers.length) return 0;
    const now = clock.now();
    const leaseEnd = new Date(now.getTime() - ESCALATION_LEASE_MS);
    const claimed = await db.system(async (tx) =>
      tx
        .update(slaClocks)
        .set({ escalationClaimedAt: now })
        .where(
          and(
            sql`${slaClocks.breachedAt} is not null`,
            isNull(slaClocks.escalatedAt),
            // Answered meanwhile (a retry after a failed handler): nothing left to escalate.
            isNull(slaClocks.stoppedAt),
            // Overdue on arrival (imported history) sorts first in every queue but pages no supervisor.
            sql`${slaClocks.dueAt} >= ${slaClocks.createdAt}`,
            sql`(${slaClocks.escalationClaimedAt} is null or ${slaClocks.escalationClaimedAt} < ${leaseEnd.toISOString()}::timestamptz)`,
            orgId ? eq(slaClocks.orgId, orgId) : undefined,
          ),
        )
        .returning(),
    );
    let n = 0;
    for (const c of claimed) {
      const e: SlaEscalation = {
        orgId: c.orgId,
        ticketId: c.ticketId,
        shopId: c.shopId,
        clockId: c.id,
        metric: c.metric,
        policyId: c.policyId,
        targetMinutes: c.targetMinutes,
        dueAt: c.dueAt,
        breachedAt: c.breachedAt!,
        escalateTo: 'supervisor',
      };
      try {
        for (const h of escalationHandlers) await h(e);
      } catch (err) {
        log.warn({ err, clockId: c.id }, 'SLA escalation handler failed; the next sweep retries it');
        continue;
      }
      await db.tenant(c.orgId, async (tx) => {
        const [cur] = await tx
          .update(slaClocks)
          .set({ escalatedAt: clock.now() })
          .where(and(eq(slaClocks.orgId, c.orgId), eq(slaClocks.id, c.id)))
          .returning();
        await insertEvents(tx, cur!, [{ kind: 'escalated', at: clock.now(), data: { to: 'supervisor', metric: c.metric } }]);
      });
      n++;
    }
    return n;
  }

  function onEscalation(handler: EscalationHandler): () => void {
    escalationHandlers.push(handler);
    return () => {
      const i = escalationHandlers.indexOf(handler);
      if (i >= 0) escalationHandlers.splice(i, 1);
    };
  }

  // ------------------------------------------------------------------------------------------
  // Clocks

  async function startClock(tx: Executor, t: typeof slaTickets.$inferSelect, policies: PolicyRow[], shop: ShopCal, metric: SlaMetric, at: Date): Promise<ClockRow | null> {
    const facts: TicketFacts = { shopId: t.shopId, channel: t.channel, priority: t.priority, orderValue: t.orderAmount !== null && t.orderCurrency ? { amount: t.orderAmount, currency: t.orderCurrency } : null };
    const p = choosePolicy(policies, facts, metric);
    const target = p ? targetOf(p, metric) : null;
    if (!p || !target) return null;
    const cal = shopCalendar(shop, p.mode, at.getTime());
    // Generations keep counting across a metric's successive clocks (next reply after next reply,
    // a reopened resolution), so "highest generation" always names the ticket's current clock.
    const [prev] = await tx
      .select({ g: sql<number | null>`max(${slaClocks.generation})` })
      .from(slaClocks)
      .where(and(eq(slaClocks.orgId, t.orgId), eq(slaClocks.ticketId, t.ticketId), eq(slaClocks.metric, metric)));
    const base = {
      orgId: t.orgId,
      id: ids('slc'),
      ticketId: t.ticketId,
      shopId: t.shopId,
      metric,
      policyId: p.id,
      targetMinutes: target,
      mode: p.mode,
      warningPercents: [...p.warningPercents].sort((a, b) => a - b),
      warningsFired: [] as number[],
      startedAt: at,
      pausedAt: null,
      pausedBusinessMs: 0,
      stoppedAt: null,
      stopReason: null,
      breachedAt: null,
      escalatedAt: null,
      escalationClaimedAt: null,
      state: 'running' as const,
      generation: (prev?.g ?? 0) + 1,
      createdAt: clock.now(),
      updatedAt: clock.now(),
    };
    const dueAt = dueOf(cal, base);
    const row: ClockRow = { ...base, dueAt, nextTimerAt: null };
    row.nextTimerAt = nextTimerOf(cal, row);
    await tx.insert(slaClocks).values(row);
    await insertEvents(tx, row, [{ kind: 'started', at, data: { policyId: p.id, policyName: p.name, targetMinutes: target, mode: p.mode } }]);
    await schedule(row);
    return row;
  }

  async function nextDueAt(tx: Executor, orgId: string, ticketId: string): Promise<Date | null> {
    const [r] = await tx
      .select({ due: sql<string | null>`min(${slaClocks.dueAt})` })
      .from(slaClocks)
      .where(and(eq(slaClocks.orgId, orgId), eq(slaClocks.ticketId, ticketId), isNull(slaClocks.stoppedAt), inArray(slaClocks.state, ['running', 'breached'])));
    return r?.due ? new Date(r.due) : null;
  }

  async function startClocks(tx: Executor, input: StartClocksInput): Promise<{ nextDueAt: Date | null }> {
    const [existing] = await tx.select().from(slaTickets).where(and(eq(slaTickets.orgId, input.orgId), eq(slaTickets.ticketId, input.ticketId)));
    if (existing) return { nextDueAt: await nextDueAt(tx, input.orgId, input.ticketId) };
    const shop = await loadShop(tx, input.orgId, input.shopId);
    const now = clock.now();
    const [t] = await tx
      .insert(slaTickets)
      .values({
        orgId: input.orgId,
        ticketId: input.ticketId,
        shopId: input.shopId,
        channel: input.channel,
        priority: input.priority,
        orderAmount: input.orderValue?.amount ?? null,
        orderCurrency: input.orderValue?.currency ?? null,
        status: 'new',
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const policies = await loadPolicies(tx, input.orgId);
    await startClock(tx, t!, policies, shop, 'first_reply', input.at);
    await startClock(tx, t!, policies, shop, 'resolution', input.at);
    return { nextDueAt: await nextDueAt(tx, input.orgId, input.ticketId) };
  }

  async function openClocks(tx: Executor, orgId: string, ticketId: string): Promise<ClockRow[]> {
    return tx
      .select()
      .from(slaClocks)
      .where(and(eq(slaClocks.orgId, orgId), eq(slaClocks.ticketId, ticketId), isNull(slaClocks.stoppedAt)))
      .orderBy(asc(slaClocks.startedAt))
      .for('update');
  }

  async function stopClock(tx: Executor, shop: ShopCal, c: ClockRow, at: Date, reason: string): Promise<void> {
    const cal = clockCalendar(shop, c);
    // A clock stopped while paused also banks the paused stretch, so its audit stays exact.
    const extra = c.state === 'paused' && c.pausedAt ? businessMsBetween(cal, c.pausedAt.getTime(), at.getTime()) : 0;
    // Answered after the due but before its timer ran (no worker, a slow queue): still a breach,
    // so attainment counts it right; answered, so nobody is paged.
    const lateUnseen = c.state === 'running' && at.getTime() > c.dueAt.getTime();
    // The other way round: the answer was written in time (on the platform, say) but reached us
    // after the breach timer ran. The clock is judged by when the answer was given, so the breach
    // is withdrawn (an escalation already sent stays in the audit trail).
    const answeredInTime = c.state === 'breached' && at.getTime() <= c.dueAt.getTime();
    const events: ClockEvent[] = lateUnseen ? [{ kind: 'breached', at: c.dueAt, data: { targetMinutes: c.targetMinutes, firedAt: at.toISOString(), detectedOnStop: true } }] : [];
    const breached = (c.state === 'breached' && !answeredInTime) || lateUnseen;
    events.push({ kind: 'stopped', at, data: { reason, met: !breached, ...(answeredInTime ? { breachWithdrawn: true } : {}) } });
    await saveClock(
      tx,
      cal,
      c,
      {
        // The state says where the clock is (stopped); breached_at keeps whether it was met.
        state: 'stopped',
        stoppedAt: at,
        stopReason: reason,
        pausedAt: null,
        pausedBusinessMs: c.pausedBusinessMs + extra,
        ...(lateUnseen ? { breachedAt: c.dueAt } : {}),
        ...(answeredInTime ? { breachedAt: null } : {}),
      },
      events,
    );
  }

  const PAUSING = new Set(['waiting_on_buyer']);
  const FINAL = new Set(['solved', 'closed']);

  /** Waiting on the buyer pauses; leaving that state resumes; solved/closed stop; reopening restarts resolution. */
  async function applyStatus(tx: Executor, t: typeof slaTickets.$inferSelect, shop: ShopCal, open: ClockRow[], status: string, at: Date): Promise<void> {
    const before = t.status;
    if (before === status) return;
    await tx.update(slaTickets).set({ status, updatedAt: clock.now() }).where(and(eq(slaTickets.orgId, t.orgId), eq(slaTickets.ticketId, t.ticketId)));
    if (FINAL.has(status)) {
      for (const c of open) await stopClock(tx, shop, c, at, status);
      return;
    }
    if (PAUSING.has(status)) {
      for (const c of open) {
        if (c.state !== 'running') continue;
        await saveClock(tx, clockCalendar(shop, c), c, { state: 'paused', pausedAt: at }, [{ kind: 'paused', at, data: { status } }]);
      }
      return;
    }
    for (const c of open) {
      if (c.state !== 'paused' || !c.pausedAt) continue;
      const cal = clockCalendar(shop, c);
      const pausedMs = businessMsBetween(cal, c.pausedAt.getTime(), Math.max(at.getTime(), c.pausedAt.getTime()));
      const moved = { ...c, pausedBusinessMs: c.pausedBusinessMs + pausedMs };
      await saveClock(tx, cal, c, { state: 'running', pausedAt: null, pausedBusinessMs: moved.pausedBusinessMs, dueAt: dueOf(cal, moved) }, [
        { kind: 'resumed', at, data: { status, pausedBusinessMinutes: pausedMs / MINUTE, previousDueAt: c.dueAt.toISOString() } },
      ]);
    }
    // A reopened ticket gets a fresh resolution clock.
    if (FINAL.has(before) && !open.some((c) => c.metric === 'resolution')) {
      await startClock(tx, { ...t, status }, await loadPolicies(tx, t.orgId), shop, 'resolution', at);
    }
  }

  async function recordEvent(tx: Executor, input: RecordEventInput): Promise<{ nextDueAt: Date | null }> {
    const [t] = await tx.select().from(slaTickets).where(and(eq(slaTickets.orgId, input.orgId), eq(slaTickets.ticketId, input.ticketId))).for('update');
    // A ticket that never started clocks (created before SLA policies existed) has nothing to move.
    if (!t) return { nextDueAt: null };
    const shop = await loadShop(tx, t.orgId, t.shopId);
    const at = input.at;
    let open = await openClocks(tx, t.orgId, t.ticketId);
    // A reply or buyer message may carry the status it moved the ticket to (waiting_on_buyer → open).
    if (input.kind !== 'status_changed' && input.status && input.status !== t.status) {
      await applyStatus(tx, t, shop, open, input.status, at);
      t.status = input.status;
      open = await openClocks(tx, t.orgId, t.ticketId);
    }
    switch (input.kind) {
      case 'agent_public_reply': {
        for (const c of open) if (c.metric === 'first_reply' || c.metric === 'next_reply') await stopClock(tx, shop, c, at, 'reply');
        break;
      }
      case 'buyer_message': {
        const [replied] = await tx
          .select({ id: slaClocks.id })
          .from(slaClocks)
          .where(and(eq(slaClocks.orgId, t.orgId), eq(slaClocks.ticketId, t.ticketId), eq(slaClocks.metric, 'first_reply'), sql`${slaClocks.stoppedAt} is not null`))
          .limit(1);
        // Next-reply clocks start only once the first reply went out, and only one at a time.
        if (replied && !open.some((c) => c.metric === 'next_reply') && !FINAL.has(t.status)) {
          const policies = await loadPolicies(tx, t.orgId);
          await startClock(tx, t, policies, shop, 'next_reply', at);
        }
        break;
      }
      case 'status_changed': {
        if (!input.status) throw AppError.validation('sla.status_required', 'status_changed needs the new status', [{ field: 'status', message: 'required' }]);
        await applyStatus(tx, t, shop, open, input.status, at);
        break;
      }
      case 'priority_changed': {
        const priority = input.priority;
        if (!priority) throw AppError.validation('sla.priority_required', 'priority_changed needs the new priority', [{ field: 'priority', message: 'required' }]);
        await tx.update(slaTickets).set({ priority, updatedAt: clock.now() }).where(and(eq(slaTickets.orgId, t.orgId), eq(slaTickets.ticketId, t.ticketId)));
        const policies = await loadPolicies(tx, t.orgId);
        const facts: TicketFacts = { shopId: t.shopId, channel: t.channel, priority, orderValue: t.orderAmount !== null && t.orderCurrency ? { amount: t.orderAmount, currency: t.orderCurrency } : null };
        for (const c of open) {
          if (c.state === 'breached') continue;
          const p = choosePolicy(policies, facts, c.metric);
          const target = p ? targetOf(p, c.metric) : null;
          if (!p || !target || (p.id === c.policyId && target === c.targetMinutes && p.mode === c.mode)) continue;
          const cal = shopCalendar(shop, p.mode, c.startedAt.getTime());
          const moved = { ...c, targetMinutes: target, mode: p.mode };
          const dueAt = dueOf(cal, moved);
          await saveClock(tx, cal, c, { policyId: p.id, targetMinutes: target, mode: p.mode, warningPercents: [...p.warningPercents].sort((a, b) => a - b), dueAt }, [
            { kind: 'recalculated', at, data: { reason: 'priority_changed', priority, fromPolicyId: c.policyId, toPolicyId: p.id, fromTargetMinutes: c.targetMinutes, toTargetMinutes: target, previousDueAt: c.dueAt.toISOString() } },
          ]);
        }
        break;
      }
    }
    return { nextDueAt: await nextDueAt(tx, t.orgId, t.ticketId) };
  }

  async function getClocks(actor: Actor, ticketId: string): Promise<ClockView[]> {
    return db.tenant(actor.orgId, async (tx) => {
      const [t] = await tx.select({ id: slaTickets.ticketId }).from(slaTickets).where(and(eq(slaTickets.orgId, actor.orgId), eq(slaTickets.ticketId, ticketId)));
      if (!t) throw AppError.notFound('ticket', ticketId);
      const clocks = await tx.select().from(slaClocks).where(and(eq(slaClocks.orgId, actor.orgId), eq(slaClocks.ticketId, ticketId))).orderBy(asc(slaClocks.startedAt), asc(slaClocks.id));
      const events = await tx.select().from(slaClockEvents).where(and(eq(slaClockEvents.orgId, actor.orgId), eq(slaClockEvents.ticketId, ticketId))).orderBy(asc(slaClockEvents.at), asc(slaClockEvents.id));
      return clocks.map((c) => ({
        id: c.id,
        ticketId: c.ticketId,
        metric: c.metric,
        policyId: c.policyId,
        targetMinutes: c.targetMinutes,
        mode: c.mode,
        state: c.state,
        startedAt: c.startedAt.toISOString(),
        dueAt: c.dueAt.toISOString(),
        pausedAt: iso(c.pausedAt),
        pausedBusinessMinutes: c.pausedBusinessMs / MINUTE,
        stoppedAt: iso(c.stoppedAt),
        stopReason: c.stopReason,
        breachedAt: iso(c.breachedAt),
        escalatedAt: iso(c.escalatedAt),
        warningsFired: c.warningsFired,
        generation: c.generation,
        events: events
          .filter((e) => e.clockId === c.id)
          .map((e) => ({ id: e.id, kind: e.kind, at: e.at.toISOString(), generation: e.generation, dueAt: iso(e.dueAt), data: e.data })),
      }));
    });
  }

  return {
    startClocks,
    recordEvent,
    getClocks,
    onEscalation,
    runDueTimers,
    fireTimer,
    listPolicies,
    getPolicy,
    createPolicy,
    updatePolicy,
    deactivatePolicy,
    ensureDefaultPolicies,

    computeDue,

    /** The same calculator on a shop's own calendar (zone, hours, market holidays). */
    async computeDueForShop(actor: Actor, shopId: string, q: { start: string; minutes: number; mode?: SlaMode }): Promise<DueView> {
      const shop = await db.tenant(actor.orgId, (tx) => loadShop(tx, actor.orgId, shopId));
      const start = new Date(q.start);
      const mode = q.mode ?? 'business';
      const probe = compileCalendar({ timeZone: shop.timeZone, hours: shop.businessHours, holidays: [], mode });
      if (mode === 'business' && probe.weekMinutes === 0) throw AppError.unprocessable('sla.no_hours', `Shop ${shopId} has no business hours`);
      const holidays = yearsSpanned(start.getTime(), q.minutes * MINUTE, probe.weekMinutes).flatMap((y) => publicHolidays(shop.market, shop.region, y));
      const cal = compileCalendar({ timeZone: shop.timeZone, hours: shop.businessHours, holidays: holidays.map((h) => h.date), mode });
      return withinReach(() => explainDue(cal, shop.businessHours, holidays, start, q.minutes), 'minutes');
    },

    /** Per shop and metric: how many clocks met or breached their targets, and first-reply times. */
    async attainment(actor: Actor, q: { from: string; to: string; shopId?: string }) {
      requireRole(actor, ['owner', 'supervisor'], 'reading SLA attainment');
      const from = new Date(q.from);
      const to = new Date(q.to);
      if (!(from < to)) throw AppError.validation('sla.bad_range', 'from must be before to', [{ field: 'to', message: 'must be after from' }]);
      return db.tenant(actor.orgId, async (tx) => {
        const r = await tx.execute(sql`
          select shop_id, metric,
            count(*)::int as count,
            count(*) filter (where stopped_at is not null and breached_at is null)::int as met,
            count(*) filter (where breached_at is not null)::int as breached,
            percentile_cont(0.5) within group (order by extract(epoch from (stopped_at - started_at)) / 60)
              filter (where metric = 'first_reply' and stop_reason = 'reply') as p50,
            percentile_cont(0.9) within group (order by extract(epoch from (stopped_at - started_at)) / 60)
              filter (where metric = 'first_reply' and stop_reason = 'reply') as p90
          from sla_clocks
          where org_id = ${actor.orgId} and started_at >= ${from.toISOString()}::timestamptz and started_at < ${to.toISOString()}::timestamptz
            ${q.shopId ? sql`and shop_id = ${q.shopId}` : sql``}
          group by shop_id, metric
          order by shop_id, array_position(array['first_reply','next_reply','resolution'], metric)`);
        const rows = r.rows as { shop_id: string; metric: string; count: number; met: number; breached: number; p50: number | null; p90: number | null }[];
        return rows.map((x) => ({
          shopId: x.shop_id,
          metric: x.metric,
          count: x.count,
          met: x.met,
          breached: x.breached,
          open: x.count - x.met - x.breached,
          attainmentPercent: x.met + x.breached > 0 ? Math.round((x.met / (x.met + x.breached)) * 1000) / 10 : null,
          p50FirstReplyMinutes: x.p50 === null ? null : Math.round(Number(x.p50) * 10) / 10,
          p90FirstReplyMinutes: x.p90 === null ? null : Math.round(Number(x.p90) * 10) / 10,
        }));
      });
    },
  };
}

export type SlaService = ReturnType<typeof createSlaService>;
