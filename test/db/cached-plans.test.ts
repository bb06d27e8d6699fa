import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { cachedPlansOpen, createPool, Database } from '../../src/platform/db.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testDatabase } from '../helpers/db.js';
import { actorFor, createTestOrg } from '../helpers/org.js';

// Cached plans (issue 20): the hot write transactions may let Postgres reuse generic plans, but only
// while the tables' statistics show a grown database; everything else keeps custom plans.
const clock = new ManualClock('2026-02-02T09:00:00Z');
let ctx: TestContext;
let admin: pg.Client;
const extra: Database[] = [];
beforeAll(async () => {
  ctx = await createTestContext({ clock, env: { DB_CACHED_PLANS: 'on' } });
  admin = new pg.Client({ connectionString: (await testDatabase()).adminUrl });
  await admin.connect();
});
afterAll(async () => {
  for (const d of extra) await d.close();
  await admin?.end();
  await ctx?.close();
});

async function database(options: ConstructorParameters<typeof Database>[1], poolSize = 1): Promise<Database> {
  const d = new Database(createPool((await testDatabase()).appUrl, poolSize), options);
  extra.push(d);
  return d;
}

type Prepared = { statement: string; generic_plans: number; custom_plans: number };

/** Every connection's prepared statements (all of the pool's connections, checked out together). */
async function preparedStatements(pool: pg.Pool): Promise<Prepared[]> {
  const clients = await Promise.all(Array.from({ length: pool.totalCount }, () => pool.connect()));
  try {
    const rows = await Promise.all(clients.map((c) => c.query<Prepared>('select statement, generic_plans::int, custom_plans::int from pg_prepared_statements')));
    return rows.flatMap((r) => r.rows);
  } finally {
    for (const c of clients) c.release();
  }
}

async function ingest(org: { orgId: string; shopId: string }, n: number): Promise<string> {
  const r = await ctx.services.helpdesk.ingestInbound({
    orgId: org.orgId,
    shopId: org.shopId,
    channel: 'tiktok_chat',
    externalThreadId: `cp-thread-${n}`,
    externalMessageId: `cp-msg-${n}`,
    buyer: { externalId: `cp-buyer-${n}` },
    direction: 'inbound',
    text: `Wo bleibt meine Bestellung ${n}?`,
    sentAt: clock.now().toISOString(),
  });
  return r.ticketId;
}

describe('cached plans: the rule', () => {
  it('opens only when every watched table is analysed at a real size and no table outgrew its statistics', () => {
    expect(cachedPlansOpen({ watched: 2, matureWatched: 2, outgrown: 0 })).toBe(true);
    expect(cachedPlansOpen({ watched: 2, matureWatched: 1, outgrown: 0 })).toBe(false);
    expect(cachedPlansOpen({ watched: 2, matureWatched: 2, outgrown: 1 })).toBe(false);
    // Nothing watched: nobody asked, nothing is known.
    expect(cachedPlansOpen({ watched: 0, matureWatched: 0, outgrown: 0 })).toBe(false);
  });

  it('watches every table the cached-plan transactions grow through: tickets, messages, SLA rows and clocks, outbox steps', () => {
    // A table left out could be empty while the others are mature: its look-ups and the foreign-key
    // checks into it would keep a generic plan made for an empty table (a scan) as it grows.
    expect(ctx.platform.db.cachedPlans.watching()).toEqual(['outbox', 'sla_clock_events', 'sla_clocks', 'sla_tickets', 'ticket_messages', 'tickets']);
  });
});

describe('cached plans: the transaction', () => {
  it('a transaction that asks gets plan_cache_mode=auto and names its repeated statements; the rest keep custom plans', async () => {
    const org = await createTestOrg(ctx);
    const db = await database({ cachedPlans: 'on' });
    const count = (cachedPlans: boolean, table: 'tickets' | 'ticket_messages') =>
      db.tenant(org.orgId, async (tx) => (await tx.execute(sql`select count(*)::int as n, current_setting('plan_cache_mode') as mode from ${sql.identifier(table)} where org_id = ${org.orgId}`)).rows[0], { cachedPlans });
    for (let i = 0; i < 12; i++) expect(await count(true, 'tickets')).toEqual({ n: 0, mode: 'auto' });
    for (let i = 0; i < 12; i++) expect(await count(false, 'ticket_messages')).toEqual({ n: 0, mode: 'force_custom_plan' });
    const prepared = await preparedStatements(db.pool);
    // Named from the fourth run: nine runs, the first five planned with their values, then generic.
    const tickets = prepared.filter((p) => p.statement.includes('from "tickets"'));
    expect(tickets).toHaveLength(1);
    expect(tickets[0]!.custom_plans + tickets[0]!.generic_plans).toBe(9);
    expect(tickets[0]!.generic_plans).toBeGreaterThan(0);
    // The transaction that did not ask named nothing.
    expect(prepared.filter((p) => p.statement.includes('ticket_messages'))).toEqual([]);
  });

  it("'off' never gives them, whatever the transaction asks", async () => {
    const org = await createTestOrg(ctx);
    const db = await database({ cachedPlans: 'off' });
    for (let i = 0; i < 8; i++) {
      const [r] = (await db.tenant(org.orgId, (tx) => tx.execute(sql`select current_setting('plan_cache_mode') as mode, ${org.orgId}::text as org`), { cachedPlans: true })).rows;
      expect(r).toEqual({ mode: 'force_custom_plan', org: org.orgId });
    }
    expect(await preparedStatements(db.pool)).toEqual([]);
  });
});

describe("cached plans: 'auto' reads the statistics", () => {
  it('closed on a young table, open once it is analysed at a real size, closed again while a table outgrows its statistics', async () => {
    const org = await createTestOrg(ctx);
    const db = await database({ cachedPlans: 'auto', matureRows: 5, recheckMs: 3_600_000 });
    const mode = async () => (await db.tenant(org.orgId, (tx) => tx.execute(sql`select current_setting('plan_cache_mode') as mode`), { cachedPlans: true })).rows[0]!.mode;
    // Nothing watched yet.
    await db.cachedPlans.check();
    expect(db.cachedPlans.isOpen()).toBe(false);

    db.cachedPlans.watch(['tickets']);
    await admin.query('analyze');
    await db.cachedPlans.check();
    expect(db.cachedPlans.isOpen()).toBe(false); // no tickets yet
    const before = { ...db.cachedPlans.answers };
    expect(await mode()).toBe('force_custom_plan');
    // Each transaction that asks is counted with the answer it got (the write-path bench reports them).
    expect(db.cachedPlans.answers).toEqual({ open: before.open, closed: before.closed + 1 });

    for (let n = 1; n <= 6; n++) await ingest(org, n);
    await db.cachedPlans.check();
    expect(db.cachedPlans.isOpen()).toBe(false); // six tickets, not analysed yet
    await admin.query('analyze');
    await db.cachedPlans.check();
    expect(db.cachedPlans.isOpen()).toBe(true);
    const opened = { ...db.cachedPlans.answers };
    expect(await mode()).toBe('auto');
    expect(db.cachedPlans.answers).toEqual({ open: opened.open + 1, closed: opened.closed });

    // Any table of the schema that grew past its statistics (here a scratch table autovacuum leaves
    // alone, analysed empty, then given 1,500 rows) closes the gate until it is analysed.
    await admin.query('create table cp_scratch (id int) with (autovacuum_enabled = false)');
    await admin.query('analyze cp_scratch');
    await admin.query('insert into cp_scratch select generate_series(1, 1500)');
    // A backend hands its counters to the shared statistics at most once a second unless told to.
    await admin.query('select pg_stat_force_next_flush()');
    await db.cachedPlans.check();
    expect(db.cachedPlans.isOpen()).toBe(false);
    expect(await mode()).toBe('force_custom_plan');
    await admin.query('analyze cp_scratch');
    await db.cachedPlans.check();
    expect(db.cachedPlans.isOpen()).toBe(true);

    // A small table updated often (an organisation's evidence head, its ticket counter) has changed by
    // far more rows than it holds between two ANALYZEs, but has not grown: its plans still fit, and
    // the gate stays open (a rule that counted changes closed it here).
    await admin.query('create table cp_hot (id int primary key, n int) with (autovacuum_enabled = false)');
    await admin.query('insert into cp_hot values (1, 0)');
    await admin.query('analyze cp_hot');
    await admin.query(`do $$ begin for i in 1..1500 loop update cp_hot set n = n + 1 where id = 1; end loop; end $$`);
    await admin.query('select pg_stat_force_next_flush()');
    expect(Number((await admin.query(`select n_mod_since_analyze from pg_stat_user_tables where relname = 'cp_hot'`)).rows[0].n_mod_since_analyze)).toBeGreaterThan(1000);
    await db.cachedPlans.check();
    expect(db.cachedPlans.isOpen()).toBe(true);
    await admin.query('drop table cp_scratch, cp_hot');
  });
});

describe('cached plans: the helpdesk write path on them', () => {
  it('new tickets and replies on generic plans leave the same rows: numbers, clocks, one outbox step per reply, a chain that verifies', async () => {
    const org = await createTestOrg(ctx);
    const agent = actorFor(org, 'agent');
    const { helpdesk, sla, evidence } = ctx.services;
    const ids: string[] = [];
    for (let n = 1; n <= 10; n++) ids.push(await ingest(org, 100 + n));
    for (const [i, id] of ids.entries()) {
      const sent = await helpdesk.reply(agent, id, { text: `Sie ist unterwegs (${i}).`, status: 'waiting_on_buyer', clientKey: `cp-reply-${i}` });
      expect(sent.ticket).toMatchObject({ status: 'waiting_on_buyer', messageCount: 2 });
      // A retried submit is the same reply, not a second one.
      const again = await helpdesk.reply(agent, id, { text: `Sie ist unterwegs (${i}).`, status: 'waiting_on_buyer', clientKey: `cp-reply-${i}` });
      expect(again.outboxId).toBe(sent.outboxId);
    }
    const numbers = await Promise.all(ids.map(async (id) => (await helpdesk.getTicket(agent, id)).ticket.number));
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const clocks = await sla.getClocks(agent, ids[9]!);
    expect(clocks.map((c) => [c.metric, c.state])).toEqual([
      ['first_reply', 'stopped'],
      ['resolution', 'paused'],
    ]);
    const steps = await ctx.platform.db.system(async (tx) => (await tx.execute(sql`select count(*)::int as n from outbox where org_id = ${org.orgId} and subject_type = 'ticket_message'`)).rows);
    expect(steps).toEqual([{ n: 10 }]);
    expect(await evidence.verify(org.orgId, { checkFiles: false })).toMatchObject({ ok: true, broken: null });

    // And they did run on generic plans: the ticket's lock, among others.
    const prepared = await preparedStatements(ctx.platform.db.pool);
    const lock = prepared.filter((p) => /from "tickets" where .* for update$/.test(p.statement));
    expect(lock.reduce((s, p) => s + p.generic_plans, 0)).toBeGreaterThan(0);
  });
});

describe('cached plans: search on them', () => {
  it('answers every search alike on its generic plan: the same tickets, ranks and snippets as the first runs', async () => {
    const org = await createTestOrg(ctx);
    const agent = actorFor(org, 'agent');
    const ids: string[] = [];
    for (let n = 1; n <= 4; n++) ids.push(await ingest(org, 200 + n));
    const words = ['Bestellung', 'bestellung 203', 'Paket', '"meine Bestellung"'];
    const first = await Promise.all(words.map((w) => ctx.services.helpdesk.search(agent, w, 10)));
    expect(first.map((hits) => hits.length)).toEqual([4, 1, 0, 4]);
    expect(first[1]![0]!.ticket.id).toBe(ids[2]);
    expect(first[1]![0]!.snippet).toBe('Wo bleibt meine «Bestellung» «203»?');
    for (let round = 0; round < 3; round++) {
      for (const [i, w] of words.entries()) expect(await ctx.services.helpdesk.search(agent, w, 10)).toEqual(first[i]);
    }
    const prepared = await preparedStatements(ctx.platform.db.pool);
    const search = prepared.filter((p) => p.statement.includes('afterdesk_search_messages'));
    expect(search.reduce((s, p) => s + p.generic_plans, 0)).toBeGreaterThan(0);
  });
});
