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
});
