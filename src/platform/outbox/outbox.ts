import { and, eq, sql } from 'drizzle-orm';
import { exponentialBackoff } from '../backoff.js';
import type { Clock } from '../clock.js';
import { placeholders, statement, type Database, type Executor, type Tx } from '../db.js';
import { AppError } from '../errors.js';
import type { IdGenerator } from '../ids.js';
import type { Logger } from '../logger.js';
import { outbox } from './outbox.schema.js';

export interface OutboxContext {
  orgId: string;
  id: string;
  idempotencyKey: string;
  /** 1 on the first try. A handler seeing attempt > 1 must assume an earlier try may have landed. */
  attempt: number;
}

export type OutboxHandler = (payload: Record<string, unknown>, ctx: OutboxContext) => Promise<Record<string, unknown> | void>;

/** Thrown by a handler when retrying cannot help (a rejected refund, a closed conversation). */
export class PermanentError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'PermanentError';
  }
}

/**
 * Asked just before a claimed step runs: a reason string holds the step (status `held`, the
 * handler is not called), null lets it run. Gates are per subject type, so the module that owns
 * the subject (e.g. remedies for money steps) decides, and a step queued before a hold, or
 * retried after one, is stopped at the last moment rather than only when the hold was placed.
 */
export type OutboxGate = (row: { orgId: string; id: string; handler: string; subjectId: string | null }) => Promise<string | null>;

/** A step reached its end (done, or failed for good); told after the outcome committed. */
export interface OutboxFinished {
  orgId: string;
  id: string;
  handler: string;
  subjectType: string | null;
  subjectId: string | null;
  status: 'done' | 'failed';
  error: string | null;
}
export type OutboxFinishListener = (f: OutboxFinished) => Promise<void>;
/** Writes on the transaction that records a step's outcome (in the step's organisation). */
export type OutboxFinishWriter = (tx: Tx, f: OutboxFinished) => Promise<void>;

/** The outbox knows its handlers only by name; `app/` registers them (TikTok, e-mail, WhatsApp…). */
export class OutboxRegistry {
  private handlers = new Map<string, OutboxHandler>();
  private gates = new Map<string, OutboxGate>();
  private finishListeners: OutboxFinishListener[] = [];
  private finishWriters: OutboxFinishWriter[] = [];
  /**
   * Listen to steps ending (a reply's delivery status, a failed step's alert). A listener's own
   * failure is logged and never changes the step's outcome.
   */
  onFinished(listener: OutboxFinishListener): void {
    this.finishListeners.push(listener);
  }
  finishedListeners(): readonly OutboxFinishListener[] {
    return this.finishListeners;
  }
  /**
   * Write what follows from a step's end in the same transaction as its outcome (a reply's delivery
   * status): both commit together, so a crash in between cannot leave a sent reply marked queued.
   * A writer that fails costs the shared transaction; the outcome is then written on its own and
   * the writers run again, each in a transaction of its own (a failure there is logged). Writers run
   * before the listeners.
   */
  onFinishedWrite(writer: OutboxFinishWriter): void {
    this.finishWriters.push(writer);
  }
  finishedWriters(): readonly OutboxFinishWriter[] {
    return this.finishWriters;
  }
  register(name: string, handler: OutboxHandler): void {
    this.handlers.set(name, handler);
  }
  gate(subjectType: string, gate: OutboxGate): void {
    this.gates.set(subjectType, gate);
  }
  gateFor(subjectType: string | null): OutboxGate | undefined {
    return subjectType ? this.gates.get(subjectType) : undefined;
  }
  get(name: string): OutboxHandler | undefined {
    return this.handlers.get(name);
  }
  names(): string[] {
    return [...this.handlers.keys()];
  }
}

export interface EnqueueInput {
  orgId: string;
  handler: string;
  /** Derived from the business intent (e.g. `refund:<remedyId>:<line>`), never random. */
  idempotencyKey: string;
  payload: Record<string, unknown>;
  subjectType?: string;
  subjectId?: string;
  maxAttempts?: number;
  notBefore?: Date;
}

export type OutboxRow = typeof outbox.$inferSelect;

/** Every reply and most actions write one: rendered once (`statement()`, platform/db.ts). */
const insertStep = statement((db) =>
  db
    .insert(outbox)
    .values(placeholders('orgId', 'id', 'handler', 'idempotencyKey', 'payload', 'status', 'attempts', 'maxAttempts', 'nextAttemptAt', 'subjectType', 'subjectId', 'createdAt', 'updatedAt'))
    .onConflictDoNothing({ target: [outbox.orgId, outbox.idempotencyKey] })
    .returning(),
);

/**
 * Write an outbox row inside the caller's transaction. A second enqueue with the same key returns
 * the existing row instead of creating another: the basis of "a retry never pays twice".
 */
export async function enqueue(tx: Executor, input: EnqueueInput, deps: { ids: IdGenerator; clock: Clock }): Promise<{ row: OutboxRow; created: boolean }> {
  const now = deps.clock.now();
  const inserted = await insertStep(tx, {
    orgId: input.orgId,
    id: deps.ids('obx'),
    handler: input.handler,
    idempotencyKey: input.idempotencyKey,
    payload: input.payload,
    status: 'pending',
    attempts: 0,
    maxAttempts: input.maxAttempts ?? 8,
    nextAttemptAt: input.notBefore ?? now,
    subjectType: input.subjectType ?? null,
    subjectId: input.subjectId ?? null,
    createdAt: now,
    updatedAt: now,
  });
  if (inserted[0]) return { row: inserted[0], created: true };
  const [existing] = await tx
    .select()
    .from(outbox)
    .where(and(eq(outbox.orgId, input.orgId), eq(outbox.idempotencyKey, input.idempotencyKey)));
  return { row: existing!, created: false };
}

/**
 * Many steps in one statement (a batch caller such as a coupon programme run): one INSERT from
 * unnest of column arrays, the same conflict rule as `enqueue` (an existing key keeps its step).
 * Returns the ids of the steps this call created, by idempotency key.
 */
export async function enqueueMany(tx: Executor, inputs: (EnqueueInput & { id: string })[], deps: { clock: Clock }): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (inputs.length === 0) return out;
  const now = deps.clock.now().toISOString();
  const col = <T>(f: (i: EnqueueInput & { id: string }) => T) => sql.param(inputs.map(f));
  const r = await tx.execute(sql`insert into outbox (org_id, id, handler, idempotency_key, payload, status, attempts, max_attempts, next_attempt_at, subject_type, subject_id, created_at, updated_at)
    select u.org_id, u.id, u.handler, u.key, u.payload::jsonb, 'pending', 0, u.max_attempts, u.not_before, u.subject_type, u.subject_id, ${now}::timestamptz, ${now}::timestamptz
    from unnest(${col((i) => i.orgId)}::text[], ${col((i) => i.id)}::text[], ${col((i) => i.handler)}::text[], ${col((i) => i.idempotencyKey)}::text[], ${col((i) => JSON.stringify(i.payload))}::text[],
      ${col((i) => i.maxAttempts ?? 8)}::int[], ${col((i) => (i.notBefore ?? deps.clock.now()).toISOString())}::timestamptz[], ${col((i) => i.subjectType ?? null)}::text[], ${col((i) => i.subjectId ?? null)}::text[])
      as u(org_id, id, handler, key, payload, max_attempts, not_before, subject_type, subject_id)
    on conflict (org_id, idempotency_key) do nothing
    returning id, idempotency_key`);
  for (const x of r.rows as { id: string; idempotency_key: string }[]) out.set(x.idempotency_key, x.id);
  return out;
}

export function backoffMs(attempt: number): number {
  return exponentialBackoff({ attempt: Math.max(0, attempt - 1), baseMs: 1_000, maxMs: 10 * 60_000 });
}

export interface DispatchReport {
  claimed: number;
  done: number;
  retried: number;
  failed: number;
  held: number;
}

/** A claimed step, as the claim returns it. */
interface ClaimedStep {
  org_id: string;
  id: string;
  handler: string;
  subject_type: string | null;
  subject_id: string | null;
}

function finishedOf(row: ClaimedStep, status: 'done' | 'failed', error: string | null): OutboxFinished {
  return { orgId: row.org_id, id: row.id, handler: row.handler, subjectType: row.subject_type, subjectId: row.subject_id, status, error };
}

export class OutboxDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;
  private wake: (() => void) | undefined;
  leaseMs = 60_000;

  constructor(
    private readonly db: Database,
    private readonly registry: OutboxRegistry,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Claim due rows (or rows whose lease ran out because a worker died) and run their handlers. `onlyOrgId` scopes a run to one organisation (tests, per-tenant drains). */
  async runOnce(limit = 25, onlyOrgId?: string): Promise<DispatchReport> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    const claimed = await this.db.system(async (tx) => {
      // The pick is a materialised CTE: it runs exactly once, so a claim never takes more than
      // `limit` rows (a LIMIT … SKIP LOCKED sub-select under IN may be planned as the inner side of
      // a join and re-run, each run locking further rows).
      const r = await tx.execute(sql`
        with picked as materialized (
          select org_id, id from outbox
          where ((status = 'pending' and next_attempt_at <= ${now.toISOString()}::timestamptz)
             or (status = 'running' and locked_until < ${now.toISOString()}::timestamptz))
            and (${onlyOrgId ?? null}::text is null or org_id = ${onlyOrgId ?? null})
          order by next_attempt_at
          limit ${limit}
          for update skip locked)
        update outbox o set status = 'running', attempts = o.attempts + 1, locked_until = ${leaseUntil.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz
        from picked p
        where o.org_id = p.org_id and o.id = p.id
        returning o.org_id, o.id, o.handler, o.idempotency_key, o.payload, o.attempts, o.max_attempts, o.next_attempt_at, o.created_at, o.subject_type, o.subject_id`);
      // UPDATE … RETURNING has no order; run steps in the order they became due (then were written),
      // so a module chaining steps sees them executed in sequence.
      return (r.rows as { org_id: string; id: string; handler: string; idempotency_key: string; payload: Record<string, unknown>; attempts: number; max_attempts: number; next_attempt_at: string | Date; created_at: string | Date; subject_type: string | null; subject_id: string | null }[]).sort(
        (a, b) => new Date(a.next_attempt_at).getTime() - new Date(b.next_attempt_at).getTime() || new Date(a.created_at).getTime() - new Date(b.created_at).getTime() || a.id.localeCompare(b.id),
      );
      // Every reply's delivery passes here and through `finish`: both on cached plans (platform/db.ts).
    }, { cachedPlans: true });
    const report: DispatchReport = { claimed: claimed.length, done: 0, retried: 0, failed: 0, held: 0 };
    for (const row of claimed) {
      const handler = this.registry.get(row.handler);
      try {
        const gate = this.registry.gateFor(row.subject_type);
        const holdReason = gate ? await gate({ orgId: row.org_id, id: row.id, handler: row.handler, subjectId: row.subject_id }) : null;
        if (holdReason) {
          // Not an attempt: the handler never ran, so the claim's count is given back.
          await this.db.system((tx) =>
            tx.execute(sql`update outbox set status = 'held', attempts = greatest(attempts - 1, 0), locked_until = null, last_error = ${holdReason}, updated_at = ${this.clock.now().toISOString()}::timestamptz
              where org_id = ${row.org_id} and id = ${row.id}`),
          );
          report.held++;
          continue;
        }
        if (!handler) throw new PermanentError(`No outbox handler registered under "${row.handler}"`);
        const result = await handler(row.payload, { orgId: row.org_id, id: row.id, idempotencyKey: row.idempotency_key, attempt: row.attempts });
        await this.finish(row, 'done', { result: result ?? {}, error: null });
        report.done++;
        await this.tell(row, 'done', null);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        const permanent = e instanceof PermanentError || (e instanceof AppError && e.kind !== 'upstream' && e.kind !== 'unavailable' && e.kind !== 'rate_limited');
        if (permanent || row.attempts >= row.max_attempts) {
          await this.finish(row, 'failed', { error: msg });
          report.failed++;
          this.log.warn({ outboxId: row.id, handler: row.handler, err: msg }, 'outbox step failed');
          await this.tell(row, 'failed', msg);
        } else {
          const next = new Date(this.clock.now().getTime() + backoffMs(row.attempts));
          await this.db.system((tx) =>
            tx.execute(sql`update outbox set status = 'pending', locked_until = null, last_error = ${msg}, next_attempt_at = ${next.toISOString()}::timestamptz, updated_at = now()
              where org_id = ${row.org_id} and id = ${row.id}`),
          );
          report.retried++;
        }
      }
    }
    return report;
  }

  private async tell(row: ClaimedStep, status: 'done' | 'failed', error: string | null): Promise<void> {
    for (const l of this.registry.finishedListeners()) {
      try {
        await l(finishedOf(row, status, error));
      } catch (err) {
        this.log.warn({ err, outboxId: row.id }, 'outbox finish listener failed');
      }
    }
  }

  /** The step's outcome, and what the registered writers write with it (`onFinishedWrite`). */
  private async finish(row: ClaimedStep, status: 'done' | 'failed', r: { result?: Record<string, unknown>; error: string | null }): Promise<void> {
    const now = this.clock.now().toISOString();
    const outcome = (tx: Executor) =>
      tx.execute(sql`update outbox set status = ${status}, locked_until = null, last_error = ${r.error},
        result = coalesce(${r.result ? JSON.stringify(r.result) : null}::jsonb, result), updated_at = ${now}::timestamptz,
        done_at = case when ${status} = 'done' then ${now}::timestamptz else done_at end
        where org_id = ${row.org_id} and id = ${row.id}`);
    const writers = this.registry.finishedWriters();
    if (!writers.length) {
      await this.db.system(outcome);
      return;
    }
    const f = finishedOf(row, status, r.error);
    try {
      await this.db.tenant(
        row.org_id,
        async (tx) => {
          await outcome(tx);
          for (const w of writers) await w(tx, f);
        },
        { cachedPlans: true },
      );
    } catch (err) {
      this.log.warn({ err, outboxId: row.id }, 'outbox finish writer failed; the outcome is written on its own');
      await this.db.system(outcome);
      for (const w of writers) {
        await this.db.tenant(row.org_id, (tx) => w(tx, f)).catch((e: unknown) => this.log.warn({ err: e, outboxId: row.id }, 'outbox finish writer failed again'));
      }
    }
  }

  /** Drain everything currently due (tests and CLI). */
  async drain(maxRounds = 50, onlyOrgId?: string): Promise<DispatchReport> {
    const total: DispatchReport = { claimed: 0, done: 0, retried: 0, failed: 0, held: 0 };
    for (let i = 0; i < maxRounds; i++) {
      const r = await this.runOnce(25, onlyOrgId);
      total.claimed += r.claimed;
      total.done += r.done;
      total.retried += r.retried;
      total.failed += r.failed;
      total.held += r.held;
      if (r.claimed === 0) break;
    }
    return total;
  }

  /** Poll once a second and wake early on NOTIFY from the insert trigger. */
  start(listen?: (onNotify: () => void) => Promise<() => Promise<void>>): void {
    this.stopped = false;
    let unlisten: (() => Promise<void>) | undefined;
    if (listen) void listen(() => this.wake?.()).then((u) => (unlisten = u)).catch(() => undefined);
    const loop = async () => {
      while (!this.stopped) {
        this.running = true;
        try {
          const r = await this.runOnce();
          this.running = false;
          if (r.claimed > 0) continue;
        } catch (e) {
          this.running = false;
          this.log.error({ err: e }, 'outbox dispatcher round failed');
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, 1_000);
        });
      }
      await unlisten?.();
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    while (this.running) await new Promise((r) => setTimeout(r, 20));
  }

  /** Put a failed step back in the queue (the UI's "retry" button). */
  async retry(orgId: string, id: string): Promise<OutboxRow> {
    return this.db.tenant(orgId, async (tx) => {
      const [row] = await tx
        .update(outbox)
        .set({ status: 'pending', nextAttemptAt: this.clock.now(), attempts: 0, lastError: null, updatedAt: this.clock.now() })
        .where(and(eq(outbox.orgId, orgId), eq(outbox.id, id), eq(outbox.status, 'failed')))
        .returning();
      if (!row) {
        const [exists] = await tx.select({ status: outbox.status }).from(outbox).where(and(eq(outbox.orgId, orgId), eq(outbox.id, id)));
        if (!exists) throw AppError.notFound('outbox', id);
        throw AppError.conflict('outbox.not_failed', `Outbox step ${id} is ${exists.status}; only failed steps can be retried`);
      }
      return row;
    });
  }
}
