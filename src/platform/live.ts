import pg from 'pg';
import { sql } from 'drizzle-orm';
import type { Executor } from './db.js';
import type { Logger } from './logger.js';

/*
 * The live-update channel: changes are announced with Postgres NOTIFY on one channel, so every API
 * process (however many run) hears every change; each process holds ONE listening connection and
 * fans the events out in memory to its open browser streams (GET /api/events). A notification is
 * delivered when its transaction commits and never when it rolls back, so the browser never hears
 * of a change that did not happen. Events carry ids only; the browser refetches what it shows.
 */

export const LIVE_CHANNEL = 'afterdesk_live';

/** What travels on the channel (short keys: a NOTIFY payload is limited to 8000 bytes). */
export type LiveEvent =
  /** A ticket was created or changed (the tickets table's trigger, migration 0261). */
  | { t: 'ticket'; o: string; s: string | null; id: string }
  /** New notifications for these people (null: too many to list, every reader refetches). */
  | { t: 'notification'; o: string; s: string | null; u: string[] | null }
  /** An outbox step of a ticket's message finished. */
  | { t: 'delivery'; o: string; s: string | null; id: string; m: string; st: 'done' | 'failed' }
  /** Someone opened (or still has open) a ticket. */
  | { t: 'presence'; o: string; s: string | null; id: string; u: string }
  /** An incident's outreach moved (steps finished); at most about once a second per incident. */
  | { t: 'incident'; o: string; s: string | null; id: string };

/** Announce an event on the caller's transaction (heard at commit). */
export async function publishLive(tx: Executor, e: LiveEvent): Promise<void> {
  await tx.execute(sql`select pg_notify(${LIVE_CHANNEL}, ${JSON.stringify(e)})`);
}

export type LiveSubscriber = (e: LiveEvent) => void;

/**
 * One LISTEN connection per process, opened when the first stream subscribes and reopened whenever
 * it is lost (a restart, a failover); subscribers are told `reconnected` so they can ask the browser
 * to refetch what it may have missed meanwhile.
 */
export class LiveHub {
  private subs = new Set<LiveSubscriber>();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private delayMs = 250;

  constructor(
    private readonly url: string | undefined,
    private readonly log: Logger,
  ) {}

  get subscribers(): number {
    return this.subs.size;
  }

  /** Subscribe; resolves once the listener is up (so an event committed after this is heard). */
  async subscribe(fn: LiveSubscriber): Promise<() => void> {
    this.subs.add(fn);
    await this.ensure();
    return () => {
      this.subs.delete(fn);
    };
  }

  private ensure(): Promise<void> {
    if (this.client || this.stopped || !this.url) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const c = new pg.Client({ connectionString: this.url, keepAlive: true, connectionTimeoutMillis: 5_000 });
    c.on('notification', (n) => {
      if (n.channel !== LIVE_CHANNEL || !n.payload) return;
      let e: LiveEvent;
      try {
        e = JSON.parse(n.payload) as LiveEvent;
      } catch {
        return;
      }
      for (const s of [...this.subs]) s(e);
    });
    c.on('error', () => undefined);
    c.on('end', () => {
      if (this.client !== c) return;
      this.client = undefined;
      if (this.stopped) return;
      this.log.warn('live LISTEN connection lost; opening it again');
      this.again();
    });
    try {
      await c.connect();
      await c.query(`listen ${LIVE_CHANNEL}`);
      this.client = c;
      this.delayMs = 250;
    } catch (err) {
      this.log.debug({ err }, 'live LISTEN could not connect yet');
      await c.end().catch(() => undefined);
      this.again();
    }
  }

  private again(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.subs.size) void this.ensure();
    }, this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, 5_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.subs.clear();
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
