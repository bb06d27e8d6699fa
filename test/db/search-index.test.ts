import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { actorFor, createTestOrg, type TestOrg } from '../helpers/org.js';

// Full-text search (issue 20): the GIN indexes carry the organisation (migration 0216), so a search
// finds this organisation's matches inside the index and never reads another organisation's rows.
const clock = new ManualClock('2026-03-03T10:00:00Z');
let ctx: TestContext;
let admin: pg.Client;
beforeAll(async () => {
  ctx = await createTestContext({ clock });
  admin = new pg.Client({ connectionString: (await testDatabase()).adminUrl });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await ctx?.close();
});

async function chat(org: TestOrg, n: number, text: string, buyerName: string): Promise<string> {
  const r = await ctx.services.helpdesk.ingestInbound({
    orgId: org.orgId,
    shopId: org.shopId,
    channel: 'tiktok_chat',
    externalThreadId: `si-thread-${org.orgId}-${n}`,
    externalMessageId: `si-msg-${org.orgId}-${n}`,
    buyer: { externalId: `si-buyer-${org.orgId}-${n}`, name: buyerName },
    direction: 'inbound',
    text,
    sentAt: clock.now().toISOString(),
  });
  return r.ticketId;
}

type PlanNode = { 'Node Type': string; 'Index Name'?: string; 'Index Cond'?: string; 'Actual Rows': number; Plans?: PlanNode[] };
function nodes(n: PlanNode): PlanNode[] {
  return [n, ...(n.Plans ?? []).flatMap(nodes)];
}

/** The plan of the search functions' own query (their body, run as the owner, as they run), for one org. */
async function indexScan(orgId: string, table: 'ticket_messages', word: string): Promise<PlanNode> {
  await admin.query('begin');
  try {
    await admin.query(`select set_config('app.org_id', $1, true), set_config('app.shop_ids', '', true)`, [orgId]);
    // The test database is small enough that reading the whole table is cheapest.
    await admin.query('set local enable_seqscan = off');
    const { rows } = await admin.query(
      `explain (analyze, timing off, format json)
       select x.id, ts_rank(x.search, q) from ${table} x, websearch_to_tsquery('simple', $1) q
       where x.org_id = current_setting('app.org_id', true) and x.search @@ q and afterdesk_shop_visible(x.shop_id)`,
      [word],
    );
    const scans = nodes((rows[0]!['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan).filter((n) => n['Node Type'] === 'Bitmap Index Scan');
    expect(scans).toHaveLength(1);
    return scans[0]!;
  } finally {
    await admin.query('rollback');
  }
}

describe('search indexes carry the organisation', () => {
  it("one org's search takes only its own matches from the index, though another org has more of the same word", async () => {
    const mine = await createTestOrg(ctx);
    const theirs = await createTestOrg(ctx);
    const ticket = await chat(mine, 1, 'Die Zitronenpresse tropft', 'Quastenflosser Eins');
    for (let n = 1; n <= 5; n++) await chat(theirs, n, `Zitronenpresse Nummer ${n} tropft auch`, `Quastenflosser ${n}`);
    // Enough other messages in this org that Postgres prefers a search index to reading all of the
    // org's messages (what it does on a handful of rows).
    await admin.query(
      `insert into ticket_messages (org_id, id, ticket_id, shop_id, kind, direction, channel, author_type, author_name, body, language, attachments, sent_at, created_at)
       select org_id, id || '_f' || g, ticket_id, shop_id, kind, direction, channel, author_type, author_name, 'Noch eine Frage zur Lieferung ' || g, language, attachments, sent_at, created_at
       from ticket_messages, generate_series(1, 3000) g where org_id = $1 and ticket_id = $2`,
      [mine.orgId, ticket],
    );
    await admin.query('analyze ticket_messages');

    const messages = await indexScan(mine.orgId, 'ticket_messages', 'Zitronenpresse');
    expect(messages['Index Name']).toBe('ticket_messages_org_search');
    expect(messages['Index Cond']).toContain('org_id');
    // One message in the index's answer, not six: the other org's five never reach the table.
    expect(messages['Actual Rows']).toBe(1);
    // The filler went through the pending list, which is merged once it passes 256 kB (32 pages,
    // migration 0217): with the server's 4 MB default these 3,000 messages would all still wait there
    // (about 215 pages), and every search reads that list.
    await admin.query('create extension if not exists pgstattuple');
    try {
      const [gin] = (await admin.query(`select pending_pages::int from pgstatginindex('ticket_messages_org_search')`)).rows;
      expect(gin.pending_pages).toBeLessThanOrEqual(32);
    } finally {
      // This worker's database is shared with the files after this one; leave it as the migrations made it.
      await admin.query('drop extension pgstattuple');
    }
    const { rows: opts } = await admin.query(`select relname, reloptions from pg_class where relname in ('ticket_messages_org_search', 'tickets_org_search') order by 1`);
    expect(opts).toEqual([
      { relname: 'ticket_messages_org_search', reloptions: ['gin_pending_list_limit=256'] },
      { relname: 'tickets_org_search', reloptions: ['gin_pending_list_limit=256'] },
    ]);
    const { rows: defs } = await admin.query(`select indexname, indexdef from pg_indexes where tablename in ('tickets', 'ticket_messages') and indexdef like '%USING gin%search%' order by 1`);
    expect(defs.map((d) => [d.indexname, d.indexdef.replace(/^.* USING /, '').replace(/ WITH \(.*\)$/, '')])).toEqual([
      ['ticket_messages_org_search', 'gin (org_id, search)'],
      ['tickets_org_search', 'gin (org_id, search)'],
    ]);

    // And the search itself, through the service, still finds exactly this org's ticket.
    const hits = await ctx.services.helpdesk.search(actorFor(mine, 'agent'), 'Zitronenpresse');
    expect(hits.map((h) => h.ticket.id)).toEqual([ticket]);
    expect(hits[0]!.snippet).toBe('Die «Zitronenpresse» tropft');
    expect((await ctx.services.helpdesk.search(actorFor(theirs, 'agent'), 'Zitronenpresse')).length).toBe(5);
  });
});
