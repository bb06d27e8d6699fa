/**
 * The brand scope holds for raw SQL as the app role: with `app.shop_ids` set, shop-owned tables
 * (and the child tables that got a shop_id from their parent) show and accept only that scope's
 * rows, whatever the query says; the security-definer search functions apply it too.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInShopScope } from '../../src/platform/scope.js';
import { sql } from 'drizzle-orm';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { addBrand, createTestOrg, type TestOrg } from '../helpers/org.js';
import { seedOrder, seedTicket } from '../helpers/returns.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const SCOPED_TABLES = ['shops', 'brands', 'orders', 'order_lines', 'buyers', 'tickets', 'ticket_threads', 'ticket_messages', 'evidence_records'];

describe('brand scope at the database', () => {
  it('raw queries see and write only the scope’s shops; unscoped work sees all', async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    const b = await addBrand(ctx, org, { market: 'FR' });
    const orgB: TestOrg = { ...org, brandId: b.brandId, shopId: b.shopId };
    const oa = await seedOrder(ctx, org, { lines: [{ unitPrice: 1000 }] });
    const ob = await seedOrder(ctx, orgB, { lines: [{ unitPrice: 1000 }] });
    const ta = await seedTicket(ctx, org, oa.orderId, 'Kratzer am Gehäuse nordlicht');
    const tb = await seedTicket(ctx, orgB, ob.orderId, 'Rayure sur le boîtier nordlicht');

    const client = new pg.Client({ connectionString: (await testDatabase()).appUrl });
    await client.connect();
    const q = async (text: string, params: unknown[] = []) => (await client.query(text, params)).rows;
    try {
      await client.query('begin');
      await q(`select set_config('app.org_id', $1, true)`, [org.orgId]);
      // Unscoped: both shops' rows.
      expect((await q('select id from tickets order by id')).map((r) => r.id)).toEqual([ta, tb].sort());
      const unscoped: Record<string, number> = {};
      for (const t of SCOPED_TABLES) unscoped[t] = (await q(`select count(*)::int as n from ${t}`))[0].n;

      await q(`select set_config('app.shop_ids', $1, true)`, [`{"${org.shopId}"}`]);
      expect((await q('select id from shops')).map((r) => r.id)).toEqual([org.shopId]);
      expect((await q('select id from brands')).map((r) => r.id)).toEqual([org.brandId]);
      expect((await q('select id from tickets')).map((r) => r.id)).toEqual([ta]);
      expect((await q('select distinct ticket_id from ticket_messages')).map((r) => r.ticket_id)).toEqual([ta]);
      expect((await q('select id from orders')).map((r) => r.id)).toEqual([oa.orderId]);
      expect((await q('select distinct order_id from order_lines')).map((r) => r.order_id)).toEqual([oa.orderId]);
      expect((await q('select count(*)::int as n from buyers'))[0].n).toBe(1);
      // Asking for the other shop by id, or with a join, finds nothing.
      expect(await q('select id from tickets where id = $1', [tb])).toEqual([]);
      expect(await q('select m.id from ticket_messages m join tickets t on t.org_id = m.org_id and t.id = m.ticket_id where t.shop_id = $1', [b.shopId])).toEqual([]);
      // The search functions run below row-level security and apply the scope themselves.
      expect((await q(`select ticket_id from afterdesk_search_messages(to_tsquery('simple', 'nordlicht'), 50)`)).map((r) => r.ticket_id)).toEqual([ta]);
      expect((await q(`select ticket_id from afterdesk_search_tickets(to_tsquery('simple', 'nordlicht'), 50)`)).map((r) => r.ticket_id)).toEqual(
        (await q(`select id as ticket_id from tickets where search @@ to_tsquery('simple', 'nordlicht')`)).map((r) => r.ticket_id),
      );
      for (const t of SCOPED_TABLES) expect((await q(`select count(*)::int as n from ${t}`))[0].n, t).toBeLessThan(unscoped[t]!);
      // Updates and deletes of the other shop's rows touch nothing.
      expect((await client.query(`update tickets set subject = 'x' where id = $1`, [tb])).rowCount).toBe(0);
      expect((await client.query(`delete from ticket_messages where ticket_id = $1`, [tb])).rowCount).toBe(0);
      // Writing a row into the other shop is refused by the policy.
      await client.query('savepoint s');
      await expect(
        q(`insert into ticket_messages (org_id, id, ticket_id, kind, direction, channel, author_type, body, sent_at, created_at) values ($1, 'msg_scope_test', $2, 'note', 'outbound', 'email', 'user', 'peek', now(), now())`, [org.orgId, tb]),
      ).rejects.toThrow(/row-level security/);
      await client.query('rollback to savepoint s');
      // An empty scope sees no shop at all.
      await q(`select set_config('app.shop_ids', '{-}', true)`);
      expect(await q('select id from tickets')).toEqual([]);
      await client.query('rollback');
    } finally {
      await client.end();
    }
  });

  it('Database.tenant() inside runInShopScope sets the scope; outside it the whole organisation', async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    const b = await addBrand(ctx, org, { market: 'FR' });
    await seedTicket(ctx, org, (await seedOrder(ctx, org, { lines: [{ unitPrice: 1000 }] })).orderId, 'a');
    await seedTicket(ctx, { ...org, shopId: b.shopId }, (await seedOrder(ctx, { ...org, shopId: b.shopId }, { lines: [{ unitPrice: 1000 }] })).orderId, 'b');
    const count = () => ctx.platform.db.tenant(org.orgId, async (tx) => ((await tx.execute(sql`select count(*)::int as n from tickets`)).rows[0] as { n: number }).n);
    expect(await count()).toBe(2);
    expect(await runInShopScope([b.shopId], async () => {
      await new Promise((r) => setTimeout(r, 5));
      return count();
    })).toBe(1);
    expect(await runInShopScope([], count)).toBe(0);
    expect(await count()).toBe(2);
  });
});
