import type { CatalogueProductInput } from '../../modules/knowledge/index.js';
import { parseDecimal } from '../../platform/money.js';
import type { Logger } from '../../platform/logger.js';
import type { TikTokClient } from './client.js';
import type { Connections } from './connections.js';
import type { ProductDetailData } from './schemas.js';

/** Where synced products go (the knowledge module's catalogue). */
export interface CatalogueSink {
  upsertCatalogue(orgId: string, shopId: string, platform: string, products: CatalogueProductInput[]): Promise<{ products: number; skus: number }>;
}

// TikTok has no warranty field of its own: where a category has one it is a product attribute
// ("Warranty Period", "Warranty Type"), named in the shop's language.
const WARRANTY = /warrant|garantie|garanzia|garant[ií]a|gew[aä]hrleistung/i;

/** A Get Product answer as the catalogue stores it (the domain never sees the payload). */
export function productFromTikTok(p: ProductDetailData): CatalogueProductInput {
  const attributes = (p.product_attributes ?? []).map((a) => ({ name: a.name, values: a.values.map((v) => v.name) }));
  const warranty = attributes.filter((a) => WARRANTY.test(a.name)).map((a) => `${a.name}: ${a.values.join(', ')}`).join('; ');
  const chart = p.size_chart;
  const category = (p.category_chains ?? []).find((c) => c.is_leaf)?.local_name ?? (p.category_chains ?? []).at(-1)?.local_name ?? null;
  return {
    externalId: p.id,
    title: p.title,
    description: p.description,
    status: p.status,
    category,
    brand: p.brand?.name ?? null,
    attributes,
    sizeChartUrl: chart?.image?.urls?.[0] ?? chart?.image?.thumb_urls?.[0] ?? (chart?.template?.id ? `template:${chart.template.id}` : null),
    imageUrls: (p.main_images ?? []).map((i) => i.urls?.[0] ?? i.thumb_urls?.[0]).filter((u): u is string => !!u),
    warranty: warranty || null,
    externalUpdatedAt: p.update_time ? new Date(p.update_time * 1000) : null,
    skus: p.skus.map((s) => ({
      externalId: s.id,
      sellerSku: s.seller_sku ?? null,
      name: (s.sales_attributes ?? []).map((a) => a.value_name).filter(Boolean).join(' / ') || null,
      price: s.price?.sale_price ? parseDecimal(s.price.sale_price, s.price.currency) : null,
    })),
  };
}

/** Catalogue sync: every product of a shop (Search Products, then Get Product each), or the ones a webhook named. */
export function createProductSync(d: { client: TikTokClient; connections: Connections; catalogue?: CatalogueSink; log: Logger }) {
  return {
    async syncShop(orgId: string, shopId: string, productIds?: string[], onProgress?: (done: number, total: number) => void): Promise<{ products: number; skus: number }> {
      if (!d.catalogue) return { products: 0, skus: 0 };
      const products = await d.connections.withShop(orgId, shopId, async (auth) => {
        let ids = productIds;
        if (!ids) {
          ids = [];
          let token: string | undefined;
          for (let page = 0; page < 1000; page++) {
            const r = await d.client.searchProducts(auth, { status: 'ALL' }, { page_size: 50, page_token: token });
            ids.push(...r.products.map((p) => p.id));
            if (!r.next_page_token) break;
            token = r.next_page_token;
          }
        }
        const out: CatalogueProductInput[] = [];
        for (const [i, id] of ids.entries()) {
          out.push(productFromTikTok(await d.client.getProduct(auth, id)));
          onProgress?.(i + 1, ids.length);
        }
        return out;
      });
      const r = await d.catalogue.upsertCatalogue(orgId, shopId, 'tiktok', products);
      d.log.info({ shopId, products: r.products }, 'TikTok catalogue synced');
      return r;
    },
  };
}
export type ProductSync = ReturnType<typeof createProductSync>;

/** The nightly catalogue sync of every connected shop (webhooks refresh single products in between). */
export async function syncAllCatalogues(connections: Connections, products: ProductSync, log: Logger): Promise<{ shops: number; failed: number }> {
  let failed = 0;
  const shops = await connections.allActive();
  for (const s of shops) {
    try {
      await products.syncShop(s.orgId, s.shopId);
    } catch (e) {
      failed++;
      log.warn({ err: e, orgId: s.orgId, shopId: s.shopId }, 'TikTok catalogue sync of a shop failed; the next run retries');
    }
  }
  return { shops: shops.length, failed };
}
