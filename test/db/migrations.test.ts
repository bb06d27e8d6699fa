/**
 * The migration runner refuses an applied migration that was edited, and the Drizzle schema the
 * code queries through describes exactly the tables and columns the SQL migrations create.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { migrate, migrationOrder, MIGRATIONS_DIR } from '../../src/app/migrate.js';
import { ensureDatabase } from '../../src/app/postgres.js';
import { testDatabase } from '../helpers/db.js';

const base = () => inject('pgSuperuserUrlBase');

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('migration order', () => {
  it('late migrations run after every other, each group in name order', () => {
    expect(migrationOrder(['0200_b.sql', '0021_scope.late.sql', '0001_a.sql', '0500_c.sql', '0010_x.late.sql'])).toEqual(['0001_a.sql', '0200_b.sql', '0500_c.sql', '0010_x.late.sql', '0021_scope.late.sql']);
  });
});

describe('migration checksums', () => {
  it('an applied migration edited afterwards stops the start, naming the file; new ones still apply', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'afterdesk-mig-'));
    fs.writeFileSync(path.join(dir, '0001_a.sql'), 'create table mig_a (id int primary key);');
    fs.writeFileSync(path.join(dir, '0002_b.sql'), 'create table mig_b (id int primary key);');
    const name = `afterdesk_mig_${Date.now()}`;
    await ensureDatabase(`${base()}/postgres`, name);
    const url = `${base()}/${name}`;
    expect((await migrate(url, undefined, undefined, { dir })).applied).toEqual(['0001_a.sql', '0002_b.sql']);

    fs.writeFileSync(path.join(dir, '0002_b.sql'), 'create table mig_b (id int primary key, extra text);');
    fs.writeFileSync(path.join(dir, '0003_c.sql'), 'create table mig_c (id int primary key);');
    await expect(migrate(url, undefined, undefined, { dir })).rejects.toThrow('Applied migration(s) edited since they ran: 0002_b.sql.');
    // Refused before anything ran: 0003 is not applied.
    expect(await query(url, `select to_regclass('mig_c') as t`)).toEqual([{ t: null }]);

    fs.writeFileSync(path.join(dir, '0002_b.sql'), 'create table mig_b (id int primary key);');
    expect((await migrate(url, undefined, undefined, { dir })).applied).toEqual(['0003_c.sql']);
  });

  it('a database migrated before checksums were kept learns them, then holds them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'afterdesk-mig-'));
    fs.writeFileSync(path.join(dir, '0001_a.sql'), 'create table mig_old (id int primary key);');
    const name = `afterdesk_mig_old_${Date.now()}`;
    await ensureDatabase(`${base()}/postgres`, name);
    const url = `${base()}/${name}`;
    await migrate(url, undefined, undefined, { dir });
    await query(url, 'update afterdesk_migrations set checksum = null');
    expect((await migrate(url, undefined, undefined, { dir })).applied).toEqual([]);
    expect((await query<{ checksum: string }>(url, 'select checksum from afterdesk_migrations'))[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    fs.writeFileSync(path.join(dir, '0001_a.sql'), 'create table mig_old (id bigint primary key);');
    await expect(migrate(url, undefined, undefined, { dir })).rejects.toThrow('0001_a.sql');
  });

  it('every committed migration applied to the test databases carries its checksum', async () => {
    const db = await testDatabase();
    const rows = await query<{ name: string; checksum: string | null }>(db.adminUrl, 'select name, checksum from afterdesk_migrations order by name');
    const files = fs.readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
    expect(rows.map((r) => r.name)).toEqual(files);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum ?? ''))).toBe(true);
  });
});

/** Every Drizzle table declared under src/ (each module's *.schema.ts and the kernel's). */
async function drizzleTables(): Promise<Map<string, { columns: Map<string, { notNull: boolean }> }>> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name !== 'web') walk(p);
      else if (e.name.endsWith('.schema.ts')) files.push(p);
    }
  };
  walk(path.resolve('src'));
  const out = new Map<string, { columns: Map<string, { notNull: boolean }> }>();
  for (const f of files) {
    const mod = (await import(f)) as Record<string, unknown>;
    for (const v of Object.values(mod)) {
      if (!(v instanceof PgTable)) continue;
      const cfg = getTableConfig(v);
      out.set(cfg.name, { columns: new Map(cfg.columns.map((c) => [c.name, { notNull: c.notNull }])) });
    }
  }
  return out;
}

describe('the Drizzle schema and the SQL migrations describe the same tables', () => {
  it('same tables, same columns, same nullability', async () => {
    const db = await testDatabase();
    // Generated columns (search vectors, sort keys) are computed by Postgres and read only in raw SQL.
    const cols = await query<{ table_name: string; column_name: string; is_nullable: 'YES' | 'NO' }>(
      db.adminUrl,
      `select table_name, column_name, is_nullable from information_schema.columns where table_schema = 'public' and is_generated = 'NEVER' order by table_name, ordinal_position`,
    );
    const sqlTables = new Map<string, Map<string, { notNull: boolean }>>();
    for (const c of cols) {
      const t = sqlTables.get(c.table_name) ?? new Map();
      t.set(c.column_name, { notNull: c.is_nullable === 'NO' });
      sqlTables.set(c.table_name, t);
    }
    const drizzle = await drizzleTables();
    // Tables only raw SQL touches (the runner's own bookkeeping, counters bumped by one statement,
    // settings versions bumped by triggers).
    const sqlOnly = new Set(['afterdesk_migrations', 'return_counters', 'settings_versions']);
    expect([...sqlTables.keys()].filter((t) => !drizzle.has(t) && !sqlOnly.has(t)).sort()).toEqual([]);
    const problems: string[] = [];
    for (const [name, t] of drizzle) {
      const s = sqlTables.get(name);
      if (!s) {
        problems.push(`${name}: declared in Drizzle, created by no migration`);
        continue;
      }
      for (const [c, d] of t.columns) {
        const sc = s.get(c);
        if (!sc) problems.push(`${name}.${c}: in Drizzle, not in SQL`);
        else if (sc.notNull !== d.notNull) problems.push(`${name}.${c}: Drizzle says ${d.notNull ? 'not null' : 'nullable'}, SQL says ${sc.notNull ? 'not null' : 'nullable'}`);
      }
      for (const c of s.keys()) if (!t.columns.has(c)) problems.push(`${name}.${c}: in SQL, not in Drizzle`);
    }
    expect(problems).toEqual([]);
  });
});
