import { sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import { afterCursor, cutPage, type Page } from '../../platform/pagination.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { namesOf } from '../auth/index.js';
import { buyerQuestionsOfShop, ticketQuestionIn } from '../helpdesk/index.js';
import { lineProductsOf } from '../orders/index.js';
import { shopIn } from '../tenancy/index.js';
import type { GapReport, KnowledgeEntryView, KnowledgeRow, ProductListItem, ProductListQuery, ProductView, SaveEntry, SuggestionsView } from './knowledge.dto.js';
import { BUYER_LANGUAGES, knowledgeTopics, listingTopics, rankEntries, rankGaps, translationStatus, type KnowledgeField, type ProductCoverage } from './knowledge.rules.js';
import type { ProductAttribute } from './knowledge.schema.js';

type Row = Record<string, unknown>;
const LEADS = ['owner', 'supervisor'] as const;
const DESK = ['owner', 'supervisor', 'agent'] as const;
const iso = (v: unknown): string => new Date(v as string).toISOString();

/** A product as a platform integration hands it over (never a platform payload). */
export interface CatalogueProductInput {
  externalId: string;
  title: string;
  description: string;
  status: string;
  category: string | null;
  brand: string | null;
  attributes: ProductAttribute[];
  sizeChartUrl: string | null;
  imageUrls: string[];
  warranty: string | null;
  externalUpdatedAt: Date | null;
  skus: { externalId: string; sellerSku: string | null; name: string | null; price: { amount: number; currency: string } | null }[];
}

export interface KnowledgeDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
}

export interface KnowledgePorts {
  /** Fetch a shop's catalogue from its platform and store it through `upsertCatalogue` (the TikTok integration). */
  syncCatalogue?: (orgId: string, shopId: string) => Promise<{ products: number; skus: number }>;
  /** The one variable resolver (helpdesk): fills a text for a ticket. */
  fillForTicket?: (actor: Actor, ticketId: string, text: string) => Promise<{ text: string; unresolved: string[] }>;
  /** The analytics module's feedback task, written in the caller's transaction. */
  createTaskIn: (tx: Executor, actor: Actor, input: { shopId: string; kind: 'listing'; title: string; body: string; aboutType: string; about: string }) => Promise<{ id: string; title: string }>;
}

function productListItem(x: Row): ProductListItem {
  const images = (x.image_urls as string[] | null) ?? [];
  return { id: String(x.id), shopId: String(x.shop_id), externalId: String(x.external_id), title: String(x.title), status: String(x.status), imageUrl: images[0] ?? null, skuCount: Number(x.sku_count ?? 0), entries: Number(x.entries ?? 0), outOfDate: Number(x.out_of_date ?? 0), syncedAt: iso(x.synced_at) };
}

/** The version of each group's source text, keyed by `field|key`. */
function sourceVersions(rows: Row[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) if (r.translated_from_version === null && r.language !== 'zh-CN') m.set(`${r.field}|${r.entry_key}`, Number(r.version));
  return m;
}

function entryView(r: Row, sources: Map<string, number>, names: Map<string, string>): KnowledgeEntryView {
  const tfv = r.translated_from_version === null ? null : Number(r.translated_from_version);
  return {
    id: String(r.id),
    productId: String(r.product_id),
    field: r.field as KnowledgeField,
    key: String(r.entry_key),
    language: r.language as KnowledgeEntryView['language'],
    title: String(r.title),
    body: String(r.body),
    version: Number(r.version),
    translatedFromVersion: tfv,
    status: translationStatus({ language: String(r.language), translatedFromVersion: tfv }, sources.get(`${r.field}|${r.entry_key}`) ?? null),
    authorId: String(r.author_id),
    authorName: names.get(String(r.author_id)) ?? null,
    updatedAt: iso(r.updated_at),
  };
}

export function createKnowledgeService(deps: KnowledgeDeps, ports: KnowledgePorts) {
  const { db, ids, clock } = deps;

  async function productRow(tx: Executor, orgId: string, productId: string): Promise<Row> {
    const r = await tx.execute(sql`select * from catalogue_products where org_id = ${orgId} and id = ${productId}`);
    const p = r.rows[0] as Row | undefined;
    if (!p) throw AppError.notFound('product', productId);
    return p;
  }

  async function entryRows(tx: Executor, orgId: string, productId: string): Promise<Row[]> {
    return (await tx.execute(sql`select * from knowledge_entries where org_id = ${orgId} and product_id = ${productId} order by field, entry_key, language`)).rows as Row[];
  }

  async function authorNames(tx: Executor, orgId: string, rows: Row[]): Promise<Map<string, string>> {
    const idsOf = [...new Set(rows.map((r) => String(r.author_id)))];
    return new Map((await namesOf(tx, orgId, idsOf)).map((n) => [n.id, n.name]));
  }

  /** Upsert one stored entry; the source's version moves on, a translation records the source version it was written from. */
  async function saveIn(tx: Executor, orgId: string, authorId: string, product: Row, input: SaveEntry): Promise<Row> {
    const key = input.field === 'faq' ? (input.key ?? 'general') : (input.key ?? '');
    const now = clock.now().toISOString();
    const group = (await tx.execute(sql`select * from knowledge_entries where org_id = ${orgId} and product_id = ${product.id as string} and field = ${input.field} and entry_key = ${key} for update`)).rows as Row[];
    const mine = group.find((g) => g.language === input.language);
    const source = group.find((g) => g.translated_from_version === null && g.language !== 'zh-CN' && g.language !== input.language);
    // The first buyer-language text of a group is its source; zh-CN is the seller's own note.
    const translatedFrom = input.language === 'zh-CN' ? null : mine ? (mine.translated_from_version === null ? null : source ? Number(source.version) : null) : source ? Number(source.version) : null;
    let row: Row;
    if (mine) {
      if (mine.title === input.title && mine.body === input.body && (mine.translated_from_version ?? null) === translatedFrom) return mine;
      row = (await tx.execute(sql`update knowledge_entries set title = ${input.title}, body = ${input.body}, version = version + 1, translated_from_version = ${translatedFrom}, author_id = ${authorId}, updated_at = ${now}::timestamptz
        where org_id = ${orgId} and id = ${mine.id as string} returning *`)).rows[0] as Row;
    } else {
      row = (await tx.execute(sql`insert into knowledge_entries (org_id, id, shop_id, product_id, field, entry_key, language, title, body, version, translated_from_version, author_id, created_at, updated_at)
        values (${orgId}, ${ids('kne')}, ${product.shop_id as string}, ${product.id as string}, ${input.field}, ${key}, ${input.language}, ${input.title}, ${input.body}, 1, ${translatedFrom}, ${authorId}, ${now}::timestamptz, ${now}::timestamptz) returning *`)).rows[0] as Row;
    }
    await tx.execute(sql`insert into knowledge_versions (org_id, id, shop_id, entry_id, version, title, body, author_id, created_at)
      values (${orgId}, ${ids('knv')}, ${row.shop_id as string}, ${row.id as string}, ${row.version as number}, ${input.title}, ${input.body}, ${authorId}, ${now}::timestamptz)`);
    return row;
  }

  /** The catalogue product of each order line of these orders (by SKU first, then by platform product id). */
  async function productsOfOrder(tx: Executor, orgId: string, shopId: string, orderId: string): Promise<{ id: string; title: string }[]> {
    const lines = await lineProductsOf(tx, orgId, [orderId]);
    if (lines.length === 0) return [];
    const r = await tx.execute(sql`select distinct on (p.id) p.id, p.title, min(x.ord) over (partition by p.id) as ord from catalogue_products p
      join unnest(${sql.param(lines.map((l) => l.productId))}::text[], ${sql.param(lines.map((l) => l.skuId))}::text[]) with ordinality as x(product_ext, sku_ext, ord)
        on p.external_id = x.product_ext or p.id in (select s.product_id from catalogue_skus s where s.org_id = p.org_id and s.shop_id = p.shop_id and s.external_id = x.sku_ext)
      where p.org_id = ${orgId} and p.shop_id = ${shopId}`);
    return (r.rows as { id: string; title: string; ord: number }[]).sort((a, b) => Number(a.ord) - Number(b.ord)).map((x) => ({ id: x.id, title: x.title }));
  }

  /** Entries of these products in a language, ranked for a question (Postgres stems both with the language's configuration). */
  async function rankIn(tx: Executor, orgId: string, productIds: string[], language: string, question: string) {
    const r = await tx.execute(sql`select e.id, e.field, e.entry_key, e.title, e.body,
        tsvector_to_array(to_tsvector(afterdesk_knowledge_config(e.language), e.title)) as tl,
        tsvector_to_array(to_tsvector(afterdesk_knowledge_config(e.language), e.body)) as bl
      from knowledge_entries e where e.org_id = ${orgId} and e.product_id = any(${sql.param(productIds)}::text[]) and e.language = ${language}
      order by e.field, e.entry_key, e.id`);
    const q = await tx.execute(sql`select tsvector_to_array(to_tsvector(afterdesk_knowledge_config(${language}), ${question})) as q`);
    const lexemes = ((q.rows[0] as { q: string[] }).q ?? []) as string[];
    const entries = (r.rows as Row[]).map((x) => ({ id: String(x.id), field: x.field as KnowledgeField, key: String(x.entry_key), title: String(x.title), body: String(x.body), titleLexemes: x.tl as string[], bodyLexemes: x.bl as string[] }));
    return { ranked: rankEntries(lexemes, entries), candidates: entries.length };
  }

  const svc = {
    /** Store a shop's catalogue as the platform sent it; products not in the list are left alone. */
    async upsertCatalogue(orgId: string, shopId: string, platform: string, products: CatalogueProductInput[]): Promise<{ products: number; skus: number }> {
      const now = clock.now().toISOString();
      let skus = 0;
      await db.tenant(orgId, async (tx) => {
        await shopIn(tx, orgId, shopId);
        for (const p of products) {
          const r = await tx.execute(sql`insert into catalogue_products (org_id, id, shop_id, platform, external_id, title, description, status, category, brand, attributes, size_chart_url, image_urls, warranty, external_updated_at, synced_at, created_at, updated_at)
            values (${orgId}, ${ids('prd')}, ${shopId}, ${platform}, ${p.externalId}, ${p.title}, ${p.description}, ${p.status}, ${p.category}, ${p.brand}, ${JSON.stringify(p.attributes)}::jsonb, ${p.sizeChartUrl}, ${JSON.stringify(p.imageUrls)}::jsonb, ${p.warranty}, ${p.externalUpdatedAt?.toISOString() ?? null}::timestamptz, ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz)
            on conflict (org_id, shop_id, external_id) do update set title = excluded.title, description = excluded.description, status = excluded.status, category = excluded.category, brand = excluded.brand,
              attributes = excluded.attributes, size_chart_url = excluded.size_chart_url, image_urls = excluded.image_urls, warranty = excluded.warranty, external_updated_at = excluded.external_updated_at, synced_at = excluded.synced_at, updated_at = excluded.updated_at
            returning id`);
          const productId = (r.rows[0] as { id: string }).id;
          for (const s of p.skus) {
            await tx.execute(sql`insert into catalogue_skus (org_id, id, shop_id, product_id, external_id, seller_sku, name, currency, price_amount, created_at, updated_at)
              values (${orgId}, ${ids('sku')}, ${shopId}, ${productId}, ${s.externalId}, ${s.sellerSku}, ${s.name}, ${s.price?.currency ?? null}, ${s.price?.amount ?? null}, ${now}::timestamptz, ${now}::timestamptz)
              on conflict (org_id, shop_id, external_id) do update set product_id = excluded.product_id, seller_sku = excluded.seller_sku, name = excluded.name, currency = excluded.currency, price_amount = excluded.price_amount, updated_at = excluded.updated_at`);
            skus++;
          }
        }
      });
      return { products: products.length, skus };
    },

    /** "Sync now": fetch the shop's catalogue from its platform. */
    async syncNow(actor: Actor, shopId: string): Promise<{ products: number; skus: number }> {
      requireRole(actor, LEADS, 'syncing the catalogue');
      await db.tenant(actor.orgId, (tx) => shopIn(tx, actor.orgId, shopId));
      if (!ports.syncCatalogue) throw AppError.conflict('knowledge.no_platform', 'This installation has no platform to sync a catalogue from');
      return ports.syncCatalogue(actor.orgId, shopId);
    },

    async listProducts(actor: Actor, q: ProductListQuery): Promise<Page<ProductListItem>> {
      requireRole(actor, DESK, 'reading the catalogue');
      const limit = q.limit ?? 50;
      return db.tenant(actor.orgId, async (tx) => {
        if (q.shopId) await shopIn(tx, actor.orgId, q.shopId);
        const like = q.q ? `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
        const after = afterCursor(sql`p.created_at`, sql`p.id`, q.cursor);
        const r = await tx.execute(sql`select p.*,
            (select count(*) from catalogue_skus s where s.org_id = p.org_id and s.product_id = p.id) as sku_count,
            (select count(*) from knowledge_entries e where e.org_id = p.org_id and e.product_id = p.id) as entries,
            (select count(*) from knowledge_entries e where e.org_id = p.org_id and e.product_id = p.id and e.translated_from_version is not null
               and e.translated_from_version < coalesce((select s.version from knowledge_entries s where s.org_id = e.org_id and s.product_id = e.product_id and s.field = e.field and s.entry_key = e.entry_key and s.translated_from_version is null and s.language <> 'zh-CN' limit 1), 0)) as out_of_date
          from catalogue_products p
          where p.org_id = ${actor.orgId} ${q.shopId ? sql`and p.shop_id = ${q.shopId}` : sql``} ${like ? sql`and (p.title ilike ${like} or p.external_id = ${q.q!})` : sql``} ${after ? sql`and ${after}` : sql``}
          order by p.created_at desc, p.id desc limit ${limit + 1}`);
        const page = cutPage(r.rows as Row[], limit, (x) => ({ sort: new Date(x.created_at as string), id: String(x.id) }));
        return { items: page.items.map(productListItem), nextCursor: page.nextCursor };
      });
    },

    async getProduct(actor: Actor, productId: string): Promise<ProductView> {
      requireRole(actor, DESK, 'reading the catalogue');
      return db.tenant(actor.orgId, async (tx) => {
        const p = await productRow(tx, actor.orgId, productId);
        const skus = (await tx.execute(sql`select * from catalogue_skus where org_id = ${actor.orgId} and product_id = ${productId} order by external_id`)).rows as Row[];
        const attributes = p.attributes as ProductAttribute[];
        return {
          id: String(p.id), shopId: String(p.shop_id), platform: String(p.platform), externalId: String(p.external_id), title: String(p.title), description: String(p.description), status: String(p.status),
          category: (p.category as string | null) ?? null, brand: (p.brand as string | null) ?? null, attributes, sizeChartUrl: (p.size_chart_url as string | null) ?? null, imageUrls: p.image_urls as string[], warranty: (p.warranty as string | null) ?? null,
          skus: skus.map((s) => ({ id: String(s.id), externalId: String(s.external_id), sellerSku: (s.seller_sku as string | null) ?? null, name: (s.name as string | null) ?? null, price: s.price_amount === null || !s.currency ? null : { amount: Number(s.price_amount), currency: String(s.currency) } })),
          listingTopics: listingTopics({ title: String(p.title), description: String(p.description), attributes, hasSizeChart: !!p.size_chart_url, warranty: (p.warranty as string | null) ?? null }),
          syncedAt: iso(p.synced_at),
          externalUpdatedAt: p.external_updated_at ? iso(p.external_updated_at) : null,
        };
      });
    },

    async listEntries(actor: Actor, productId: string): Promise<KnowledgeEntryView[]> {
      requireRole(actor, DESK, 'reading product knowledge');
      return db.tenant(actor.orgId, async (tx) => {
        await productRow(tx, actor.orgId, productId);
        const rows = await entryRows(tx, actor.orgId, productId);
        const sources = sourceVersions(rows);
        const names = await authorNames(tx, actor.orgId, rows);
        return rows.map((r) => entryView(r, sources, names));
      });
    },

    async saveEntry(actor: Actor, productId: string, input: SaveEntry): Promise<KnowledgeEntryView> {
      requireRole(actor, DESK, 'writing product knowledge');
      return db.tenant(actor.orgId, async (tx) => {
        const p = await productRow(tx, actor.orgId, productId);
        const row = await saveIn(tx, actor.orgId, actor.userId, p, input);
        const rows = await entryRows(tx, actor.orgId, productId);
        return entryView(row, sourceVersions(rows), await authorNames(tx, actor.orgId, [row]));
      });
    },

    async deleteEntry(actor: Actor, entryId: string): Promise<void> {
      requireRole(actor, LEADS, 'deleting product knowledge');
      await db.tenant(actor.orgId, async (tx) => {
        const r = await tx.execute(sql`delete from knowledge_entries where org_id = ${actor.orgId} and id = ${entryId} returning id`);
        if (r.rows.length === 0) throw AppError.notFound('knowledge_entry', entryId);
      });
    },

    async entryVersions(actor: Actor, entryId: string) {
      requireRole(actor, DESK, 'reading product knowledge');
      return db.tenant(actor.orgId, async (tx) => {
        const e = (await tx.execute(sql`select id from knowledge_entries where org_id = ${actor.orgId} and id = ${entryId}`)).rows[0];
        if (!e) throw AppError.notFound('knowledge_entry', entryId);
        const rows = (await tx.execute(sql`select * from knowledge_versions where org_id = ${actor.orgId} and entry_id = ${entryId} order by version desc`)).rows as Row[];
        const names = await authorNames(tx, actor.orgId, rows);
        return rows.map((v) => ({ version: Number(v.version), title: String(v.title), body: String(v.body), authorId: String(v.author_id), authorName: names.get(String(v.author_id)) ?? null, createdAt: iso(v.created_at) }));
      });
    },

    /** Ranked entries of products in a language for a question (the measured core of suggestions). */
    async rank(actor: Actor, input: { productIds: string[]; language: string; question: string; limit?: number }) {
      requireRole(actor, DESK, 'reading product knowledge');
      return db.tenant(actor.orgId, async (tx) => (await rankIn(tx, actor.orgId, input.productIds, input.language, input.question)).ranked.slice(0, input.limit ?? 5));
    },

    /**
     * Suggested answers for a ticket: the products of its order, the buyer's language (English when
     * nothing is written in it) and the buyer's latest message, or `q` when the agent typed one.
     */
    async suggest(actor: Actor, ticketId: string, opts: { q?: string; limit?: number } = {}): Promise<SuggestionsView> {
      requireRole(actor, DESK, 'reading product knowledge');
      const found = await db.tenant(actor.orgId, async (tx) => {
        const t = await ticketQuestionIn(tx, actor.orgId, ticketId);
        if (!t) throw AppError.notFound('ticket', ticketId);
        const products = t.orderId ? await productsOfOrder(tx, actor.orgId, t.shopId, t.orderId) : [];
        const question = opts.q?.trim() || t.latestBuyerText;
        if (products.length === 0 || !question) return { t, products, question, language: t.language, ranked: [] as Awaited<ReturnType<typeof rankIn>>['ranked'] };
        const pids = products.map((p) => p.id);
        const wanted = (BUYER_LANGUAGES as readonly string[]).includes(t.language) ? t.language : 'en';
        let language = wanted;
        let res = await rankIn(tx, actor.orgId, pids, language, question);
        if (res.candidates === 0 && wanted !== 'en') {
          language = 'en';
          res = await rankIn(tx, actor.orgId, pids, language, question);
        }
        return { t, products, question, language, ranked: res.ranked.slice(0, opts.limit ?? 5) };
      });
      const items = [];
      for (const [i, r] of found.ranked.entries()) {
        const filled = ports.fillForTicket ? await ports.fillForTicket(actor, ticketId, r.entry.body) : { text: r.entry.body, unresolved: [] };
        items.push({ entryId: r.entry.id, field: r.entry.field, key: r.entry.key, title: r.entry.title, text: filled.text, unresolved: filled.unresolved, score: r.score, rank: i + 1 });
      }
      return { productId: found.products[0]?.id ?? null, productTitle: found.products[0]?.title ?? null, language: found.language, question: found.question ?? null, items };
    },

    /** An agent put a suggested answer into a reply. */
    async recordUse(actor: Actor, entryId: string, input: { ticketId: string; rank: number }): Promise<{ id: string; uses: number }> {
      requireRole(actor, DESK, 'using product knowledge');
      return db.tenant(actor.orgId, async (tx) => {
        const e = (await tx.execute(sql`select id, shop_id from knowledge_entries where org_id = ${actor.orgId} and id = ${entryId}`)).rows[0] as Row | undefined;
        if (!e) throw AppError.notFound('knowledge_entry', entryId);
        const t = await ticketQuestionIn(tx, actor.orgId, input.ticketId);
        if (!t) throw AppError.notFound('ticket', input.ticketId);
        const id = ids('knu');
        await tx.execute(sql`insert into knowledge_uses (org_id, id, shop_id, entry_id, ticket_id, user_id, rank, used_at) values (${actor.orgId}, ${id}, ${e.shop_id as string}, ${entryId}, ${input.ticketId}, ${actor.userId}, ${input.rank}, ${clock.now().toISOString()}::timestamptz)`);
        const n = (await tx.execute(sql`select count(*)::int as n from knowledge_uses where org_id = ${actor.orgId} and entry_id = ${entryId}`)).rows[0] as { n: number };
        return { id, uses: n.n };
      });
    },

    /** Products whose buyers ask what neither the listing nor the knowledge answers (last `days` days). */
    async gaps(actor: Actor, q: { shopId: string; days?: number }): Promise<GapReport> {
      requireRole(actor, LEADS, 'reading listing gaps');
      const since = new Date(clock.now().getTime() - (q.days ?? 90) * 86_400_000);
      return db.tenant(actor.orgId, async (tx) => {
        await shopIn(tx, actor.orgId, q.shopId);
        const products = (await tx.execute(sql`select * from catalogue_products where org_id = ${actor.orgId} and shop_id = ${q.shopId}`)).rows as Row[];
        const entries = (await tx.execute(sql`select product_id, field, title, body from knowledge_entries where org_id = ${actor.orgId} and shop_id = ${q.shopId}`)).rows as Row[];
        const coverage: ProductCoverage[] = products.map((p) => {
          const listing = listingTopics({ title: String(p.title), description: String(p.description), attributes: p.attributes as ProductAttribute[], hasSizeChart: !!p.size_chart_url, warranty: (p.warranty as string | null) ?? null });
          const known = knowledgeTopics(entries.filter((e) => e.product_id === p.id).map((e) => ({ field: String(e.field), title: String(e.title), body: String(e.body) })));
          return { productId: String(p.id), title: String(p.title), covered: [...new Set([...listing, ...known])] };
        });
        const asked = await buyerQuestionsOfShop(tx, actor.orgId, q.shopId, since);
        const lines = await lineProductsOf(tx, actor.orgId, [...new Set(asked.map((a) => a.orderId))]);
        const byExt = new Map(products.map((p) => [String(p.external_id), String(p.id)]));
        const productsOfOrderId = new Map<string, Set<string>>();
        for (const l of lines) {
          const pid = byExt.get(l.productId);
          if (!pid) continue;
          const s = productsOfOrderId.get(l.orderId) ?? new Set<string>();
          s.add(pid);
          productsOfOrderId.set(l.orderId, s);
        }
        const messages = asked.flatMap((a) => [...(productsOfOrderId.get(a.orderId) ?? [])].map((productId) => ({ productId, text: a.text, language: a.language, ticketId: a.ticketId })));
        return { items: rankGaps(coverage, messages), messages: asked.length, since: since.toISOString() };
      });
    },

    /** A feedback task for the listing's owner naming what buyers ask and the listing lacks. */
    async createGapTask(actor: Actor, input: { shopId: string; productId: string; days?: number }): Promise<{ taskId: string; title: string }> {
      requireRole(actor, LEADS, 'creating a listing task');
      const report = await svc.gaps(actor, { shopId: input.shopId, days: input.days });
      return db.tenant(actor.orgId, async (tx) => {
        const p = await productRow(tx, actor.orgId, input.productId);
        if (p.shop_id !== input.shopId) throw AppError.notFound('product', input.productId);
        const gap = report.items.find((g) => g.productId === input.productId);
        if (!gap) throw AppError.conflict('knowledge.no_gap', 'Buyers ask nothing about this product that its listing and knowledge do not answer', { field: 'productId' });
        const title = `Listing lacks what buyers ask: ${gap.missing.map((m) => m.topic).join(', ')} — ${gap.title}`.slice(0, 300);
        const body = gap.missing.map((m) => `${m.topic} (${m.asks}×): ${m.examples.map((e) => `“${e.text}”`).join(' / ')}`).join('\n').slice(0, 5000);
        const t = await ports.createTaskIn(tx, actor, { shopId: input.shopId, kind: 'listing', title, body, aboutType: 'product', about: input.productId });
        return { taskId: t.id, title: t.title };
      });
    },

    /**
     * Knowledge values for the macro variables of a ticket (`knowledge.care`, `knowledge.faq.<key>`):
     * the first product of its order, in the ticket's language.
     */
    async variablesIn(tx: Executor, orgId: string, t: { shopId: string; orderId: string | null; language: string }): Promise<Record<string, string>> {
      if (!t.orderId) return {};
      const products = await productsOfOrder(tx, orgId, t.shopId, t.orderId);
      if (!products[0]) return {};
      const rows = (await tx.execute(sql`select field, entry_key, language, body from knowledge_entries where org_id = ${orgId} and product_id = ${products[0].id} and language in (${t.language}, 'en')`)).rows as Row[];
      const out: Record<string, string> = {};
      for (const lang of ['en', t.language]) {
        for (const r of rows.filter((x) => x.language === lang)) out[r.entry_key ? `knowledge.${r.field}.${r.entry_key}` : `knowledge.${r.field}`] = String(r.body);
      }
      return out;
    },

    /** Every text of a shop's products, for translators (CLI export). */
    async exportRows(actor: Actor, shopId: string): Promise<KnowledgeRow[]> {
      requireRole(actor, DESK, 'exporting product knowledge');
      return db.tenant(actor.orgId, async (tx) => {
        await shopIn(tx, actor.orgId, shopId);
        const rows = (await tx.execute(sql`select e.*, p.external_id as product_external_id from knowledge_entries e join catalogue_products p on p.org_id = e.org_id and p.id = e.product_id
          where e.org_id = ${actor.orgId} and e.shop_id = ${shopId} order by p.external_id, e.field, e.entry_key, e.language`)).rows as Row[];
        const byProduct = new Map<string, Row[]>();
        for (const r of rows) byProduct.set(String(r.product_id), [...(byProduct.get(String(r.product_id)) ?? []), r]);
        return rows.map((r) => {
          const v = entryView(r, sourceVersions(byProduct.get(String(r.product_id))!), new Map());
          return { product_external_id: String(r.product_external_id), field: v.field, key: v.key, language: v.language, title: v.title, body: v.body, version: v.version, status: v.status };
        });
      });
    },

    /** Write translators' rows back; unchanged texts are skipped. Rows naming a product the shop lacks fail the whole import. */
    async importRows(actor: Actor, shopId: string, rows: KnowledgeRow[], onProgress?: (done: number) => void): Promise<{ saved: number; unchanged: number }> {
      requireRole(actor, DESK, 'importing product knowledge');
      return db.tenant(actor.orgId, async (tx) => {
        await shopIn(tx, actor.orgId, shopId);
        const products = new Map(((await tx.execute(sql`select * from catalogue_products where org_id = ${actor.orgId} and shop_id = ${shopId}`)).rows as Row[]).map((p) => [String(p.external_id), p]));
        let saved = 0;
        let unchanged = 0;
        for (const [i, r] of rows.entries()) {
          const p = products.get(r.product_external_id);
          if (!p) throw AppError.validation('knowledge.unknown_product', `Row ${i + 1}: no product ${r.product_external_id} in this shop`, [{ field: `rows[${i}].product_external_id`, message: 'no such product in this shop' }]);
          const before = (await tx.execute(sql`select version from knowledge_entries where org_id = ${actor.orgId} and product_id = ${p.id as string} and field = ${r.field} and entry_key = ${r.field === 'faq' ? r.key || 'general' : r.key} and language = ${r.language}`)).rows[0] as { version: number } | undefined;
          const row = await saveIn(tx, actor.orgId, actor.userId, p, { field: r.field, key: r.key || undefined, language: r.language, title: r.title, body: r.body });
          if (before && Number(before.version) === Number(row.version)) unchanged++;
          else saved++;
          onProgress?.(i + 1);
        }
        return { saved, unchanged };
      });
    },
  };
  return svc;
}

export type KnowledgeService = ReturnType<typeof createKnowledgeService>;
