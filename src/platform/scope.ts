import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Brand scoping inside one organisation. A user limited to some client brands carries the ids of
 * the shops those brands own; every `Database.tenant()` transaction opened while that scope is
 * active sets `app.shop_ids`, and the restrictive `brand_scope` policy on shop-owned tables
 * (migration 0010, `afterdesk_brand_scoped_table`) hides every other shop's rows. `null` means
 * the whole organisation (unscoped users, jobs, webhooks, the CLI).
 */
export type ShopScope = readonly string[] | null;

const store = new AsyncLocalStorage<{ shopIds: ShopScope }>();

/** Run `fn` with the given shop scope; every tenant transaction inside it is limited to it. */
export function runInShopScope<T>(shopIds: ShopScope, fn: () => T): T {
  return store.run({ shopIds }, fn);
}

/** The shop scope of the work in progress, or null when it sees the whole organisation. */
export function currentShopScope(): ShopScope {
  return store.getStore()?.shopIds ?? null;
}

/** The value for `app.shop_ids`: '' for the whole organisation, else a Postgres text[] literal. */
export function shopScopeSetting(shopIds: ShopScope): string {
  if (shopIds === null) return '';
  // An empty scope sees no shop at all: a literal that matches no id keeps the policy closed.
  if (shopIds.length === 0) return '{-}';
  return `{${shopIds.map((s) => `"${s.replace(/["\\]/g, '')}"`).join(',')}}`;
}
