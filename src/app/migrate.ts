import crypto from 'node:crypto';
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

export function checksum(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/**
 * Name order, except that `NNNN_name.late.sql` files come after all others: a migration that
 * changes tables of every module (brand scope policies on each shop-owned table) keeps a number in
 * its author's range yet must run after the modules' own migrations have created those tables.
 * Each still runs once; on a database that already had the others it simply runs next.
 */
export function migrationOrder(files: string[]): string[] {
  const late = (f: string) => (f.endsWith('.late.sql') ? 1 : 0);
  return [...files].sort((a, b) => late(a) - late(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Applies `migrations/*.sql` in name order (late ones last, see `migrationOrder`), each in its own transaction, once. Numbering leaves a
 * range per module (0001 foundation, 0100 tiktok, 0200 helpdesk, …) so parallel work never collides.
 * An advisory lock lets several processes start at once without racing. Each applied file's
 * sha256 is kept: a committed migration edited afterwards would leave databases migrated before
 * and after the edit different under the same name, so the start is refused instead.
 */
export async function migrate(adminUrl: string, appPassword: string | undefined, onApply?: (name: string) => void, opts: { dir?: string } = {}): Promise<MigrateResult> {
  const dir = opts.dir ?? MIGRATIONS_DIR;
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
    await client.query(`alter table afterdesk_migrations add column if not exists checksum text`);
    const done = new Map((await client.query<{ name: string; checksum: string | null }>('select name, checksum from afterdesk_migrations')).rows.map((r) => [r.name, r.checksum]));
    const files = migrationOrder(fs.readdirSync(dir).filter((f) => f.endsWith('.sql')));
    const texts = new Map(files.map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
    const edited = files.filter((f) => done.has(f) && done.get(f) !== null && done.get(f) !== checksum(texts.get(f)!));
    if (edited.length) {
      throw new Error(`Applied migration(s) edited since they ran: ${edited.join(', ')}. A committed migration never changes; restore the file and add a new migration instead.`);
    }
    // Databases migrated before checksums were kept learn them from today's files.
    for (const f of files) if (done.has(f) && done.get(f) === null) await client.query('update afterdesk_migrations set checksum = $2 where name = $1', [f, checksum(texts.get(f)!)]);
    const applied: string[] = [];
    for (const f of files) {
      if (done.has(f)) continue;
      const text = texts.get(f)!;
      await client.query('begin');
      try {
        await client.query(text);
        await client.query('insert into afterdesk_migrations(name, checksum) values ($1, $2)', [f, checksum(text)]);
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

/** Migration files this database has not applied yet (all of them when it never ran one). */
export async function pendingMigrations(adminUrl: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = (await client.query<{ t: string | null }>("select to_regclass('afterdesk_migrations')::text as t")).rows[0]?.t;
    const done = new Set(exists ? (await client.query<{ name: string }>('select name from afterdesk_migrations')).rows.map((r) => r.name) : []);
    return fs.readdirSync(dir).filter((f) => f.endsWith('.sql') && !done.has(f)).sort();
  } finally {
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
