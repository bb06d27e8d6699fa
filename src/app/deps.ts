import type { Clock } from '../platform/clock.js';
import type { Database } from '../platform/db.js';
import type { IdGenerator } from '../platform/ids.js';
import type { Jobs } from '../platform/jobs.js';
import type { Logger } from '../platform/logger.js';
import { createOutboundPolicy, type OutboundPolicy } from '../platform/outbound.js';
import { OutboxDispatcher, OutboxRegistry } from '../platform/outbox/outbox.js';
import { LiveHub } from '../platform/live.js';
import type { Config } from './config.js';

/** The services, built once by `compose` (src/app/compose.ts). */
export type { Services } from './compose.js';

/** Infrastructure every service may use. Built once by `runtime.ts` (or the test harness). */
export interface Platform {
  config: Config;
  db: Database;
  /** Superuser/owner URL: migrations and the job queue only. */
  adminUrl: string;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
  jobs: Jobs | undefined;
  outbox: OutboxRegistry;
  dispatcher: OutboxDispatcher;
  /** 32-byte key for encrypting secrets at rest (platform tokens). */
  secretKey: Buffer;
  /** The rule for every outbound connection made for data we did not choose (links, mail servers). */
  outbound: OutboundPolicy;
  /** This process's one listener on the live-update channel (GET /api/events). */
  live: LiveHub;
  /** Long-lived background work (IMAP IDLE watchers) stopped on shutdown, before the database closes. */
  stopping: (() => Promise<void>)[];
}

export function createPlatform(args: Omit<Platform, 'outbox' | 'dispatcher' | 'outbound' | 'live' | 'stopping'> & { outbound?: OutboundPolicy }): Platform {
  const outbox = new OutboxRegistry();
  const outbound = args.outbound ?? createOutboundPolicy({ allow: args.config.outboundAllow.join(',') });
  const dispatcher = new OutboxDispatcher(args.db, outbox, args.clock, args.log);
  dispatcher.leaseMs = args.config.leases.outboxMs;
  const live = new LiveHub(args.db.url, args.log);
  return { ...args, outbox, outbound, dispatcher, live, stopping: [] };
}
