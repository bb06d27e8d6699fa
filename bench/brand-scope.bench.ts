import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/app/config.js';
import { compose } from '../src/app/compose.js';
import { createPlatform } from '../src/app/deps.js';
import { systemClock } from '../src/platform/clock.js';
import { createPool, Database } from '../src/platform/db.js';
import { newId } from '../src/platform/ids.js';
import { silentLogger } from '../src/platform/logger.js';
import { runInShopScope } from '../src/platform/scope.js';
import type { Actor } from '../src/platform/tenancy.js';
import { printComparison, sample, type BenchContext } from './harness.js';

/**
 * What the brand-scope policy costs: the same inbox list and full-text search through the real
 * service, once for the whole organisation and once inside a one-brand scope (the RESTRICTIVE
 * policy on tickets / messages and the scope check inside the search functions). 200k tickets and
 * 1M messages (× BENCH_SCALE) over two brands' shops, half each.
 */
const BODIES = [
  'Hi, my order has not arrived yet and the tracking has not moved for a week. Can you check please?',
  'Hallo, die Kopfhörer sind kaputt angekommen, der linke Lautsprecher ist stumm. Was kann ich tun?',
  "Bonjour, je n'ai toujours pas reçu mon colis, le suivi ne bouge plus depuis cinq jours.",
];

export default async function brandScopeBench(ctx: BenchContext): Promise<void> {
  const nTickets = Math.max(10_000, Math.round(200_000 * ctx.scale));
  const nMessages = nTickets * 5;
  const iterations = 200;
  const dbs = await ctx.database('bench_brand_scope');
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: dbs.adminUrl, APP_DATABASE_URL: dbs.appUrl, LOG_LEVEL: 'silent' });
  const db = new Database(createPool(dbs.appUrl, 4));
  const platform = createPlatform({ config, db, adminUrl: dbs.adminUrl, clock: systemClock, ids: newId, log: silentLogger, jobs: undefined, secretKey: Buffer.alloc(32, 1) });
  const s = compose(platform);
  const admin = new pg.Client({ connectionString: dbs.adminUrl });
  await admin.connect();
  try {
    const org = await s.tenancy.createOrganisation({ name: 'Bench seller' });
    const u = await s.auth.createUserInOrg(org.orgId, { email: 'owner@bench-scope.afterdesk.dev', name: 'Owner', password: 'bench-password-1', role: 'owner' });
    const owner: Actor = { orgId: org.orgId, userId: u.id, role: 'owner' };
    const shops: string[] = [];
    for (const [name, market] of [['Voltix', 'US'], ['Lumière', 'DE']] as const) {
      const brand = await s.tenancy.createBrand(owner, { name });
      shops.push((await s.tenancy.createShop(owner, { brandId: brand.id, name: `${name} ${market}`, market })).id);
    }
    ctx.log(`  generating ${nTickets.toLocaleString('en')} tickets and ${nMessages.toLocaleString('en')} messages over 2 shops …`);
    const t0 = performance.now();
    await admin.query(`set synchronous_commit = off; set maintenance_work_mem = '256MB'`);
    await admin.query('drop index ticket_messages_org_search; drop index tickets_org_search');
    await admin.query(
      `insert into tickets (org_id, id, number, shop_id, channel, external_thread_id, subject, status, language, queue, message_count, last_message_at, created_at, updated_at)
       select $1, 'tkt_s' || lpad(g::text, 21, '0'), g, ($2::text[])[1 + g % 2], 'email', 'thr-' || g, 'Order question ' || g,
         case when g % 10 < 3 then 'open' else 'closed' end, 'en', 'general', 5, now() - (g % 100000) * interval '1 minute', now() - (g % 100000) * interval '1 minute', now()
       from generate_series(1, $3::bigint) g`,
      [org.orgId, shops, nTickets],
    );
    await admin.query(`insert into ticket_counters (org_id, id, value) values ($1, 'tickets', $2)`, [org.orgId, nTickets]);
    await admin.query(
      `insert into ticket_messages (org_id, id, ticket_id, shop_id, kind, direction, channel, author_type, body, language, sent_at, created_at)
       select $1, 'msg_s' || lpad(g::text, 21, '0'), 'tkt_s' || lpad((1 + (g - 1) / 5)::text, 21, '0'), ($2::text[])[1 + ((1 + (g - 1) / 5) % 2)],
         'public', 'inbound', 'email', 'buyer', ($4::text[])[1 + g % 3] || ' (ref ' || (1000000000 + g) || ')', 'en', now(), now()
       from generate_series(1, $3::bigint) g`,
      [org.orgId, shops, nMessages, BODIES],
    );
    await admin.query('create index ticket_messages_org_search on ticket_messages using gin (org_id, search) with (gin_pending_list_limit = 256); create index tickets_org_search on tickets using gin (org_id, search) with (gin_pending_list_limit = 256)');
    await admin.query('analyze tickets; analyze ticket_messages');
    ctx.log(`  generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

    const scoped = <T>(fn: () => Promise<T>) => runInShopScope([shops[0]!], fn);
    const list = () => s.helpdesk.list(owner, { view: 'all', limit: 50 } as never);
    const listOpen = () => s.helpdesk.list(owner, { view: 'status', status: 'open', limit: 50 } as never);
    // A reference that occurs once, in a message of the scoped shop (even ticket numbers belong to shops[0]).
    const refIn = (n: number) => String(1_000_000_000 + n);
    const refOfShop0 = () => refIn(5 * (2 * Math.floor(Math.random() * (nTickets / 2 - 1)) + 2) - 2);
    const search = (q: string) => s.helpdesk.search(owner, q, 25);

    const rows: [string, () => Promise<unknown>][] = [
      ['inbox list view=all, first page of 50', list],
      ['inbox list status=open, first page of 50', listOpen],
      ['search: a reference that occurs once', () => search(refOfShop0())],
      ['search: common words (every third message), top 25', () => search('Kopfhörer kaputt')],
    ];
    for (const [name, fn] of rows) {
      const n = name.startsWith('search: common') || name.includes('view=all') ? 40 : iterations;
      const unscoped = await sample(fn, n, Math.min(10, n));
      const inScope = await sample(() => scoped(fn), n, Math.min(10, n));
      printComparison({
        name: `${name} (${nTickets.toLocaleString('en')} tickets, ${nMessages.toLocaleString('en')} messages, 2 brands)`,
        baseline: { label: 'whole organisation (no scope)', stats: unscoped },
        subject: { label: 'one-brand scope (policy + scoped search)', stats: inScope },
      });
    }
  } finally {
    await admin.end();
    await db.close();
  }
}
