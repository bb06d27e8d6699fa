import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { loginCookie } from '../helpers/org.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/afterdesk.js');

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

async function cli(args: string[]) {
  const db = await testDatabase();
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: db.adminUrl, APP_DATABASE_URL: db.appUrl, DATA_DIR: '.tmp/cli-data' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('afterdesk CLI', () => {
  it('--help lists the commands, and every command has its own help', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['start', 'migrate', 'seed-demo', 'user']) expect(top.stdout).toContain(c);
    const add = await cli(['user', 'add', '--help']);
    expect(add.stdout).toContain('--email <email>');
    expect(add.stdout).toContain('--role <role>');
  });

  it('user add creates an organisation and a user who can sign in', async () => {
    const email = `cli.${Date.now()}@test.afterdesk.dev`;
    const r = await cli(['user', 'add', '--new-org', 'CLI Org', '--email', email, '--name', 'Cli Owner', '--role', 'owner', '--password', 'cli-password-1', '--languages', 'en,de']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^added owner ${email.replace('.', '\\.')} \\(usr_[0-9a-z]{26}\\) to org_[0-9a-z]{26}\\n$`));
    const cookie = await loginCookie(ctx, email, 'cli-password-1');
    const me = await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
    expect(me.json().user).toMatchObject({ email, role: 'owner', languages: ['en', 'de'] });
  });

  it('user add names the bad option', async () => {
    const r = await cli(['user', 'add', '--new-org', 'X', '--email', 'not-an-email', '--name', 'X', '--role', 'boss', '--password', 'short']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--email:');
    expect(r.stderr).toContain('--role:');
    expect(r.stderr).toContain('--password: must be at least 10 characters');
  });

  it('user add refuses a weak password, naming --password, and creates no organisation', async () => {
    const name = `Weak Org ${Date.now()}`;
    const r = await cli(['user', 'add', '--new-org', name, '--email', `weak.${Date.now()}@test.afterdesk.dev`, '--name', 'Weak', '--role', 'owner', '--password', 'aaaaaaaaaa']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--password: too easy to guess\. /);
    // A control row proves the query sees organisations at all.
    await ctx.services.tenancy.createOrganisation({ name: `${name} control` });
    const orgs = await ctx.platform.db.system((tx) => tx.execute(sql`select name from organisations where name like ${`${name}%`}`));
    expect(orgs.rows).toEqual([{ name: `${name} control` }]);
  });

  it('migrate reports an up-to-date database', async () => {
    const r = await cli(['migrate']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('database is up to date');
  });
});
