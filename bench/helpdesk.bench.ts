import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/app/config.js';
import { compose } from '../src/app/compose.js';
import { createPlatform } from '../src/app/deps.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { silentLogger } from '../src/platform/logger.js';
import type { Actor } from '../src/platform/tenancy.js';
import { printComparison, sample, type BenchContext } from './harness.js';

/**
 * Helpdesk at size: 1M tickets and 5M messages (× BENCH_SCALE) in one organisation, 50 agents.
 * Measures the two screens agents live in — "my queue sorted by SLA due" and "open a ticket with
 * its thread + sidebar" — through the real service (RLS transaction included), each against a
 * bare primary-key SELECT on the same pool in the same run.
 */
const AGENTS = 50;

const SUBJECTS = [
  'Where is my order?',
  'Kopfhörer defekt angekommen',
  'Colis non reçu',
  'Taglia sbagliata',
  '¿Dónde está mi pedido?',
  'Wrong colour',
  'Return request for speaker',
  'Kette angelaufen',
];
const BODIES: [string, string][] = [
  ['en', 'Hi, my order has not arrived yet and the tracking has not moved for a week. Can you check please?'],
  ['de', 'Hallo, die Kopfhörer sind kaputt angekommen, der linke Lautsprecher ist stumm. Was kann ich tun?'],
  ['fr', "Bonjour, je n'ai toujours pas reçu mon colis, le suivi ne bouge plus depuis cinq jours."],
  ['it', 'Ciao, la taglia è sbagliata, vorrei cambiarla con una più piccola. Come devo fare?'],
  ['es', 'Hola, el color no es el mismo que en la foto del directo. ¿Puedo devolverlo?'],
  ['en', 'Thanks for your patience, we have asked the carrier and will update you tomorrow.'],
  ['de', 'Vielen Dank, wir haben einen Ersatz verschickt. Die Sendungsnummer folgt per Nachricht.'],
];
const sqlArray = (xs: string[]) => `array[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]::text[]`;

export default async function helpdeskBench(ctx: BenchContext): Promise<void> {
  const nTickets = Math.max(10_000, Math.round(1_000_000 * ctx.scale));
  const nMessages = nTickets * 5;
  const iterations = Math.max(500, Math.round(2000 * Math.min(1, ctx.scale * 2)));
  const dbs = await ctx.database('bench_helpdesk');
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: dbs.adminUrl, APP_DATABASE_URL: dbs.appUrl, LOG_LEVEL: 'silent' });
  const db = new Database(createPool(dbs.appUrl, 4));
  const platform = createPlatform({ config, db, adminUrl: dbs.adminUrl, clock: systemClock, ids: newId, log: silentLogger, jobs: undefined, secretKey: Buffer.alloc(32, 1) });
  const s = compose(platform);
  const admin = new pg.Client({ connectionString: dbs.adminUrl });
  await admin.connect();
  try {
    const org = await s.tenancy.createOrganisation({ name: 'Bench seller' });
    const agents: string[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const u = await s.auth.createUserInOrg(org.orgId, { email: `agent${i}@bench.afterdesk.dev`, name: `Agent ${i}`, password: 'bench-password-1', role: 'agent', languages: ['en', 'de'] });
      agents.push(u.id);
    }
    const owner: Actor = { orgId: org.orgId, userId: agents[0]!, role: 'owner' };
    const brand = await s.tenancy.createBrand(owner, { name: 'Bench brand' });
    const shop = await s.tenancy.createShop(owner, { brandId: brand.id, name: 'Bench DE', market: 'DE' });

    ctx.log(`  generating ${nTickets.toLocaleString('en')} tickets and ${nMessages.toLocaleString('en')} messages (BENCH_SCALE=${ctx.scale}) …`);
    const t0 = performance.now();
    await admin.query(`set synchronous_commit = off; set maintenance_work_mem = '256MB'`);
    // Full-text indexes are built once after the load: maintaining GIN row by row is the slow path.
    await admin.query('drop index ticket_messages_org_search; drop index tickets_org_search');
    const chunk = 250_000;
    for (let a = 1; a <= nTickets; a += chunk) {
      const b = Math.min(nTickets, a + chunk - 1);
      // 30 % of tickets are live (spread over the five open statuses); the rest solved or closed.
      await admin.query(
        `insert into tickets (org_id, id, number, shop_id, channel, external_thread_id, buyer_external_id, buyer_name, subject, status, priority, language,
           tags, assignee_id, queue, sla_due_at, message_count, last_message_at, last_message_preview, created_at, updated_at)
         select $1, 'tkt_b' || lpad(g::text, 21, '0'), g, $2,
           (array['tiktok_chat','email','whatsapp','tiktok_return_request','livestream','video_comment'])[1 + g % 6],
           'thr-' || g, 'buyer-' || (g % 200000), 'Buyer ' || (g % 200000),
           (${sqlArray(SUBJECTS)})[1 + g % ${SUBJECTS.length}],
           case when g % 10 < 3 then (array['new','open','waiting_on_buyer','waiting_on_warehouse','waiting_on_platform'])[1 + (g / 10) % 5]
                when g % 10 < 8 then 'closed' else 'solved' end,
           (array['low','normal','normal','high','urgent'])[1 + g % 5],
           (array['en','de','fr','it','es'])[1 + g % 5],
           case when g % 7 = 0 then array['damaged'] else '{}'::text[] end,
           case when g % 13 = 0 then null else ($3::text[])[1 + ((g * 2654435761) % 4294967296) % ${AGENTS}] end,
           (array['general','general','returns','livestream'])[1 + g % 4],
           case when g % 10 < 3 and (g / 10) % 5 <> 2 then now() + ((g * 7919) % 4320) * interval '1 minute' else null end,
           5, now() - (g % 100000) * interval '1 minute', 'Hi, my order has not arrived yet…',
           now() - (g % 100000) * interval '1 minute', now()
         from generate_series($4::bigint, $5::bigint) g`,
        [org.orgId, shop.id, agents, a, b],
      );
    }
    await admin.query(`insert into ticket_counters (org_id, id, value) values ($1, 'tickets', $2)`, [org.orgId, nTickets]);
    for (let a = 1; a <= nMessages; a += chunk) {
      const b = Math.min(nMessages, a + chunk - 1);
      await admin.query(
        `insert into ticket_messages (org_id, id, ticket_id, kind, direction, channel, author_type, author_name, body, language, attachments, sent_at, created_at)
         select $1, 'msg_b' || lpad(g::text, 21, '0'), 'tkt_b' || lpad((1 + (g - 1) / 5)::text, 21, '0'),
           case when g % 5 = 4 then 'note' else 'public' end,
           case when g % 5 in (1, 3) then 'inbound' else 'outbound' end,
           'tiktok_chat',
           case when g % 5 in (1, 3) then 'buyer' else 'user' end, 'Someone',
           (${sqlArray(BODIES.map((x) => x[1]))})[1 + g % ${BODIES.length}] || ' (ref ' || (1000000000 + g) || ')',
           (${sqlArray(BODIES.map((x) => x[0]))})[1 + g % ${BODIES.length}],
           '[]'::jsonb, now() - ((g * 31) % 100000) * interval '1 minute', now()
         from generate_series($2::bigint, $3::bigint) g`,
        [org.orgId, a, b],
      );
      if (((b / chunk) | 0) % 4 === 0) ctx.log(`    messages ${b.toLocaleString('en')} / ${nMessages.toLocaleString('en')}`);
    }
    await admin.query('create index ticket_messages_org_search on ticket_messages using gin (org_id, search) with (gin_pending_list_limit = 256); create index tickets_org_search on tickets using gin (org_id, search) with (gin_pending_list_limit = 256)');
    await admin.query('analyze tickets; analyze ticket_messages');
    ctx.log(`  generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

    const plan = await admin.query(
      `explain select * from tickets where org_id = $1 and assignee_id = $2 and status not in ('solved', 'closed') order by sla_sort, id limit 51`,
      [org.orgId, agents[3]],
    );
    ctx.log(`  plan (my queue): ${(plan.rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN'].trim()).slice(0, 2).join(' | ')}`);

    if (process.env.BENCH_EXPLAIN) {
      const tsq = `(websearch_to_tsquery('simple', $2) || websearch_to_tsquery('english', $2) || websearch_to_tsquery('german', $2) || websearch_to_tsquery('french', $2) || websearch_to_tsquery('italian', $2) || websearch_to_tsquery('spanish', $2))`;
      const ex = await admin.query(`explain analyze select m.ticket_id, m.id, ts_rank(m.search, ${tsq}) from ticket_messages m where m.org_id = $1 and m.search @@ ${tsq} limit 2000`, [org.orgId, '1000000077']);
      ctx.log((ex.rows as { 'QUERY PLAN': string }[]).map((r) => `    ${r['QUERY PLAN']}`).join('\n'));
      const ex2 = await admin.query(`explain analyze select t.id from tickets t where t.org_id = $1 and t.search @@ ${tsq} limit 500`, [org.orgId, '1000000077']);
      ctx.log((ex2.rows as { 'QUERY PLAN': string }[]).map((r) => `    ${r['QUERY PLAN']}`).join('\n'));
    }
    const rand = (n: number) => Math.floor(Math.random() * n);
    const ticketId = () => `tkt_b${String(1 + rand(nTickets)).padStart(21, '0')}`;
    const agentActor = (): Actor => ({ orgId: org.orgId, userId: agents[rand(AGENTS)]!, role: 'agent' });

    const baseline = await sample(() => db.pool.query('select * from tickets where org_id = $1 and id = $2', [org.orgId, ticketId()]), iterations);

    const queue = await sample(async () => {
      const r = await s.helpdesk.list(agentActor(), { view: 'mine', limit: 50 });
      if (r.items.length !== 50) throw new Error(`queue page had ${r.items.length} tickets`);
    }, iterations);
    printComparison({
      name: `My queue sorted by SLA due (${nTickets.toLocaleString('en')} tickets, ${AGENTS} agents, first page of 50)`,
      baseline: { label: 'bare SELECT by primary key (same pool)', stats: baseline },
      subject: { label: 'helpdesk.list view=mine (RLS tx)', stats: queue },
      notes: [`p99 target < 20 ms: ${queue.p99 < 20 ? 'met' : 'NOT met'} (${queue.p99.toFixed(2)} ms)`],
    });

    const open = await sample(async () => {
      const actor = agentActor();
      const id = ticketId();
      const t = await s.helpdesk.openTicket(actor, id);
      if (t.messages.length !== 5) throw new Error(`thread had ${t.messages.length} messages`);
    }, iterations);
    printComparison({
      name: `Open a ticket: ticket + thread (5 messages of ${nMessages.toLocaleString('en')}) + the buyer's other tickets (GET /api/tickets/:id)`,
      baseline: { label: 'bare SELECT by primary key (same pool)', stats: baseline },
      subject: { label: 'helpdesk.openTicket (1 tx, 2 statements)', stats: open },
      notes: [`p99 target < 20 ms: ${open.p99 < 20 ? 'met' : 'NOT met'} (${open.p99.toFixed(2)} ms)`],
    });

    const byRef = await sample(async () => {
      const hits = await s.helpdesk.search(agentActor(), String(1_000_000_000 + 1 + rand(nMessages)), 25);
      if (hits.length !== 1) throw new Error(`reference search found ${hits.length} tickets`);
    }, Math.max(200, Math.round(iterations / 4)), 20);
    printComparison({
      name: `Search for a reference number that occurs once in ${nMessages.toLocaleString('en')} messages`,
      baseline: { label: 'bare SELECT by primary key (same pool)', stats: baseline },
      subject: { label: 'helpdesk.search (5 languages + simple)', stats: byRef },
    });
    const common = await sample(() => s.helpdesk.search(agentActor(), 'Kopfhörer kaputt', 25), Math.max(30, Math.round(iterations / 20)), 3);
    printComparison({
      name: 'Search for common German words (in every seventh message), top 25',
      baseline: { label: 'bare SELECT by primary key (same pool)', stats: baseline },
      subject: { label: 'helpdesk.search', stats: common },
      notes: ['Worst case: ranking is capped at 2000 matching messages, but the GIN bitmap still covers every match.'],
    });
  } finally {
    await admin.end();
    await db.close();
  }
}
