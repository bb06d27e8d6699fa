import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg } from '../helpers/org.js';
import { connectedWorld, uniqueShops } from '../tiktok/helpers.js';
import { JACKET_ENTRIES, JACKET_QUESTIONS, type L } from './suggestions.labelled.js';
import type { KnowledgeService } from '../../src/modules/knowledge/index.js';
import { knowledgeFrom, knowledgeToCsv } from '../../src/cli/commands/knowledge.js';
import type { Actor } from '../../src/platform/tenancy.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const LANGS: L[] = ['en', 'de', 'fr', 'it', 'es'];

/** The labelled knowledge base on a product: English first (the source), then its translations. */
async function writeJacketKnowledge(svc: KnowledgeService, actor: Actor, productId: string, langs: L[] = LANGS): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const lang of langs) {
    for (const e of JACKET_ENTRIES) {
      const [title, body] = e.text[lang];
      const v = await svc.saveEntry(actor, productId, { field: e.field, key: e.key || undefined, language: lang, title, body });
      ids.set(`${lang}:${e.key || e.field}`, v.id);
    }
  }
  return ids;
}

function jacketProduct(externalId: string) {
  return { externalId, title: 'Veste Camille Hand-Tanned Leather Jacket', description: 'Hand-tanned lamb leather jacket.', status: 'ACTIVATE', category: 'Leather Jackets', brand: 'Lumière', attributes: [{ name: 'Material', values: ['Lamb leather'] }], sizeChartUrl: 'https://example.test/chart.png', imageUrls: [], warranty: null, externalUpdatedAt: null, skus: [{ externalId: `${externalId}9`, sellerSku: 'LM-CAM-38', name: 'Cognac / 38', price: { amount: 98000, currency: 'EUR' } }] };
}

describe('suggested answers on the labelled set (Postgres full-text search per language)', () => {
  it('20 entries per product, 20 questions per language: top-1 ≥ 75 %, top-3 ≥ 90 % in every language', async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    const svc = ctx.services.knowledge;
    const owner = actorFor(org, 'owner');
    await svc.upsertCatalogue(org.orgId, org.shopId, 'tiktok', [jacketProduct('1729600000000000001')]);
    const [product] = (await svc.listProducts(owner, { shopId: org.shopId })).items;
    const ids = await writeJacketKnowledge(svc, owner, product!.id);
    expect(JACKET_ENTRIES).toHaveLength(20);
    const lines: string[] = [];
    for (const lang of LANGS) {
      const qs = JACKET_QUESTIONS[lang];
      expect(qs).toHaveLength(20);
      let top1 = 0;
      let top3 = 0;
      const misses: string[] = [];
      for (const [q, key] of qs) {
        const ranked = await svc.rank(owner, { productIds: [product!.id], language: lang, question: q, limit: 3 });
        const want = ids.get(`${lang}:${key}`);
        const at = ranked.findIndex((r) => r.entry.id === want);
        if (at === 0) top1++;
        if (at >= 0 && at < 3) top3++;
        else misses.push(`${q} → ${ranked.map((r) => r.entry.key || r.entry.field).join(', ')}`);
      }
      lines.push(`${lang}: top-1 ${top1}/20 = ${(top1 / 20).toFixed(2)}, top-3 ${top3}/20 = ${(top3 / 20).toFixed(2)}${misses.length ? `\n    missed: ${misses.join('\n    missed: ')}` : ''}`);
      expect.soft(top1 / 20, `${lang} top-1`).toBeGreaterThanOrEqual(0.75);
      expect.soft(top3 / 20, `${lang} top-3`).toBeGreaterThanOrEqual(0.9);
    }
    console.log(`suggestions on the labelled set:\n  ${lines.join('\n  ')}`);
  });

  it('editing a source text puts its translations out of date; saving a translation makes it current; every version is kept', async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    const svc = ctx.services.knowledge;
    const owner = actorFor(org, 'owner');
    const agent = actorFor(org, 'agent');
    await svc.upsertCatalogue(org.orgId, org.shopId, 'tiktok', [jacketProduct('1729600000000000002')]);
    const [product] = (await svc.listProducts(owner, {})).items;
    await svc.saveEntry(owner, product!.id, { field: 'quirks', key: 'smell', language: 'en', title: 'Leather smell', body: 'It smells at first.' });
    await svc.saveEntry(agent, product!.id, { field: 'quirks', key: 'smell', language: 'de', title: 'Ledergeruch', body: 'Es riecht anfangs.' });
    await svc.saveEntry(owner, product!.id, { field: 'quirks', key: 'smell', language: 'zh-CN', title: '皮革气味', body: '卖家备注：首批货味道较重。' });
    const status = async () => Object.fromEntries((await svc.listEntries(owner, product!.id)).map((e) => [e.language, [e.status, e.version, e.translatedFromVersion]]));
    expect(await status()).toEqual({ en: ['source', 1, null], de: ['current', 1, 1], 'zh-CN': ['note', 1, null] });
    const en = await svc.saveEntry(owner, product!.id, { field: 'quirks', key: 'smell', language: 'en', title: 'Leather smell', body: 'It smells at first; air it for a few days.' });
    expect(await status()).toEqual({ en: ['source', 2, null], de: ['out_of_date', 1, 1], 'zh-CN': ['note', 1, null] });
    expect((await svc.listProducts(owner, {})).items[0]!.outOfDate).toBe(1);
    await svc.saveEntry(agent, product!.id, { field: 'quirks', key: 'smell', language: 'de', title: 'Ledergeruch', body: 'Es riecht anfangs; ein paar Tage lüften.' });
    expect(await status()).toEqual({ en: ['source', 2, null], de: ['current', 2, 2], 'zh-CN': ['note', 1, null] });
    const versions = await svc.entryVersions(owner, en.id);
    expect(versions.map((v) => [v.version, v.body, v.authorId])).toEqual([
      [2, 'It smells at first; air it for a few days.', org.users.owner.id],
      [1, 'It smells at first.', org.users.owner.id],
    ]);
    // Saving the same text again makes no new version.
    expect((await svc.saveEntry(owner, product!.id, { field: 'quirks', key: 'smell', language: 'en', title: 'Leather smell', body: 'It smells at first; air it for a few days.' })).version).toBe(2);
  });
});

describe('bulk export and import for translators (the CLI codecs and service)', () => {
  it('CSV round trip: an edited translation becomes a new version, the rest stay; an unknown product names its row', async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    const svc = ctx.services.knowledge;
    const owner = actorFor(org, 'owner');
    await svc.upsertCatalogue(org.orgId, org.shopId, 'tiktok', [jacketProduct('1729600000000000003')]);
    const [product] = (await svc.listProducts(owner, {})).items;
    await writeJacketKnowledge(svc, owner, product!.id, ['en', 'de']);
    const rows = await svc.exportRows(owner, org.shopId);
    expect(rows).toHaveLength(40);
    const csv = knowledgeToCsv(rows);
    expect(csv.split('\n')[0]).toBe('product_external_id,field,key,language,title,body,version,status');
    const back = knowledgeFrom(csv, 'csv');
    expect(back).toEqual(rows);
    const smellDe = back.find((r) => r.language === 'de' && r.key === 'smell')!;
    smellDe.body = 'Neu übersetzt: Das Leder riecht anfangs, bitte ein paar Tage lüften.';
    let seen = 0;
    expect(await svc.importRows(owner, org.shopId, back, (n) => (seen = n))).toEqual({ saved: 1, unchanged: 39 });
    expect(seen).toBe(40);
    expect(knowledgeFrom(JSON.stringify({ rows: back }), 'json')).toHaveLength(40);
    expect(() => knowledgeFrom('product_external_id,field,key,language,title,body\n1,smell,,de,T,B\n', 'csv')).toThrow(/row 1: field/);
    await expect(svc.importRows(owner, org.shopId, [{ ...back[0]!, product_external_id: '999' }])).rejects.toMatchObject({ code: 'knowledge.unknown_product' });
  });
});

describe('against the sandbox', () => {
  it('a German leather-smell complaint shows the German knowledge entry first; one click records the use; macros read knowledge variables', async () => {
    const w = await connectedWorld(ctx, { ordersPerShop: 0 });
    try {
      const owner = await w.org.cookie('owner');
      const agentCookie = await w.org.cookie('agent');
      const sync = await ctx.app.inject({ method: 'POST', url: `/api/catalogue/shops/${w.shopId}/sync`, headers: { cookie: owner } });
      expect(sync.statusCode).toBe(200);
      expect(sync.json()).toEqual({ products: 5, skus: 5 });
      const list = (await ctx.app.inject({ method: 'GET', url: `/api/catalogue/products?shopId=${w.shopId}`, headers: { cookie: agentCookie } })).json() as { items: { id: string; title: string; externalId: string }[] };
      const jacket = list.items.find((p) => p.title.startsWith('Veste Camille'))!;
      const detail = (await ctx.app.inject({ method: 'GET', url: `/api/catalogue/products/${jacket.id}`, headers: { cookie: agentCookie } })).json();
      expect(detail).toMatchObject({ category: 'Leather Jackets', brand: 'Lumière', sizeChartUrl: expect.stringContaining('LM-CAM-38'), attributes: [{ name: 'Material', values: ['Lamb leather'] }, { name: 'Lining', values: ['Viscose'] }], skus: [{ sellerSku: 'LM-CAM-38', name: 'Cognac / 38', price: { amount: 98000, currency: 'EUR' } }] });
      expect(detail.listingTopics).toEqual(['size', 'material', 'care']);

      const ids = await writeJacketKnowledge(ctx.services.knowledge, actorFor(w.org, 'owner'), jacket.id, ['en', 'de']);
      const world = w.sandbox.world;
      const order = world.createOrder(w.tiktokShopId, { productKey: 'jacket', units: 1 });
      world.buyerMessage(order, 'smell', { text: 'Die Jacke riecht sehr stark nach Leder, ist das normal?' });
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId);
      const tickets = (await ctx.app.inject({ method: 'GET', url: '/api/tickets', headers: { cookie: agentCookie } })).json() as { items: { id: string; language: string }[] };
      expect(tickets.items).toHaveLength(1);
      const ticketId = tickets.items[0]!.id;

      const s = await ctx.app.inject({ method: 'GET', url: `/api/knowledge/tickets/${ticketId}/suggestions`, headers: { cookie: agentCookie } });
      expect(s.statusCode).toBe(200);
      const sug = s.json() as { language: string; productId: string; question: string; items: { entryId: string; text: string; rank: number }[] };
      expect(sug).toMatchObject({ language: 'de', productId: jacket.id, question: 'Die Jacke riecht sehr stark nach Leder, ist das normal?' });
      expect(sug.items[0]!.entryId).toBe(ids.get('de:smell'));
      expect(sug.items[0]!.text).toContain('Handgegerbtes Leder riecht anfangs stark');

      const use = await ctx.app.inject({ method: 'POST', url: `/api/knowledge/entries/${sug.items[0]!.entryId}/uses`, headers: { cookie: agentCookie }, payload: { ticketId, rank: 1 } });
      expect(use.statusCode).toBe(200);
      expect(use.json().uses).toBe(1);

      const filled = await ctx.services.helpdesk.resolveText(actorFor(w.org, 'agent'), ticketId, 'Hallo {{buyer_name}}, {{knowledge.quirks.smell}} Pflege: {{knowledge.care}}');
      expect(filled.unresolved).toEqual([]);
      expect(filled.text).toContain('Handgegerbtes Leder riecht anfangs stark');
      expect(filled.text).toContain('Pflege: Flecken mit einem leicht feuchten Tuch');
    } finally {
      await w.close();
    }
  });

  it('the gap report lists the product whose listing lacks battery life, not the complete ones; a listing edit (webhook) closes the gap', async () => {
    // A German Voltix shop: power bank, headphones, espresso machine… and German buyers.
    const shops = uniqueShops().map((s) => (s.region === 'DE' ? { ...s, brand: 'voltix' as const, name: 'Voltix DE' } : s));
    const w = await connectedWorld(ctx, { ordersPerShop: 0, shops });
    try {
      await ctx.app.listen({ host: '127.0.0.1', port: 0 });
      w.sandbox.setWebhookAddressForAll(`http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}/webhooks/tiktok`);
      const owner = actorFor(w.org, 'owner');
      expect(await ctx.services.knowledge.syncNow(owner, w.shopId)).toEqual({ products: 6, skus: 6 });
      const world = w.sandbox.world;
      const ask = (productKey: string, text: string) => world.buyerMessage(world.createOrder(w.tiktokShopId, { productKey, units: 1, silent: true }), 'battery', { text, silent: true });
      ask('powercore', 'Wie lange hält der Akku der Powerbank eigentlich?');
      ask('powercore', 'Im Video hieß es, der Akku hält eine Woche – bei mir nach zwei Tagen leer.');
      ask('powercore', 'Wie oft kann ich mein Handy damit aufladen? Und ist es mit dem iPhone kompatibel?');
      ask('airpro', 'Wie lange hält der Akku der Kopfhörer?');
      ask('brew', 'Funktioniert die Maschine mit 230 Volt?');
      await ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId);

      const cookie = await w.org.cookie('owner');
      const r = await ctx.app.inject({ method: 'GET', url: `/api/knowledge/gaps?shopId=${w.shopId}`, headers: { cookie } });
      expect(r.statusCode).toBe(200);
      const report = r.json() as { messages: number; items: { productId: string; title: string; asks: number; missing: { topic: string; asks: number; examples: { text: string }[] }[] }[] };
      expect(report.messages).toBe(5);
      expect(report.items.map((g) => [g.title, g.missing.map((m) => `${m.topic}:${m.asks}`)])).toEqual([['Voltix PowerCore 20K Power Bank', ['battery:3', 'compatibility:1']]]);
      expect(report.items[0]!.missing[0]!.examples.map((e) => e.text).sort()).toEqual(['Im Video hieß es, der Akku hält eine Woche – bei mir nach zwei Tagen leer.', 'Wie lange hält der Akku der Powerbank eigentlich?', 'Wie oft kann ich mein Handy damit aufladen? Und ist es mit dem iPhone kompatibel?']);

      const task = await ctx.app.inject({ method: 'POST', url: '/api/knowledge/gaps/tasks', headers: { cookie }, payload: { shopId: w.shopId, productId: report.items[0]!.productId } });
      expect(task.statusCode).toBe(200);
      expect(task.json().title).toBe('Listing lacks what buyers ask: battery, compatibility — Voltix PowerCore 20K Power Bank');
      const tasks = await ctx.services.analytics.listTasks(owner, { limit: 10 });
      expect(tasks.items.map((t) => [t.kind, t.subjectType, t.subjectId])).toEqual([['listing', 'product', report.items[0]!.productId]]);

      // The seller fixes the page in Seller Center; the product webhook refreshes our copy.
      world.editListing(w.tiktokShopId, 'powercore', { description: '<p>20,000 mAh: about 4 full phone charges; lasts 3–4 days of normal use. Works with iPhone and Android over USB-C.</p>' });
      await w.sandbox.flushWebhooks();
      await ctx.services.tiktok.processor.drain(w.org.orgId);
      const after = (await ctx.app.inject({ method: 'GET', url: `/api/knowledge/gaps?shopId=${w.shopId}`, headers: { cookie } })).json() as { items: unknown[] };
      expect(after.items).toEqual([]);
    } finally {
      await w.close();
    }
  });
});
