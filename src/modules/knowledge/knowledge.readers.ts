import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';

/** The catalogue SKU (and its product) behind a platform SKU id of a shop: how an order line links to the catalogue. */
export async function catalogueSkusOf(tx: Executor, orgId: string, shopId: string, externalSkuIds: string[]): Promise<{ externalSkuId: string; skuId: string; productId: string; title: string }[]> {
  if (externalSkuIds.length === 0) return [];
  const r = await tx.execute(sql`select s.external_id, s.id, s.product_id, p.title from catalogue_skus s join catalogue_products p on p.org_id = s.org_id and p.id = s.product_id
    where s.org_id = ${orgId} and s.shop_id = ${shopId} and s.external_id = any(${sql.param(externalSkuIds)}::text[])`);
  return (r.rows as { external_id: string; id: string; product_id: string; title: string }[]).map((x) => ({ externalSkuId: x.external_id, skuId: x.id, productId: x.product_id, title: x.title }));
}

/** Whether a catalogue product exists in the organisation. */
export async function productExists(tx: Executor, orgId: string, productId: string): Promise<boolean> {
  return (await tx.execute(sql`select 1 from catalogue_products where org_id = ${orgId} and id = ${productId}`)).rows.length > 0;
}

/** What the buyer's page needs of a platform product: its warranty terms and its variants. */
export interface ProductTerms {
  externalProductId: string;
  productId: string;
  title: string;
  /** The listing's warranty attribute ("Warranty Period: 2 years"), as synced. */
  warranty: string | null;
  /** The seller's warranty knowledge texts, one per language (buyer languages and zh-CN). */
  warrantyTexts: { language: string; body: string }[];
  /** The product's SKUs (name: the sales attributes, e.g. "Black / M"). */
  skus: { externalSkuId: string; sellerSku: string | null; name: string | null }[];
}

/** Warranty terms and SKUs of a shop's catalogue products by platform product id, in one statement (issue 17's buyer page). */
export async function productTermsOf(tx: Executor, orgId: string, shopId: string, externalProductIds: string[]): Promise<ProductTerms[]> {
  if (externalProductIds.length === 0) return [];
  const r = await tx.execute(sql`select p.id, p.external_id, p.title, p.warranty,
      coalesce((select json_agg(json_build_object('externalSkuId', s.external_id, 'sellerSku', s.seller_sku, 'name', s.name) order by s.name, s.external_id)
        from catalogue_skus s where s.org_id = p.org_id and s.product_id = p.id), '[]'::json) as skus,
      coalesce((select json_agg(json_build_object('language', e.language, 'body', e.body) order by e.language, e.entry_key)
        from knowledge_entries e where e.org_id = p.org_id and e.product_id = p.id and e.field = 'warranty'), '[]'::json) as texts
    from catalogue_products p where p.org_id = ${orgId} and p.shop_id = ${shopId} and p.external_id = any(${sql.param(externalProductIds)}::text[])`);
  return (r.rows as { id: string; external_id: string; title: string; warranty: string | null; skus: ProductTerms['skus']; texts: ProductTerms['warrantyTexts'] }[]).map((x) => ({
    externalProductId: x.external_id,
    productId: x.id,
    title: x.title,
    warranty: x.warranty,
    warrantyTexts: x.texts,
    skus: x.skus,
  }));
}
