import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/helpers/context.js';
import { createTestOrg } from '../../test/helpers/org.js';
import { createLogger, serializeError } from './logger.js';

/** Every line the app logs, as text. */
function captureLogs(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, stream };
}

describe('error logs never carry query values', () => {
  const logs = captureLogs();
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ log: createLogger('info', 'afterdesk', false, logs.stream) });
  });
  afterAll(() => ctx.close());

  it('a request that fails inside an insert logs the failure without the password hash, e-mail or name', async () => {
    const org = await createTestOrg(ctx);
    // A trigger makes the user insert fail for this organisation only, the way a broken
    // constraint or a lost connection would: drizzle then throws with every bound value.
    const admin = new pg.Client({ connectionString: ctx.platform.adminUrl });
    await admin.connect();
    const fn = `test_fail_${org.orgId}`;
    try {
      await admin.query(`create function ${fn}() returns trigger language plpgsql as $$ begin if new.org_id = '${org.orgId}' then raise exception 'insert refused by test'; end if; return new; end $$`);
      await admin.query(`create trigger ${fn} before insert on users for each row execute function ${fn}()`);
      const email = 'secret.person.7731@example.org';
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { cookie: await org.cookie('owner') },
        payload: { email, name: 'Hidden Name Zeta', password: 'a long and unusual passphrase 9913', role: 'agent' },
      });
      expect(res.statusCode).toBe(500);
      const out = logs.lines.join('');
      const line = logs.lines.find((l) => l.includes('unhandled error') && l.includes(res.json().requestId));
      expect(line).toBeDefined();
      expect(line).toContain('insert refused by test');
      expect(out).not.toContain('$argon2');
      expect(out).not.toContain(email);
      expect(out).not.toContain('Hidden Name Zeta');
      expect(out).not.toContain('a long and unusual passphrase 9913');
    } finally {
      await admin.query(`drop trigger if exists ${fn} on users`);
      await admin.query(`drop function if exists ${fn}()`);
      await admin.end();
    }
  });

  it('a data error quoting the bad input and a unique violation keep their code and constraint, not the value', async () => {
    const admin = new pg.Client({ connectionString: ctx.platform.adminUrl });
    await admin.connect();
    try {
      const bad = await admin.query(`select 'tel +447700900123'::int`).catch((e: unknown) => e);
      const s1 = JSON.stringify(serializeError(bad));
      expect(s1).toContain('22P02');
      expect(s1).not.toContain('447700900123');
      await admin.query('create temp table t_unique (phone text unique)');
      await admin.query(`insert into t_unique values ('+447700900124')`);
      const dup = await admin.query(`insert into t_unique values ('+447700900124')`).catch((e: unknown) => e);
      const s2 = JSON.stringify(serializeError(dup));
      expect(s2).toContain('23505');
      expect(s2).toContain('t_unique_phone_key');
      expect(s2).not.toContain('447700900124');
      const withClient = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', client: { connectionParameters: { user: 'postgres', host: '127.0.0.1' } } });
      expect(serializeError(withClient)).not.toHaveProperty('client');
    } finally {
      await admin.end();
    }
  });

  it('request lines keep the path but not the query string (searches name buyers)', async () => {
    const org = await createTestOrg(ctx);
    const res = await ctx.app.inject({ method: 'GET', url: '/api/tickets/search?q=%2B447700900555', headers: { cookie: await org.cookie('agent') } });
    expect(res.statusCode).toBe(200);
    const line = logs.lines.find((l) => l.includes('incoming request') && l.includes('/api/tickets/search'));
    expect(line).toContain('"url":"/api/tickets/search?[redacted]"');
    expect(logs.lines.join('')).not.toContain('447700900555');
  });
});
