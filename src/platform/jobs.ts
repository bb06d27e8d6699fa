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

  constructor(connectionString: string, private readonly log: Logger) {
    this.boss = new PgBoss({ connectionString, max: 4 });
    this.boss.on('error', (e) => this.log.error({ err: e }, 'job queue error'));
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
    return this.boss.send(name, data, { ...opts, db: { executeSql: (text, values) => clientOf(tx).query(text, values) } });
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
    await this.boss.stop({ graceful: true, wait: true, timeout: 5_000 });
  }
}

type Queryable = { query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };

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
