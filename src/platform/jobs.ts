import PgBoss from 'pg-boss';
import type { Executor } from './db.js';
import type { Logger } from './logger.js';

export type JobHandler<T> = (data: T) => Promise<void>;

/**
 * pg-boss on the same Postgres: durable jobs, cron and retries with no second server.
 * Modules declare jobs; `app/worker.ts` registers them here.
 */
export class Jobs {
  readonly boss: PgBoss;
  private started = false;
  private stopping = false;

  /**
   * `sendOnly`: an API process (`WORKER=false`) queues jobs — an SLA timer in the same breath as the
   * change that moves the clock — but works none, keeps no schedules and does no maintenance.
   */
  constructor(connectionString: string, private readonly log: Logger, opts: { sendOnly?: boolean } = {}) {
    this.boss = new PgBoss({ connectionString, max: opts.sendOnly ? 2 : 4, ...(opts.sendOnly ? { supervise: false, schedule: false } : {}) });
    // Only what says what went wrong: pg-boss hands on pool errors that carry the whole connection
    // object (its buffers and state filled a log line per lost connection on a Postgres restart).
    // Once we stop, a job still running (a first sync) may have its connection ended by Postgres
    // shutting down (57P01) or see the pool closed: expected then, so it is not reported as an error;
    // pg-boss runs the interrupted job again after the next start.
    this.boss.on('error', (e) => {
      const code = (e as { code?: string }).code;
      const err = { message: e.message, code, stack: e.stack };
      if (this.stopping && (code === '57P01' || /terminat|ended|closed/i.test(e.message))) this.log.debug({ err }, 'job queue connection ended while stopping');
      else this.log.error({ err }, 'job queue error');
    });
    // pg-boss creates a queue (a row plus a partition of its job table) without a lock of its own,
    // so two processes creating the same queue at once — workers booting together after a deploy —
    // deadlock, and Postgres ends one of them. The other has created the queue by then and the
    // function does nothing for an existing queue, so the loser only has to try again. Wrapped on
    // the client itself because modules create their queues through `boss` too.
    const create = this.boss.createQueue.bind(this.boss);
    this.boss.createQueue = async (name: string, options?: PgBoss.Queue) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await create(name, options);
        } catch (e) {
          if ((e as { code?: string }).code !== '40P01' || attempt >= 5) throw e;
          await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 50));
        }
      }
    };
  }

  async start(): Promise<void> {
    await this.boss.start();
    // pg-boss creates (or upgrades) its schema on its first start, after our migrations ran; the
    // grant that lets the app role queue jobs inside its own transactions (migration 0251) can
    // only land once the tables exist, so it is repeated on every start.
    try {
      const db = this.boss.getDb();
      const { rows } = await db.executeSql(`select to_regprocedure('afterdesk_grant_job_sends()') is not null as present`, []);
      if (rows[0]?.present) await db.executeSql('select afterdesk_grant_job_sends()', []);
    } catch (e) {
      // Not started as far as `stop()` knows: shut pg-boss down here so the process can exit.
      await this.boss.stop({ graceful: false, wait: true }).catch(() => undefined);
      throw e;
    }
    this.started = true;
  }

  get isStarted(): boolean {
    return this.started;
  }

  async define<T extends object>(name: string, handler: JobHandler<T>, opts: { cron?: string; retryLimit?: number } = {}): Promise<void> {
    await this.boss.createQueue(name, { name, retryLimit: opts.retryLimit ?? 3 } as PgBoss.Queue);
    await this.boss.work<T>(name, async (jobs) => {
      for (const job of jobs) await handler(job.data);
    });
    if (opts.cron) await this.boss.schedule(name, opts.cron);
  }

  async send<T extends object>(name: string, data: T, opts: PgBoss.SendOptions = {}): Promise<string | null> {
    return this.boss.send(name, data, opts);
  }

  /**
   * Queues a job on the caller's transaction: it exists exactly when that transaction commits, so
   * a crash or a rollback can never leave a state change without its job or a job without its
   * change. On the pool (no transaction) it commits at once, like `send`.
   */
  async sendIn<T extends object>(tx: Executor, name: string, data: T, opts: PgBoss.SendOptions = {}): Promise<string | null> {
    // As a query config (not text and values): in a transaction on cached plans the statement is
    // then named like the transaction's own (platform/db.ts) and not planned on every new ticket.
    return this.boss.send(name, data, { ...opts, db: { executeSql: (text, values) => clientOf(tx).query({ text, values }) } });
  }

  /**
   * Several jobs of one queue on the caller's transaction in one statement (pg-boss `insert`),
   * with the same guarantee as `sendIn`. Each job may carry its start time and singleton key; a
   * job whose singleton key is already queued is skipped, as `send` skips it.
   */
  async sendManyIn<T extends object>(tx: Executor, name: string, jobs: Array<{ data: T; startAfter?: Date; singletonKey?: string }>): Promise<void> {
    if (!jobs.length) return;
    await this.boss.insert(
      jobs.map((j) => ({ name, data: j.data, ...(j.startAfter ? { startAfter: j.startAfter.toISOString() } : {}), ...(j.singletonKey ? { singletonKey: j.singletonKey } : {}) })) as PgBoss.JobInsert[],
      { db: { executeSql: (text, values) => clientOf(tx).query({ text, values }) } },
    );
  }

  /** Whether the queue answers: used by /healthz. */
  async healthy(): Promise<boolean> {
    if (!this.started) return false;
    try {
      await this.boss.getQueues();
      return true;
    } catch {
      return false;
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.stopping = true;
    await this.boss.stop({ graceful: true, wait: true, timeout: 5_000 });
  }
}

type Queryable = { query(config: { text: string; values?: unknown[] }): Promise<{ rows: unknown[] }> };

/**
 * The node-postgres client under a Drizzle transaction. pg-boss sends raw SQL with numbered
 * parameters reused across the statement, which Drizzle's `sql` template cannot express, so the
 * statement goes to the transaction's own connection directly.
 */
function clientOf(tx: Executor): Queryable {
  const client = (tx as unknown as { session?: { client?: Queryable } }).session?.client;
  if (!client || typeof client.query !== 'function') throw new Error('jobs.sendIn: the executor exposes no node-postgres client');
  return client;
}
