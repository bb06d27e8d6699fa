import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const APP_ROLE = 'afterdesk_app';
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

export interface MigrateResult {
  applied: string[];
  total: number;
}

/**
 * Applies `migrations/*.sql` in name order, each in its own transaction, once. Numbering leaves a
 * range per module (0001 foundation, 0100 tiktok, 0200 helpdesk, …) so parallel work never collides.
 * An advisory lock lets several processes start at once without racing.
 */
export async function migrate(adminUrl: string, appPassword: string | undefined, onApply?: (name: string) => void): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(726352)');
    // Roles are cluster-wide; create the app role before any migration grants to it.
    await client.query(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = '${APP_ROLE}') then
        create role ${APP_ROLE} login nosuperuser nobypassrls;
      end if; end $$`);
    // With APP_DATABASE_URL the role's password is managed outside; never overwrite it.
    if (appPassword !== undefined) await client.query(`alter role ${APP_ROLE} with login password '${appPassword.replace(/'/g, "''")}'`);
    await client.query(`create table if not exists afterdesk_migrations (name text primary key, applied_at timestamptz not null default now())`);
    const done = new Set((await client.query<{ name: string }>('select name from afterdesk_migrations')).rows.map((r) => r.name));
    const files = fs.readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
    const applied: string[] = [];
    for (const f of files) {
      if (done.has(f)) continue;
      const text = fs.readFileSync(path.join(MIGRATIONS_DIR, f), 'utf8');
      await client.query('begin');
      try {
        await client.query(text);
        await client.query('insert into afterdesk_migrations(name) values ($1)', [f]);
        await client.query('commit');
      } catch (e) {
        await client.query('rollback');
        throw new Error(`Migration ${f} failed: ${(e as Error).message}`, { cause: e });
      }
      applied.push(f);
      onApply?.(f);
    }
    await client.query(`grant usage on schema public to ${APP_ROLE}`);
    return { applied, total: files.length };
  } finally {
    await client.query('select pg_advisory_unlock(726352)').catch(() => undefined);
    await client.end();
  }
}

/** The app role's URL: same server and database as the admin URL, different user. */
export function appUrlFrom(adminUrl: string, password: string): string {
  const u = new URL(adminUrl);
  u.username = APP_ROLE;
  u.password = password;
  return u.toString();
}
