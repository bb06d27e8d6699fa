import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { appUrlFrom } from '../../src/app/migrate.js';

export interface TestDatabase {
  name: string;
  adminUrl: string;
  appUrl: string;
}

let cached: Promise<TestDatabase> | undefined;

/**
 * Runs before each file (`test/helpers/per-file.ts`): every file gets a database of its own, also when
 * files share a worker's loaded modules (vitest `isolate: false`, tried and switched off for now).
 */
export function forgetTestDatabase(): void {
  cached = undefined;
}

/** This test file's own database, cloned from the migrated template (fast: a file copy). */
export function testDatabase(): Promise<TestDatabase> {
  cached ??= (async () => {
    const base = inject('pgSuperuserUrlBase');
    const name = `afterdesk_t${process.env.VITEST_POOL_ID ?? '0'}_${crypto.randomBytes(4).toString('hex')}`;
    const c = new pg.Client({ connectionString: `${base}/postgres` });
    await c.connect();
    try {
      await c.query(`create database "${name}" template afterdesk_template`);
    } finally {
      await c.end();
    }
    const adminUrl = `${base}/${name}`;
    return { name, adminUrl, appUrl: appUrlFrom(adminUrl, inject('appPassword')) };
  })();
  return cached;
}
