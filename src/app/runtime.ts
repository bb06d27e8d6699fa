import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../platform/clock.js';
import { createPool, Database } from '../platform/db.js';
import { newId, type IdGenerator } from '../platform/ids.js';
import { Jobs } from '../platform/jobs.js';
import type { Logger } from '../platform/logger.js';
import type { Config } from './config.js';
import { createPlatform, type Platform } from './deps.js';
import { appUrlFrom, migrate, pendingMigrations } from './migrate.js';
import { ensureDatabase, liveAppPid, runningPostmaster, startEmbedded, takeAppLock, type EmbeddedHandle } from './postgres.js';

interface Secrets {
  pgPassword: string;
  appPassword: string;
  secretKey: string;
}

/** Passwords and the encryption key live beside the data they protect, created on first start. */
export function loadOrCreateSecrets(dataDir: string): Secrets {
  const file = path.join(dataDir, 'secrets.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Secrets;
  fs.mkdirSync(dataDir, { recursive: true });
  const s: Secrets = {
    pgPassword: crypto.randomBytes(18).toString('base64url'),
    appPassword: crypto.randomBytes(18).toString('base64url'),
    secretKey: crypto.randomBytes(32).toString('hex'),
  };
  // Several processes may start on a fresh DATA_DIR at once: each writes its own complete file and
  // links it into place, which succeeds for exactly one; the others read the winner's. No reader
  // ever sees a half-written file, and no process keeps secrets the others do not share.
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, JSON.stringify(s, null, 2), { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
    return s;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Secrets;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export interface Runtime {
  platform: Platform;
  embedded: EmbeddedHandle | undefined;
  appliedMigrations: string[];
  mode: BootMode;
  shutdown(): Promise<void>;
}

export interface BootOptions {
  log: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  /**
   * pg-boss: `true` for a worker (started by `startWorker`); `'send'` for an API process
   * (`WORKER=false`), started here and only queueing — SLA timers follow the changes an API request
   * makes, in the same breath; one-shot CLI commands need none.
   */
  jobs?: boolean | 'send';
  onMigration?: (name: string) => void;
  /**
   * One-shot CLI commands: when an Afterdesk already runs on this `DATA_DIR`, connect to its
   * embedded PostgreSQL (port from `postmaster.pid`, passwords from `secrets.json`) instead of
   * refusing; migrations are then left to the running app (a pending one is refused, naming it).
   */
  attach?: boolean;
}

/** How a CLI command reached the database (printed by nobody; tests and `status` read it). */
export type BootMode = 'external' | 'embedded' | 'attached';

/** Database up (embedded unless DATABASE_URL), migrated, pools open. The caller starts HTTP/worker. */
export async function boot(config: Config, opts: BootOptions): Promise<Runtime> {
  const { log } = opts;
  const secrets = loadOrCreateSecrets(config.dataDir);
  let embedded: EmbeddedHandle | undefined;
  let releaseLock: (() => void) | undefined;
  let adminUrl: string;
  const pgLog = { info: (m: string) => log.info(m), warn: (m: string) => log.warn(m), debug: (m: string) => log.debug(m) };
  let mode: BootMode = 'embedded';
  const running = !config.databaseUrl && opts.attach ? liveAppPid(config.dataDir) : null;
  const postmaster = running ? runningPostmaster(path.join(config.dataDir, 'pg')) : null;
  if (config.databaseUrl) {
    adminUrl = config.databaseUrl;
    mode = 'external';
  } else if (running && postmaster) {
    // The running app owns the cluster (and its lock): we are one more client of its server.
    adminUrl = `postgres://postgres:${encodeURIComponent(secrets.pgPassword)}@127.0.0.1:${postmaster.port}/afterdesk`;
    mode = 'attached';
    log.info(`Afterdesk (pid ${running}) is running on ${config.dataDir}: using its PostgreSQL on 127.0.0.1:${postmaster.port}.`);
  } else {
    releaseLock = takeAppLock(config.dataDir, pgLog);
    try {
      embedded = await startEmbedded({ dir: path.join(config.dataDir, 'pg'), port: config.pgPort, password: secrets.pgPassword, log: pgLog, ownProcessGroup: true });
      await ensureDatabase(embedded.superuserUrl('postgres'), 'afterdesk');
    } catch (e) {
      releaseLock();
      throw e;
    }
    adminUrl = embedded.superuserUrl('afterdesk');
    log.info(`Embedded PostgreSQL is running on 127.0.0.1:${embedded.port} (data in ${path.join(config.dataDir, 'pg')}).`);
  }
  let applied: string[] = [];
  if (mode === 'attached') {
    // Changing the schema under a running app is exactly what the lock protects against.
    const pending = await pendingMigrations(adminUrl);
    if (pending.length) {
      throw new Error(`Afterdesk (pid ${running}) runs on a database without migration(s) ${pending.join(', ')}. Restart it to apply them (or stop it and run \`afterdesk migrate\`), then retry.`);
    }
  } else {
    try {
      applied = (await migrate(adminUrl, config.appDatabaseUrl ? undefined : secrets.appPassword, opts.onMigration)).applied;
    } catch (e) {
      await embedded?.stop();
      releaseLock?.();
      throw e;
    }
  }
  const appUrl = config.appDatabaseUrl ?? appUrlFrom(adminUrl, secrets.appPassword);
  const db = new Database(createPool(appUrl, 20), { cachedPlans: config.cachedPlans });
  const jobs = opts.jobs ? new Jobs(adminUrl, log, { sendOnly: opts.jobs === 'send' }) : undefined;
  if (opts.jobs === 'send') {
    try {
      await jobs!.start();
    } catch (e) {
      await db.close().catch(() => undefined);
      await embedded?.stop();
      releaseLock?.();
      throw e;
    }
  }
  const platform = createPlatform({
    config,
    db,
    adminUrl,
    clock: opts.clock ?? systemClock,
    ids: opts.ids ?? newId,
    log,
    jobs,
    secretKey: config.secretKey ?? Buffer.from(secrets.secretKey, 'hex'),
  });
  let down = false;
  return {
    platform,
    embedded,
    appliedMigrations: applied,
    mode,
    async shutdown() {
      if (down) return;
      down = true;
      for (const stop of platform.stopping) await stop().catch((e) => log.warn({ err: e }, 'background work did not stop cleanly'));
      await platform.dispatcher.stop().catch(() => undefined);
      await jobs?.stop().catch((e) => log.warn({ err: e }, 'job queue did not stop cleanly'));
      await db.close().catch(() => undefined);
      if (embedded) {
        log.info('Stopping embedded PostgreSQL…');
        await embedded.stop();
        log.info('Embedded PostgreSQL stopped cleanly.');
      }
      releaseLock?.();
    },
  };
}
