import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import { rowPlaceholders, rowValues, shapedStatement, statement, type Database, type Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Actor } from '../../platform/tenancy.js';
import { clockCalendar, dueOf, loadShop, MINUTE, nextTimerOf, shopCalendar, type ShopCal } from './sla.calendars.js';
import type { ClockView } from './sla.dto.js';
import type { SlaPolicies } from './sla.policies.js';
import { businessMsBetween, choosePolicy, targetOf, thresholdMs, type CompiledCalendar, type SlaMetric, type TicketFacts } from './sla.rules.js';
import { slaClockEvents, slaClocks, slaPolicies, slaTickets, type ClockRow, type PolicyRow } from './sla.schema.js';
import type { TimerScheduler } from './sla.timers.js';

// Read (and locked) on every reply and status change: rendered once (`statement()`, platform/db.ts).
const lockSlaTicket = statement((db) => db.select().from(slaTickets).where(and(eq(slaTickets.orgId, sql.placeholder('orgId')), eq(slaTickets.ticketId, sql.placeholder('ticketId')))).for('update'));
const openClocksOf = statement((db) =>
  db
    .select()
    .from(slaClocks)
    .where(and(eq(slaClocks.orgId, sql.placeholder('orgId')), eq(slaClocks.ticketId, sql.placeholder('ticketId')), isNull(slaClocks.stoppedAt)))
    .orderBy(asc(slaClocks.startedAt))
    .for('update'),
);

export interface StartClocksInput {
  orgId: string;
  shopId: string;
  ticketId: string;
  channel: string;
  priority: string;
  orderValue?: { amount: number; currency: string } | null;
  at: Date;
  /** The ticket's shop when the caller already read it on this transaction (saves a read). */
  shop?: ShopCal;
}

export type SlaEventKind = 'agent_public_reply' | 'buyer_message' | 'status_changed' | 'priority_changed';
export interface RecordEventInput {
  orgId: string;
  ticketId: string;
  kind: SlaEventKind;
  status?: string;
  priority?: string;
  at: Date;
  /** The ticket's shop when the caller already read it on this transaction (saves a read). */
  shop?: ShopCal;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const p = sql.placeholder;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
type ClockInsert = typeof slaClocks.$inferInsert;
type ClockEventInsert = typeof slaClockEvents.$inferInsert;
/** The SLA row's new status, written in the same statement as the first clock it moves. */
interface SlaRowStatus {
  orgId: string;
  ticketId: string;
  status: string;
  updatedAt: Date;
}

/** What a clock's save writes (every change writes all of it: the row is the new generation). */
const CLOCK_SET = ['policyId', 'targetMinutes', 'mode', 'warningPercents', 'warningsFired', 'dueAt', 'pausedAt', 'pausedBusinessMs', 'stoppedAt', 'stopReason', 'breachedAt', 'state', 'nextTimerAt', 'generation', 'updatedAt'] as const;

/**
 * A clock's save as one statement, rendered once per shape (`shapedStatement()`, platform/db.ts):
 * the SLA row's status (`also`), the clock's UPDATE and its `n` audit rows, as data-modifying WITHs.
 */
const saveClockStatement = shapedStatement(
  (db, shape: { also: boolean; eventKeys: readonly string[]; n: number }) => {
    const slaRow = db.$with('sla_row', { ticketId: sql<string>`ticket_id` }).as(
      db
        .update(slaTickets)
        .set(rowPlaceholders('sla_', ['status', 'updatedAt']) as unknown as Partial<typeof slaTickets.$inferInsert>)
        .where(and(eq(slaTickets.orgId, p('sla_org_id')), eq(slaTickets.ticketId, p('sla_ticket_id'))))
        .getSQL(),
    );
    const clockUpdate = (q: Pick<typeof db, 'update'>) =>
      q
        .update(slaClocks)
        .set(rowPlaceholders('', CLOCK_SET) as unknown as Partial<ClockInsert>)
        .where(and(eq(slaClocks.orgId, p('where_org_id')), eq(slaClocks.id, p('where_id'))));
    if (!shape.n) return clockUpdate(shape.also ? db.with(slaRow) : db);
    const moved = db.$with('moved', { id: sql<string>`id` }).as(clockUpdate(db).getSQL());
    return db
      .with(...(shape.also ? [slaRow] : []), moved)
      .insert(slaClockEvents)
      .values(range(shape.n).map((i) => rowPlaceholders(`e${i}_`, shape.eventKeys) as unknown as ClockEventInsert));
  },
  (s) => `${s.also ? 'also' : '-'}|${s.n}|${s.eventKeys.join(',')}`,
);

/** Started clocks and their 'started' audit rows in one statement, rendered once per shape. */
const startedStatement = shapedStatement(
  (db, shape: { clockKeys: readonly string[]; eventKeys: readonly string[]; n: number }) => {
    // The audit rows' key to the clocks is checked at the statement's end, when both are in.
    const started = db.$with('started', { id: sql<string>`id` }).as(db.insert(slaClocks).values(range(shape.n).map((i) => rowPlaceholders(`c${i}_`, shape.clockKeys) as unknown as ClockInsert)).getSQL());
    return db
      .with(started)
      .insert(slaClockEvents)
      .values(range(shape.n).map((i) => rowPlaceholders(`e${i}_`, shape.eventKeys) as unknown as ClockEventInsert));
  },
  (s) => `${s.n}|${s.clockKeys.join(',')}|${s.eventKeys.join(',')}`,
);

/**
 * A new ticket's SLA row (unless it has one) and the organisation's policies, in one statement
 * rendered once (`statement()`, platform/db.ts): every new ticket runs it.
 */
const slaRowAndPolicies = statement((db) => {
  const inserted = db.$with('inserted', { ticketId: sql<string>`ticket_id` }).as(
    db
      .insert(slaTickets)
      .values(rowPlaceholders('', ['orgId', 'ticketId', 'shopId', 'channel', 'priority', 'orderAmount', 'orderCurrency', 'status', 'createdAt', 'updatedAt']) as unknown as typeof slaTickets.$inferInsert)
      .onConflictDoNothing({ target: [slaTickets.orgId, slaTickets.ticketId] })
      .returning({ ticketId: slaTickets.ticketId })
      .getSQL(),
  );
  return db
    .with(inserted)
    .select({ inserted: sql<boolean>`exists (select 1 from ${inserted})`, policy: slaPolicies })
    .from(sql`(select 1) as one`)
    .leftJoin(slaPolicies, eq(slaPolicies.orgId, p('policies_org_id')));
});

/** Every value a statement of many rows needs: each row's under its prefix. */
function rowsValues(prefix: string, rows: readonly object[]): Record<string, unknown> {
  return Object.assign({}, ...rows.map((r, i) => rowValues(`${prefix}${i}_`, r))) as Record<string, unknown>;
}

/**
 * Per-ticket clocks: started by a new ticket, paused, resumed, stopped and recalculated by its
 * events, warned and breached when their instants pass. Every change is saved with a new
 * generation, an audit row and its next timer, all on the caller's transaction.
 */
/** Told (in the timer's transaction) when a clock passes a warning threshold; the app notifies people. */
export type SlaWarningHook = (tx: Executor, w: { orgId: string; ticketId: string; metric: string; percent: number; dueAt: Date }) => Promise<void>;

export function createSlaClocks(deps: { db: Database; clock: Clock; ids: IdGenerator; policies: Pick<SlaPolicies, 'loadPolicies'>; scheduler: TimerScheduler; onWarning?: SlaWarningHook }) {
  const { db, clock, ids, scheduler } = deps;
  const { loadPolicies } = deps.policies;

  interface ClockEvent {
    kind: string;
    at: Date;
    data?: Record<string, unknown>;
  }

  /**
   * Every change goes through here: new generation, next timer, audit rows, a fresh job. The clock's
   * update and its audit rows travel as one statement (the update as a data-modifying WITH, which
   * runs exactly once); the timer job is pg-boss's own insert, on the same transaction.
   */
  async function saveClock(tx: Executor, cal: CompiledCalendar, c: ClockRow, patch: Partial<ClockRow>, events: ClockEvent[], also?: SlaRowStatus): Promise<ClockRow> {
    const next: ClockRow = { ...c, ...patch, generation: c.generation + 1, updatedAt: clock.now() };
    next.nextTimerAt = nextTimerOf(cal, next);
    // `also`: another write of the same change (the SLA row's new status) riding in the same statement.
    const rows = eventRows(next, events);
    const eventKeys = rows[0] ? Object.keys(rows[0]) : [];
    await saveClockStatement(tx, { also: !!also, eventKeys, n: rows.length }, {
      ...Object.fromEntries(CLOCK_SET.map((k) => [k, next[k]])),
      where_org_id: c.orgId,
      where_id: c.id,
      ...(also ? { sla_status: also.status, sla_updatedAt: also.updatedAt, sla_org_id: also.orgId, sla_ticket_id: also.ticketId } : {}),
      ...rowsValues('e', rows),
    });
    await scheduler.schedule(tx, next);
    return next;
  }

  function eventsInsert(tx: Executor, c: ClockRow, events: ClockEvent[]) {
    return tx.insert(slaClockEvents).values(eventRows(c, events));
  }

  function eventRows(c: ClockRow, events: ClockEvent[]): ClockEventInsert[] {
    const now = clock.now();
    return events.map((e) => ({
        // Given here, so the shop-filling trigger (migration 0021) does not look it up in the clock.
        shopId: c.shopId,
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
    }));
  }

  async function insertEvents(tx: Executor, c: ClockRow, events: ClockEvent[]): Promise<void> {
    if (!events.length) return;
    await eventsInsert(tx, c, events);
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
    const warned = events.filter((e) => e.kind.startsWith('warning_'));
    // Only the newest warning is worth a notification when several fire at once (a late sweep).
    const last = warned[warned.length - 1];
    if (last && !breached && deps.onWarning) await deps.onWarning(tx, { orgId: c.orgId, ticketId: c.ticketId, metric: c.metric, percent: Number(last.data?.percent), dueAt: c.dueAt });
    return { warnings: warned.length, breached };
  }

  async function lockClock(tx: Executor, orgId: string, clockId: string): Promise<ClockRow | undefined> {
    const [c] = await tx.select().from(slaClocks).where(and(eq(slaClocks.orgId, orgId), eq(slaClocks.id, clockId))).for('update');
    return c;
  }

  /**
   * The clock a metric starts under the ticket's policy (none when no policy covers it), not yet
   * written. `generation` is the metric's next one: generations keep counting across a metric's
   * successive clocks (next reply after next reply, a reopened resolution), so "highest
   * generation" always names the ticket's current clock.
   */
  function planClock(t: typeof slaTickets.$inferSelect, policies: PolicyRow[], shop: ShopCal, metric: SlaMetric, at: Date, generation: number): ClockRow | null {
    const facts: TicketFacts = { shopId: t.shopId, channel: t.channel, priority: t.priority, orderValue: t.orderAmount !== null && t.orderCurrency ? { amount: t.orderAmount, currency: t.orderCurrency } : null };
    const p = choosePolicy(policies, facts, metric);
    const target = p ? targetOf(p, metric) : null;
    if (!p || !target) return null;
    const cal = shopCalendar(shop, p.mode, at.getTime());
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
      generation,
      createdAt: clock.now(),
      updatedAt: clock.now(),
    };
    const dueAt = dueOf(cal, base);
    const row: ClockRow = { ...base, dueAt, nextTimerAt: null };
    row.nextTimerAt = nextTimerOf(cal, row);
    return row;
  }

  /** Write started clocks: the rows, their 'started' audit rows (one statement each), their timers. */
  async function writeStarted(tx: Executor, rows: ClockRow[], policies: PolicyRow[], at: Date): Promise<void> {
    if (!rows.length) return;
    const now = clock.now();
    // The clocks and their audit rows in one statement: the clocks' INSERT as a WITH (the audit
    // rows' key to them is checked at the statement's end, when both are in). The audit rows carry
    // their shop, so the trigger that would look it up in the clock (migration 0021) has nothing to do.
    const audit = rows.map((c) => {
      const pol = policies.find((x) => x.id === c.policyId)!;
      return { shopId: c.shopId, orgId: c.orgId, id: ids('sle'), clockId: c.id, ticketId: c.ticketId, metric: c.metric, kind: 'started', at, generation: c.generation, dueAt: c.dueAt, data: { policyId: pol.id, policyName: pol.name, targetMinutes: c.targetMinutes, mode: pol.mode }, createdAt: now };
    });
    await startedStatement(tx, { clockKeys: Object.keys(rows[0]!), eventKeys: Object.keys(audit[0]!), n: rows.length }, { ...rowsValues('c', rows), ...rowsValues('e', audit) });
    await scheduler.scheduleMany(tx, rows);
  }

  async function startClock(tx: Executor, t: typeof slaTickets.$inferSelect, policies: PolicyRow[], shop: ShopCal, metric: SlaMetric, at: Date): Promise<ClockRow | null> {
    const [prev] = await tx
      .select({ g: sql<number | null>`max(${slaClocks.generation})` })
      .from(slaClocks)
      .where(and(eq(slaClocks.orgId, t.orgId), eq(slaClocks.ticketId, t.ticketId), eq(slaClocks.metric, metric)));
    const row = planClock(t, policies, shop, metric, at, (prev?.g ?? 0) + 1);
    if (row) await writeStarted(tx, [row], policies, at);
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
    const now = clock.now();
    const t: typeof slaTickets.$inferSelect = {
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
    };
    // Inserted only when the ticket has no SLA row yet; a second start (a retried ingest) changes
    // nothing. The insert travels as a WITH of the policies' read: one round trip for both.
    const found = await slaRowAndPolicies(tx, { ...t, policies_org_id: input.orgId });
    if (!found[0]?.inserted) return { nextDueAt: await nextDueAt(tx, input.orgId, input.ticketId) };
    const shop = input.shop && input.shop.id === input.shopId ? input.shop : await loadShop(tx, input.orgId, input.shopId);
    // An organisation without policies yet gets the defaults seeded (and read) here.
    const read = found.flatMap((r) => (r.policy ? [r.policy] : []));
    const policies = read.length ? read : await loadPolicies(tx, input.orgId);
    // A ticket that had no SLA row has no clocks: both start at generation 1, written together,
    // and the next due instant is the earlier of theirs (both run).
    const rows = (['first_reply', 'resolution'] as const).flatMap((m) => planClock(t, policies, shop, m, input.at, 1) ?? []);
    await writeStarted(tx, rows, policies, input.at);
    const due = rows.reduce<number | null>((min, c) => (min === null || c.dueAt.getTime() < min ? c.dueAt.getTime() : min), null);
    return { nextDueAt: due === null ? null : new Date(due) };
  }

  async function openClocks(tx: Executor, orgId: string, ticketId: string): Promise<ClockRow[]> {
    return openClocksOf(tx, { orgId, ticketId });
  }

  async function stopClock(tx: Executor, shop: ShopCal, c: ClockRow, at: Date, reason: string, also?: SlaRowStatus): Promise<ClockRow> {
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
    return saveClock(
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
      also,
    );
  }

  const PAUSING = new Set(['waiting_on_buyer']);
  const FINAL = new Set(['solved', 'closed']);

  /**
   * The ticket's clocks that are not stopped, kept in step with every change this event makes (the
   * rows are locked by `openClocks`, so nobody else moves them meanwhile): the open list after a
   * status change and the next due instant come from here instead of being read again.
   */
  function replaceClock(open: ClockRow[], next: ClockRow): ClockRow[] {
    return open.flatMap((c) => (c.id !== next.id ? [c] : next.stoppedAt ? [] : [next]));
  }

  /** The earliest due of the clocks still counting (running or breached, not stopped). */
  function nextDueOf(open: ClockRow[]): Date | null {
    let min: number | null = null;
    for (const c of open) if (!c.stoppedAt && (c.state === 'running' || c.state === 'breached') && (min === null || c.dueAt.getTime() < min)) min = c.dueAt.getTime();
    return min === null ? null : new Date(min);
  }

  /**
   * Waiting on the buyer pauses; leaving that state resumes; solved/closed stop; reopening restarts
   * resolution. Returns the open clocks as they are afterwards.
   */
  async function applyStatus(tx: Executor, t: typeof slaTickets.$inferSelect, shop: ShopCal, open: ClockRow[], status: string, at: Date): Promise<ClockRow[]> {
    const before = t.status;
    if (before === status) return open;
    // The SLA row's new status rides along with the first clock change (one statement fewer); when
    // no clock changes it is written on its own.
    let pending: SlaRowStatus | undefined = { orgId: t.orgId, ticketId: t.ticketId, status, updatedAt: clock.now() };
    const take = () => {
      const due = pending;
      pending = undefined;
      return due;
    };
    const flush = async () => {
      const due = take();
      if (due) await tx.update(slaTickets).set({ status: due.status, updatedAt: due.updatedAt }).where(and(eq(slaTickets.orgId, due.orgId), eq(slaTickets.ticketId, due.ticketId)));
    };
    if (FINAL.has(status)) {
      for (const c of open) await stopClock(tx, shop, c, at, status, take());
      await flush();
      return [];
    }
    let after = open;
    if (PAUSING.has(status)) {
      for (const c of open) {
        if (c.state !== 'running') continue;
        after = replaceClock(after, await saveClock(tx, clockCalendar(shop, c), c, { state: 'paused', pausedAt: at }, [{ kind: 'paused', at, data: { status } }], take()));
      }
      await flush();
      return after;
    }
    for (const c of open) {
      if (c.state !== 'paused' || !c.pausedAt) continue;
      const cal = clockCalendar(shop, c);
      const pausedMs = businessMsBetween(cal, c.pausedAt.getTime(), Math.max(at.getTime(), c.pausedAt.getTime()));
      const moved = { ...c, pausedBusinessMs: c.pausedBusinessMs + pausedMs };
      after = replaceClock(
        after,
        await saveClock(
          tx,
          cal,
          c,
          { state: 'running', pausedAt: null, pausedBusinessMs: moved.pausedBusinessMs, dueAt: dueOf(cal, moved) },
          [{ kind: 'resumed', at, data: { status, pausedBusinessMinutes: pausedMs / MINUTE, previousDueAt: c.dueAt.toISOString() } }],
          take(),
        ),
      );
    }
    await flush();
    // A reopened ticket gets a fresh resolution clock.
    if (FINAL.has(before) && !open.some((c) => c.metric === 'resolution')) {
      const started = await startClock(tx, { ...t, status }, await loadPolicies(tx, t.orgId), shop, 'resolution', at);
      if (started) after = [...after, started];
    }
    return after;
  }

  /**
   * Events on one ticket's clocks, in order (a reply and the status change it caused). The SLA row
   * and the open clocks are read (and locked) once; what each event changes is tracked in memory,
   * so neither the next event nor the next due instant needs another read. The same as recording
   * them one by one.
   */
  async function recordEvents(tx: Executor, inputs: RecordEventInput[]): Promise<{ nextDueAt: Date | null }> {
    const first = inputs[0];
    if (!first) throw new Error('recordEvents: no events');
    if (inputs.some((x) => x.orgId !== first.orgId || x.ticketId !== first.ticketId)) throw new Error('recordEvents: events of one ticket only');
    const [t] = await lockSlaTicket(tx, { orgId: first.orgId, ticketId: first.ticketId });
    // A ticket that never started clocks (created before SLA policies existed) has nothing to move.
    if (!t) return { nextDueAt: null };
    const given = inputs.find((x) => x.shop && x.shop.id === t.shopId)?.shop;
    const shop = given ?? (await loadShop(tx, t.orgId, t.shopId));
    let open = await openClocks(tx, t.orgId, t.ticketId);
    for (const input of inputs) open = await applyEvent(tx, t, shop, open, input);
    return { nextDueAt: nextDueOf(open) };
  }

  async function recordEvent(tx: Executor, input: RecordEventInput): Promise<{ nextDueAt: Date | null }> {
    return recordEvents(tx, [input]);
  }

  /** One event on the clocks `open` (the ticket's unstopped ones); returns them as they are after it. */
  async function applyEvent(tx: Executor, t: typeof slaTickets.$inferSelect, shop: ShopCal, open: ClockRow[], input: RecordEventInput): Promise<ClockRow[]> {
    const at = input.at;
    // A reply or buyer message may carry the status it moved the ticket to (waiting_on_buyer → open).
    if (input.kind !== 'status_changed' && input.status && input.status !== t.status) {
      open = await applyStatus(tx, t, shop, open, input.status, at);
      t.status = input.status;
    }
    switch (input.kind) {
      case 'agent_public_reply': {
        for (const c of open) if (c.metric === 'first_reply' || c.metric === 'next_reply') open = replaceClock(open, await stopClock(tx, shop, c, at, 'reply'));
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
          const started = await startClock(tx, t, policies, shop, 'next_reply', at);
          if (started) open = [...open, started];
        }
        break;
      }
      case 'status_changed': {
        if (!input.status) throw AppError.validation('sla.status_required', 'status_changed needs the new status', [{ field: 'status', message: 'required' }]);
        open = await applyStatus(tx, t, shop, open, input.status, at);
        t.status = input.status;
        break;
      }
      case 'priority_changed': {
        const priority = input.priority;
        if (!priority) throw AppError.validation('sla.priority_required', 'priority_changed needs the new priority', [{ field: 'priority', message: 'required' }]);
        await tx.update(slaTickets).set({ priority, updatedAt: clock.now() }).where(and(eq(slaTickets.orgId, t.orgId), eq(slaTickets.ticketId, t.ticketId)));
        t.priority = priority;
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
          open = replaceClock(
            open,
            await saveClock(tx, cal, c, { policyId: p.id, targetMinutes: target, mode: p.mode, warningPercents: [...p.warningPercents].sort((a, b) => a - b), dueAt }, [
              { kind: 'recalculated', at, data: { reason: 'priority_changed', priority, fromPolicyId: c.policyId, toPolicyId: p.id, fromTargetMinutes: c.targetMinutes, toTargetMinutes: target, previousDueAt: c.dueAt.toISOString() } },
            ]),
          );
        }
        break;
      }
    }
    return open;
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

  return { startClocks, recordEvent, recordEvents, getClocks, evaluate, lockClock, insertEvents };
}

export type SlaClocks = ReturnType<typeof createSlaClocks>;
