import fs from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { testDatabase } from '../helpers/db.js';

/**
 * Migration 0104 first brings an installation's existing claims to the one-organisation rule.
 * Its fix-up statements run here against the state the old rules allowed (the new constraints
 * dropped inside a transaction that is rolled back).
 */
describe('migration 0104 on data the old rules allowed', () => {
  it('keeps only claims an authorisation backs, one organisation per TikTok shop (active first, then the oldest)', async () => {
    const sqlText = fs.readFileSync('migrations/0104_tiktok_shop_binding.sql', 'utf8');
    const fixUp = sqlText.slice(0, sqlText.indexOf('alter table shops drop constraint shops_tiktok_unique;'));
    expect(fixUp).toContain('delete from tiktok_connections');
    const c = new pg.Client({ connectionString: (await testDatabase()).adminUrl });
    await c.connect();
    try {
      await c.query('begin');
      await c.query('alter table shops drop constraint shops_tiktok_shop_unique');
      await c.query('alter table tiktok_connections drop constraint tiktok_connections_tiktok_shop_unique');
      const t = `m${Date.now()}`;
      for (const org of ['a', 'b', 'c']) {
        await c.query(`insert into organisations (org_id, name) values ($1, $1)`, [`${t}_${org}`]);
        await c.query(`insert into brands (org_id, id, name) values ($1, $2, 'b')`, [`${t}_${org}`, `${t}_${org}_brd`]);
      }
      const shop = (org: string, id: string, tiktok: string | null) =>
        c.query(`insert into shops (org_id, id, brand_id, name, market, currency, time_zone, languages, business_hours, return_policy, tiktok_shop_id) values ($1, $2, $3, $2, 'DE', 'EUR', 'Europe/Berlin', '{de}', '{}', '{}', $4)`, [`${t}_${org}`, `${t}_${id}`, `${t}_${org}_brd`, tiktok]);
      const conn = (org: string, shopId: string, tiktok: string, status: string, createdAt: string) =>
        c.query(
          `insert into tiktok_connections (org_id, id, shop_id, tiktok_shop_id, shop_cipher, access_token_enc, access_expires_at, refresh_token_enc, refresh_expires_at, status, created_at) values ($1, $2, $3, $4, 'c', 'x', now(), 'x', now(), $5, $6)`,
          [`${t}_${org}`, `${t}_${shopId}_ttc`, `${t}_${shopId}`, tiktok, status, createdAt],
        );
      const X = `${t}X`, Y = `${t}Y`, Z = `${t}Z`, W = `${t}W`;
      await shop('a', 'a1', X); // typed in, never authorised: the capture
      await shop('b', 'b1', X);
      await conn('b', 'b1', X, 'active', '2026-02-01T00:00:00Z');
      await shop('c', 'c1', X);
      await conn('c', 'c1', X, 'revoked', '2026-01-01T00:00:00Z'); // older, but revoked
      await shop('a', 'a2', Y);
      await conn('a', 'a2', Z, 'active', '2026-01-01T00:00:00Z'); // tokens for another TikTok shop than the one named
      await shop('b', 'b2', W);
      await conn('b', 'b2', W, 'needs_reauthorisation', '2026-01-01T00:00:00Z');

      await c.query(fixUp);
      const shops = await c.query(`select id, tiktok_shop_id from shops where id like $1 order by id`, [`${t}_%`]);
      expect(shops.rows).toEqual([
        { id: `${t}_a1`, tiktok_shop_id: null },
        { id: `${t}_a2`, tiktok_shop_id: null },
        { id: `${t}_b1`, tiktok_shop_id: X },
        { id: `${t}_b2`, tiktok_shop_id: W },
        { id: `${t}_c1`, tiktok_shop_id: null },
      ]);
      const conns = await c.query(`select shop_id, tiktok_shop_id, status from tiktok_connections where shop_id like $1 order by shop_id`, [`${t}_%`]);
      expect(conns.rows).toEqual([
        { shop_id: `${t}_b1`, tiktok_shop_id: X, status: 'active' },
        { shop_id: `${t}_b2`, tiktok_shop_id: W, status: 'needs_reauthorisation' },
      ]);
    } finally {
      await c.query('rollback').catch(() => undefined);
      await c.end();
    }
  });
});
