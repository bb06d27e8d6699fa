import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { statement, type Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { cachedSetting } from '../../platform/settings-cache.js';
import type { ShopRow } from './tenancy.service.js';
import { brands, organisations, shops } from './tenancy.schema.js';

/** A wide row read on every new message and reply: rendered once (`statement()`, platform/db.ts). */
const shopById = statement((db) => db.select().from(shops).where(and(eq(shops.orgId, sql.placeholder('orgId')), eq(shops.id, sql.placeholder('shopId')))));

/**
 * Narrow reads for other modules, on the caller's transaction (so they see its writes and its
 * organisation): the shops table stays this module's own.
 */
export async function shopIn(tx: Executor, orgId: string, shopId: string): Promise<ShopRow> {
  // A hot transaction's shop comes from memory while the organisation's settings are unchanged.
  const s = await cachedSetting(tx, orgId, `shop:${shopId}`, async () => (await shopById(tx, { orgId, shopId }))[0]);
  if (!s) throw AppError.notFound('shop', shopId);
  return s;
}

/** The organisation's shops with their market and TikTok binding (the candidates when a TikTok authorisation binds shops). */
export async function shopBindingsIn(tx: Executor, orgId: string): Promise<{ id: string; market: string; tiktokShopId: string | null }[]> {
  return tx.select({ id: shops.id, market: shops.market, tiktokShopId: shops.tiktokShopId }).from(shops).where(eq(shops.orgId, orgId));
}

/** The shops, in any organisation, bound to these TikTok shop ids (a system read: used before the organisation is known). */
export async function shopsBoundTo(tx: Executor, tiktokShopIds: string[]): Promise<{ orgId: string; shopId: string; tiktokShopId: string }[]> {
  if (tiktokShopIds.length === 0) return [];
  const rows = await tx.select({ orgId: shops.orgId, shopId: shops.id, tiktokShopId: shops.tiktokShopId }).from(shops).where(inArray(shops.tiktokShopId, tiktokShopIds));
  return rows.map((r) => ({ orgId: r.orgId, shopId: r.shopId, tiktokShopId: r.tiktokShopId! }));
}

/** The shop bound to a TikTok shop id, or null (a system read: webhooks name the shop only). */
export async function shopOfTikTokShop(tx: Executor, tiktokShopId: string): Promise<{ orgId: string; shopId: string } | null> {
  const [s] = await tx.select({ orgId: shops.orgId, shopId: shops.id }).from(shops).where(eq(shops.tiktokShopId, tiktokShopId)).limit(1);
  return s ?? null;
}

/*
 * Narrow commands for the TikTok integration, on the caller's transaction: a shop's binding to a
 * TikTok shop is written here so the shops table keeps one writer.
 */

/** Binds a still-unbound shop; false when the shop is gone or already bound (someone else changed it meanwhile). */
export async function bindTikTokShop(tx: Executor, orgId: string, shopId: string, tiktokShopId: string, at: Date): Promise<boolean> {
  const bound = await tx
    .update(shops)
    .set({ tiktokShopId, updatedAt: at })
    .where(and(eq(shops.orgId, orgId), eq(shops.id, shopId), isNull(shops.tiktokShopId)))
    .returning({ id: shops.id });
  return bound.length > 0;
}

/** Releases a shop's binding, only while it still holds this TikTok shop id. */
export async function unbindTikTokShop(tx: Executor, orgId: string, shopId: string, tiktokShopId: string, at: Date): Promise<void> {
  await tx.update(shops).set({ tiktokShopId: null, updatedAt: at }).where(and(eq(shops.orgId, orgId), eq(shops.id, shopId), eq(shops.tiktokShopId, tiktokShopId)));
}

/** Name and kind of organisations by id (system work: a login's memberships span organisations). */
export async function organisationsByIds(tx: Executor, orgIds: string[]): Promise<{ orgId: string; name: string; kind: 'seller' | 'agency' }[]> {
  if (!orgIds.length) return [];
  const rows = await tx.select({ orgId: organisations.orgId, name: organisations.name, kind: organisations.kind }).from(organisations).where(inArray(organisations.orgId, orgIds));
  return rows as { orgId: string; name: string; kind: 'seller' | 'agency' }[];
}

/** Which of these brand ids exist in the organisation. */
export async function brandsIn(tx: Executor, orgId: string, brandIds: string[]): Promise<string[]> {
  if (!brandIds.length) return [];
  const rows = await tx.select({ id: brands.id }).from(brands).where(and(eq(brands.orgId, orgId), inArray(brands.id, brandIds)));
  return rows.map((r) => r.id);
}

/** The shops of these brands: a brand-limited person's shop scope. */
export async function shopIdsOfBrands(tx: Executor, orgId: string, brandIds: string[]): Promise<string[]> {
  if (!brandIds.length) return [];
  const rows = await tx.select({ id: shops.id }).from(shops).where(and(eq(shops.orgId, orgId), inArray(shops.brandId, brandIds)));
  return rows.map((r) => r.id);
}

/** The organisation a shop belongs to (shop ids are unique across the installation): the CLI takes a bare `--shop`. */
export async function orgOfShop(tx: Executor, shopId: string): Promise<string | null> {
  const [s] = await tx.select({ orgId: shops.orgId }).from(shops).where(eq(shops.id, shopId));
  return s?.orgId ?? null;
}
