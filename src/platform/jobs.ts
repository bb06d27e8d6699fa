import PgBoss from 'pg-boss';
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
