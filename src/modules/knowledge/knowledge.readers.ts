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
