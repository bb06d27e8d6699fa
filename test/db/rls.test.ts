import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { createTestOrg } from '../helpers/org.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

describe('row-level security', () => {
  it('the app role sees nothing without an organisation, and only its own with one', async () => {
    const a = await createTestOrg(ctx);
    const b = await createTestOrg(ctx);
    const client = new pg.Client({ connectionString: (await testDatabase()).appUrl });
    await client.connect();
    try {
      const role = await client.query('select rolsuper, rolbypassrls from pg_roles where rolname = current_user');
      expect(role.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
      expect((await client.query('select count(*)::int as n from shops')).rows[0].n).toBe(0);
      await client.query('begin');
      await client.query(`select set_config('app.org_id', $1, true)`, [a.orgId]);
      const shops = await client.query('select id from shops');
      expect(shops.rows.map((r) => r.id)).toEqual([a.shopId]);
      const users = await client.query('select org_id from users');
      expect(new Set(users.rows.map((r) => r.org_id))).toEqual(new Set([a.orgId]));
      // Writing a row for another organisation is refused by the policy's WITH CHECK.
      await expect(client.query(`insert into brands (org_id, id, name) values ($1, 'brd_x', 'x')`, [b.orgId])).rejects.toThrow(/row-level security/);
      await client.query('rollback');
    } finally {
      await client.end();
    }
  });

  it('Database.tenant(): begin and settings in one round trip set the values verbatim; a throw rolls back, a savepoint keeps the rest', async () => {
    const a = await createTestOrg(ctx);
    const db = ctx.platform.db;
    // Quotes and backslashes reach the setting unchanged (escaped literals, never raw text).
    const odd = `org_'x\\y";--`;
    const seen = await db.tenant(odd, async (tx) => (await tx.execute(sql`select current_setting('app.org_id') as v, (select count(*)::int from shops) as n`)).rows[0]);
    expect(seen).toEqual({ v: odd, n: 0 });
    const name = `rollback-probe-${a.orgId}`;
    await expect(
      db.tenant(a.orgId, async (tx) => {
        await tx.execute(sql`update shops set name = ${name} where org_id = ${a.orgId} and id = ${a.shopId}`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await db.tenant(a.orgId, async (tx) => {
      await tx.execute(sql`update brands set name = 'kept' where org_id = ${a.orgId}`);
      await tx.transaction(async (inner) => {
        await inner.execute(sql`update shops set name = ${name} where org_id = ${a.orgId} and id = ${a.shopId}`);
        inner.rollback();
      }).catch(() => undefined);
    });
    const after = await db.tenant(a.orgId, async (tx) => (await tx.execute(sql`select (select name from shops where org_id = ${a.orgId} and id = ${a.shopId}) as shop, (select min(name) from brands where org_id = ${a.orgId}) as brand`)).rows[0]);
    expect(after).toMatchObject({ brand: 'kept' });
    expect((after as { shop: string }).shop).not.toBe(name);
    // The pool is whole afterwards: no connection was left inside a transaction.
    expect(await db.tenant(a.orgId, async (tx) => (await tx.execute(sql`select current_setting('app.org_id') as v`)).rows[0])).toEqual({ v: a.orgId });
  });
});
