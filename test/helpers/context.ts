import { loadConfig } from '../../src/app/config.js';
import { compose, type ComposeOptions } from '../../src/app/compose.js';
import { createPlatform, type Platform, type Services } from '../../src/app/deps.js';
import { buildServer } from '../../src/app/server.js';
import { ManualClock, type Clock } from '../../src/platform/clock.js';
import { createPool, Database } from '../../src/platform/db.js';
import { newId } from '../../src/platform/ids.js';
import { Jobs } from '../../src/platform/jobs.js';
import { silentLogger, type Logger } from '../../src/platform/logger.js';
import type { Http } from '../../src/platform/http.js';
import { testDatabase } from './db.js';


/** Tests never reach the real TikTok API for Business: a refused local port unless a test starts the stand-in. */
const NO_BUSINESS_API = 'http://127.0.0.1:9/open_api/v1.3';

export interface TestContext {
  platform: Platform;
  services: Services;
  app: Http;
  clock: Clock;
  close(): Promise<void>;
}

export interface TestContextOptions {
  /** Pass a ManualClock to control time; defaults to the real clock. */
  clock?: Clock | ManualClock;
  /** Start pg-boss on the worker's database. */
  jobs?: boolean;
  env?: Record<string, string>;
  /** A real logger to read what the app logs (defaults to a silent one). */
  log?: Logger;
  /**
   * Send the header our web UI sends on every request (`X-Requested-With`), so `app.inject` passes
   * the cross-site request check like the UI does. Default true; CSRF tests turn it off.
   */
  uiHeader?: boolean;
  /**
   * SLA breaches escalate to the helpdesk as in production (default true). False: the SLA engine
   * on its own, a breach escalates only when the test observes it (`services.events.slaEscalation`).
   */
  slaEscalation?: boolean;
  /** Further test seams of `compose` (a fake mail sender, a lower webhook auto-disable threshold). */
  overrides?: Omit<NonNullable<ComposeOptions['overrides']>, 'escalateToHelpdesk'>;
  /** A stand-in for the platform side of coupons (chat reach, price detail, coupon sync). */
  couponPlatform?: import('../../src/modules/coupons/index.js').CouponPlatformPort;
}

/**
 * DB_CACHED_PLANS=on|off for a whole local run of the suite (e.g. every helpdesk test on cached
 * plans, which a small test database never opens on its own); unset, the app's default applies.
 */
function cachedPlansOverride(): Record<string, string> {
  const v = process.env.DB_CACHED_PLANS;
  return v ? { DB_CACHED_PLANS: v } : {};
}

/**
 * Real app on this worker's real database: the same services, server and error mapping as
 * production, driven with `app.inject`. Each test makes its own organisation (see org.ts).
 */
export async function createTestContext(opts: TestContextOptions = {}): Promise<TestContext> {
  const tdb = await testDatabase();
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: tdb.adminUrl, APP_DATABASE_URL: tdb.appUrl, LOG_LEVEL: 'silent', DATA_DIR: '.tmp/test-data', LOGIN_RATE_LIMIT: '1000', TIKTOK_BUSINESS_API_BASE: NO_BUSINESS_API, ...cachedPlansOverride(), ...opts.env });
  const db = new Database(createPool(tdb.appUrl, 10), { cachedPlans: config.cachedPlans });
  const jobs = opts.jobs ? new Jobs(tdb.adminUrl, silentLogger) : undefined;
  if (jobs) await jobs.start();
  const clock = opts.clock ?? new ManualClock(Date.now());
  const platform = createPlatform({ config, db, adminUrl: tdb.adminUrl, clock, ids: newId, log: opts.log ?? silentLogger, jobs, secretKey: Buffer.alloc(32, 7) });
  const services = compose(platform, { overrides: { ...opts.overrides, escalateToHelpdesk: opts.slaEscalation !== false, ...(opts.couponPlatform ? { couponPlatform: opts.couponPlatform } : {}) } });
  const app = await buildServer(platform, services);
  await app.ready();
  if (opts.uiHeader !== false) {
    const inject = app.inject.bind(app) as (o: unknown) => unknown;
    (app as { inject: unknown }).inject = (o?: unknown) => {
      if (!o || typeof o !== 'object') return inject(o);
      const req = o as { headers?: Record<string, unknown> };
      return inject({ ...req, headers: { 'x-requested-with': 'afterdesk', ...req.headers } });
    };
  }
  return {
    platform,
    services,
    app,
    clock,
    async close() {
      await app.close();
      await platform.dispatcher.stop();
      await jobs?.stop();
      await db.close();
    },
  };
}
