import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/app/migrate.js';
import { ensureDatabase, startEmbedded, type EmbeddedHandle } from '../../src/app/postgres.js';

export const TEST_APP_PASSWORD = 'test-app-password';
const PG_PASSWORD = 'test-superuser-password';

declare module 'vitest' {
  export interface ProvidedContext {
    pgSuperuserUrlBase: string;
    appPassword: string;
  }
}

let pg: EmbeddedHandle | undefined;
let dir: string | undefined;

/**
 * One real PostgreSQL for the whole run (embedded, unless TEST_DATABASE_URL is set), with a
 * migrated template database; each test file clones its own database from the template.
 */
export async function setup(project: TestProject): Promise<void> {
  const external = process.env.TEST_DATABASE_URL;
  let base: string;
  if (external) {
    base = external.replace(/\/[^/]*$/, '');
  } else {
    dir = path.resolve('.tmp', `pg-test-${process.pid}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const quiet = { info: () => undefined, warn: (m: string) => console.warn(m), debug: () => undefined };
    pg = await startEmbedded({ dir, port: 0, password: PG_PASSWORD, log: quiet, fast: true });
    base = pg.superuserUrl('').replace(/\/$/, '');
  }
  await ensureDatabase(`${base}/postgres`, 'afterdesk_template');
  await migrate(`${base}/afterdesk_template`, TEST_APP_PASSWORD);
  project.provide('pgSuperuserUrlBase', base);
  project.provide('appPassword', TEST_APP_PASSWORD);
}

export async function teardown(): Promise<void> {
  await pg?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
