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

/** A search function's rows, run as the app runs it (as the owner, the organisation and brand scope set). */
async function searchFn(orgId: string, fn: 'messages' | 'tickets', word: string, maxRows: number, shopIds = ''): Promise<string[]> {
  await admin.query('begin');
  try {
    await admin.query(`select set_config('app.org_id', $1, true), set_config('app.shop_ids', $2, true)`, [orgId, shopIds]);
    const col = fn === 'messages' ? 'message_id' : 'ticket_id';
    const { rows } = await admin.query(`select ${col} as id from afterdesk_search_${fn}(to_tsquery('simple', $1), $2)`, [word, maxRows]);
    return rows.map((r) => r.id as string);
  } finally {
    await admin.query('rollback');
  }
}

/** The organisation's matches, newest id first: what the functions should rank. */
async function newest(orgId: string, table: 'ticket_messages' | 'tickets', word: string, n: number): Promise<string[]> {
  const { rows } = await admin.query(`select id from ${table} where org_id = $1 and search @@ to_tsquery('simple', $2) order by id desc limit $3`, [orgId, word, n]);
  return rows.map((r) => r.id as string);
}

describe('search ranks the newest matches (migration 0268)', () => {
  it('messages: a common word from the newest rows, a less common one read further back, a rare one from the index, all in the brand scope', async () => {
    const org = await createTestOrg(ctx);
    const ticket = await chat(org, 1, 'Frage zur Lieferung', 'Kormoran Eins');
    // 3,000 messages newer than the chat (their ids sort after any ULID), in id order as an installation
    // grows: every 4th about a copper kettle (750), every 10th a tin cup (300), every 40th a brass knob (75).
    await admin.query(
      `insert into ticket_messages (org_id, id, ticket_id, shop_id, kind, direction, channel, author_type, author_name, body, language, attachments, sent_at, created_at)
       select org_id, 'msg_z' || lpad(g::text, 5, '0'), ticket_id, shop_id, kind, direction, channel, author_type, author_name,
         concat_ws(' ', 'Nachricht', g, case when g % 4 = 0 then 'Kupferkessel' end, case when g % 10 = 0 then 'Zinnbecher' end, case when g % 40 = 0 then 'Messingknauf' end),
         language, attachments, sent_at, created_at
       from ticket_messages, generate_series(1, 3000) g where org_id = $1 and ticket_id = $2`,
      [org.orgId, ticket],
    );
    await admin.query('analyze ticket_messages');

    // Found among the newest 200 (50 of them match): exactly the newest 40, newest first.
    const kettle40 = await searchFn(org.orgId, 'messages', 'kupferkessel', 40);
    expect(kettle40).toEqual(await newest(org.orgId, 'ticket_messages', 'kupferkessel', 40));
    expect(kettle40[0]).toBe('msg_z03000');
    // 100 asks for more than the probe found: reading goes on below it, still exactly the newest.
    expect(await searchFn(org.orgId, 'messages', 'kupferkessel', 100)).toEqual(await newest(org.orgId, 'ticket_messages', 'kupferkessel', 100));
    // One in ten: 20 in the probe, the next 80 from reading on (1,200 rows at most).
    const cups = await searchFn(org.orgId, 'messages', 'zinnbecher', 100);
    expect(cups).toEqual(await newest(org.orgId, 'ticket_messages', 'zinnbecher', 100));
    expect(cups.at(-1)).toBe('msg_z02010');
    // One in forty, 75 in all: too rare to read on; the index adds the 70 older ones.
    const knobs = await searchFn(org.orgId, 'messages', 'messingknauf', 100);
    expect([...knobs].sort()).toEqual([...(await newest(org.orgId, 'ticket_messages', 'messingknauf', 100))].sort());
    expect(knobs).toHaveLength(75);
    // Asked for 20: the probe's 5 newest, then 15 older ones from the index, none twice.
    const knobs20 = await searchFn(org.orgId, 'messages', 'messingknauf', 20);
    expect(knobs20.slice(0, 5)).toEqual(['msg_z03000', 'msg_z02960', 'msg_z02920', 'msg_z02880', 'msg_z02840']);
    expect(new Set(knobs20).size).toBe(20);
    expect(knobs20.slice(5).every((id) => id < 'msg_z02840' && Number(id.slice(5)) % 40 === 0)).toBe(true);
    // A word only the chat's own message has: not in the probe, found in the index.
    const [chatMessage] = (await admin.query(`select id from ticket_messages where org_id = $1 and id not like 'msg_z%'`, [org.orgId])).rows;
    expect(await searchFn(org.orgId, 'messages', 'frage', 100)).toEqual([chatMessage.id]);
    // The brand scope applies in every step: another shop's agent sees none of them.
    expect(await searchFn(org.orgId, 'messages', 'kupferkessel', 40, '{shop_of_another_brand}')).toEqual([]);
    expect(await searchFn(org.orgId, 'messages', 'messingknauf', 20, '{shop_of_another_brand}')).toEqual([]);
    expect(await searchFn(org.orgId, 'messages', 'kupferkessel', 40, `{${org.shopId}}`)).toEqual(kettle40);
  });

  it('tickets: the newest matching tickets, and a rare word from the index', async () => {
    const org = await createTestOrg(ctx);
    // 600 tickets in id order: every 3rd about a copper kettle (200), every 100th about a brass knob (6).
    await admin.query(
      `insert into tickets (org_id, id, number, shop_id, channel, external_thread_id, subject, created_at, updated_at)
       select $1, 'tkt_z' || lpad(g::text, 5, '0'), 100000 + g, $2, 'email', 'si-newest-' || g,
         concat_ws(' ', 'Anfrage', g, case when g % 3 = 0 then 'Kupferkessel' end, case when g % 100 = 0 then 'Messingknauf' end), now(), now()
       from generate_series(1, 600) g`,
      [org.orgId, org.shopId],
    );
    await admin.query('analyze tickets');
    const top50 = await searchFn(org.orgId, 'tickets', 'kupferkessel', 50);
    expect(top50).toEqual(await newest(org.orgId, 'tickets', 'kupferkessel', 50));
    expect(top50[0]).toBe('tkt_z00600');
    expect(await searchFn(org.orgId, 'tickets', 'kupferkessel', 150)).toEqual(await newest(org.orgId, 'tickets', 'kupferkessel', 150));
    expect([...(await searchFn(org.orgId, 'tickets', 'messingknauf', 50))].sort()).toEqual(['tkt_z00100', 'tkt_z00200', 'tkt_z00300', 'tkt_z00400', 'tkt_z00500', 'tkt_z00600']);
    expect(await searchFn(org.orgId, 'tickets', 'kupferkessel', 50, '{shop_of_another_brand}')).toEqual([]);
  });
});
