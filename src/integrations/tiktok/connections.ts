import crypto from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError, isUniqueViolation } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { bindTikTokShop, shopBindingsIn, shopIn, shopOfTikTokShop, shopsBoundTo, unbindTikTokShop } from '../../modules/tenancy/index.js';
import { TikTokApiError, type ShopAuth, type TikTokClient } from './client.js';
import type { TokenData } from './schemas.js';
import { decryptSecret, encryptSecret } from './secrets.js';
import { tiktokConnections, tiktokUnboundShops } from './tiktok.schema.js';
import { UNMATCHED_REASONS } from './tiktok.dto.js';

export type ConnectionRow = typeof tiktokConnections.$inferSelect;

export interface ConnectionsDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  secretKey: Buffer;
  client: TikTokClient;
  serviceId?: string;
}

/** Refresh this long before the access token's absolute expiry, so no call ever races it. */
export const REFRESH_AHEAD_MS = 24 * 3600_000;

/**
 * A decrypted token is trusted from memory this long, then re-read: another process (or the
 * webhook thread's sibling, the main thread) may have re-authorised or refreshed the shop, and
 * the platform may already refuse the token we hold.
 */
export const AUTH_RECHECK_MS = 60_000;

export interface AuthorisedShop {
  id: string;
  name: string;
  region: string;
  cipher: string;
}

/** Why an authorised TikTok shop was not bound: the owner can fix each by creating or choosing a shop. */
export { UNMATCHED_REASONS };
export type UnmatchedReason = (typeof UNMATCHED_REASONS)[number];

export interface AuthorisationResult {
  connected: { shopId: string; tiktokShopId: string; name: string }[];
  unmatched: { tiktokShopId: string; name: string; region: string; reason: UnmatchedReason }[];
  /** Bound to another organisation of this installation: never moved by this authorisation. */
  refused: { tiktokShopId: string; name: string; region: string }[];
}

/** TikTok names the United Kingdom "UK" in places; our markets are ISO 3166 codes. */
const marketOfRegion = (region: string) => (region.toUpperCase() === 'UK' ? 'GB' : region.toUpperCase());

/** Which of our shops an authorised TikTok shop bound nowhere goes to (pure). */
export function pickShopFor(
  s: { region: string },
  ours: { id: string; market: string; tiktokShopId: string | null }[],
  targetShopId?: string,
): { shop: { id: string; market: string; tiktokShopId: string | null } } | { reason: UnmatchedReason } {
  const market = marketOfRegion(s.region);
  if (targetShopId) {
    const target = ours.find((o) => o.id === targetShopId);
    if (!target) return { reason: 'not_the_target' };
    if (target.market !== market) return { reason: 'target_shop_other_market' };
    if (target.tiktokShopId) return { reason: 'target_shop_bound' };
    return { shop: target };
  }
  const free = ours.filter((o) => !o.tiktokShopId && o.market === market);
  if (free.length === 0) return { reason: 'no_shop_in_market' };
  if (free.length > 1) return { reason: 'several_shops_in_market' };
  return { shop: free[0]! };
}

interface Holder {
  orgId: string;
  shopId: string;
  status: string | null;
}

export type BindingStep =
  | { kind: 'renew' | 'bind'; shop: AuthorisedShop; shopId: string; takeOverFrom?: Holder }
  | { kind: 'unmatched'; shop: AuthorisedShop; reason: UnmatchedReason }
  | { kind: 'refused'; shop: AuthorisedShop };

/**
 * What one authorisation does with each shop it covers (pure; the rules are in
 * `bindAuthorisedShops`' comment). `holders` are the current bindings of those TikTok shops across
 * the installation; `ours` this organisation's shops.
 */
export function planBinding(
  orgId: string,
  authorised: AuthorisedShop[],
  holders: Map<string, Holder>,
  ours: { id: string; market: string; tiktokShopId: string | null }[],
  targetShopId?: string,
): BindingStep[] {
  const shops = ours.map((o) => ({ ...o }));
  return authorised.map((s): BindingStep => {
    const h = holders.get(s.id);
    if (h && h.orgId !== orgId && h.status !== 'revoked') return { kind: 'refused', shop: s };
    const mine = h?.orgId === orgId ? shops.find((o) => o.id === h.shopId) : undefined;
    if (mine) return { kind: 'renew', shop: s, shopId: mine.id };
    const pick = pickShopFor(s, shops, targetShopId);
    if ('reason' in pick) return { kind: 'unmatched', shop: s, reason: pick.reason };
    pick.shop.tiktokShopId = s.id;
    return h ? { kind: 'bind', shop: s, shopId: pick.shop.id, takeOverFrom: h } : { kind: 'bind', shop: s, shopId: pick.shop.id };
  });
}

function boundElsewhere(shops: { id?: string; tiktokShopId?: string; name: string }[]): AppError {
  const ids = shops.map((s) => s.tiktokShopId ?? s.id!);
  return AppError.conflict(
    'tiktok.shop_bound_elsewhere',
    `TikTok shop ${shops.map((s) => `${s.name} (${s.tiktokShopId ?? s.id})`).join(', ')} is connected to another organisation on this installation. A TikTok shop belongs to one organisation: the seller must remove the app there (de-authorise) before connecting it here.`,
    { tiktokShopIds: ids },
  );
}

export interface ResolvedShop {
  orgId: string;
  shopId: string;
}

/**
 * Authorised shops: OAuth code → tokens (encrypted at rest), one row per shop with its cipher,
 * refresh before expiry (serialised per shop with an advisory lock, rotate-and-replace).
 */
export function createConnections(d: ConnectionsDeps) {
  const authCache = new Map<string, { auth: ShopAuth & { tiktokShopId: string }; accessExpiresAt: number; readAt: number }>();
  const shopCache = new Map<string, { v: ResolvedShop | null; at: number }>();
  const shopLookups = new Map<string, Promise<ResolvedShop | null>>();

  const stateMac = (payload: string) => crypto.createHmac('sha256', d.secretKey).update(`tiktok-oauth-state:${payload}`).digest('base64url').slice(0, 22);

  function persistTokens(t: TokenData) {
    return {
      accessTokenEnc: encryptSecret(d.secretKey, t.access_token),
      accessExpiresAt: new Date(t.access_token_expire_in * 1000),
      refreshTokenEnc: encryptSecret(d.secretKey, t.refresh_token),
      refreshExpiresAt: new Date(t.refresh_token_expire_in * 1000),
    };
  }

  async function loadConnection(tx: Executor, orgId: string, shopId: string): Promise<ConnectionRow> {
    const [c] = await tx.select().from(tiktokConnections).where(and(eq(tiktokConnections.orgId, orgId), eq(tiktokConnections.shopId, shopId)));
    if (!c) throw AppError.unprocessable('tiktok.not_connected', `Shop ${shopId} is not connected to TikTok Shop; run "afterdesk tiktok connect" first`, { shopId });
    if (c.status !== 'active') throw AppError.unprocessable('tiktok.connection_inactive', `The TikTok connection of shop ${shopId} is ${c.status}; the seller must authorise again`, { shopId, status: c.status });
    return c;
  }

  const api = {
    /**
     * The seller's authorise link; `state` is signed so the callback can trust the organisation
     * (and, when the owner connects one particular shop, that shop) it names.
     */
    authorizeUrl(orgId: string, opts: { market?: string; shopId?: string } = {}): { url: string; state: string } {
      const nonce = crypto.randomBytes(6).toString('base64url');
      const payload = `${orgId}.${opts.shopId ?? ''}.${nonce}`;
      const state = `${payload}.${stateMac(payload)}`;
      return { url: d.client.authorizeUrl(state, { serviceId: d.serviceId, market: opts.market }), state };
    },

    /** The organisation and optional target shop a state we issued names; anything else is refused. */
    stateOf(state: string): { orgId: string; shopId?: string } {
      const parts = state.split('.');
      const mac = parts.pop();
      const payload = parts.join('.');
      // Two parts (org, nonce) is the form issued before one-shop authorisations; still honoured.
      if (!mac || (parts.length !== 2 && parts.length !== 3) || !parts[0] || !crypto.timingSafeEqual(Buffer.from(stateMac(payload)), Buffer.from(mac.padEnd(22, '.').slice(0, 22)))) {
        throw AppError.validation('tiktok.bad_state', 'The OAuth state is not one we issued', [{ field: 'state', message: 'signature mismatch' }]);
      }
      return parts.length === 3 && parts[1] ? { orgId: parts[0], shopId: parts[1] } : { orgId: parts[0] };
    },

    /** Throws unless the organisation has this shop (the target of a one-shop authorisation). */
    async requireShop(orgId: string, shopId: string): Promise<void> {
      await d.db.tenant(orgId, (tx) => shopIn(tx, orgId, shopId));
    },

    /**
     * Exchange the one-time auth code, list the shops the token covers and bind them. This is the
     * only way a shop gets a TikTok shop id (see bindAuthorisedShops).
     */
    async completeAuthorisation(orgId: string, authCode: string, opts: { shopId?: string } = {}): Promise<AuthorisationResult> {
      if (!authCode.trim()) throw AppError.validation('tiktok.code_required', 'The authorisation code is empty', [{ field: 'code', message: 'required' }]);
      let tokens: TokenData;
      let shops: Awaited<ReturnType<TikTokClient['getAuthorizedShops']>>;
      try {
        tokens = await d.client.getAccessToken(authCode.trim());
        shops = await d.client.getAuthorizedShops(tokens.access_token);
      } catch (e) {
        if (e instanceof TikTokApiError && (e.code === 36004005 || e.code === 36009004)) {
          throw AppError.validation('tiktok.code_invalid', `TikTok refused the authorisation code (${e.code} ${e.message}); codes are single use and live 30 minutes — authorise again`, [{ field: 'code', message: 'invalid, used or expired' }]);
        }
        if (e instanceof TikTokApiError) throw new AppError('upstream', 'tiktok.upstream', e.message, { code: e.code, requestId: e.requestId }, { cause: e });
        throw e;
      }
      return api.bindAuthorisedShops(orgId, tokens, shops.shops, opts);
    },

    /**
     * Bind the shops one token covers to this organisation. A TikTok shop belongs to at most one
     * organisation (unique `shops.tiktok_shop_id`), and only a token the platform issued for it
     * proves the seller chose us:
     * - bound to a shop of this organisation already: re-authorisation, tokens replaced (idempotent);
     * - bound to another organisation: refused (the whole call is a 409 when nothing else bound),
     *   unless that organisation's connection is `revoked` — the seller removed the app there, and
     *   this fresh authorisation is the seller's choice of a new home: the binding moves;
     * - bound nowhere: given to the target shop of a one-shop authorisation, else to this
     *   organisation's one unbound shop in the TikTok shop's market; none or several → unmatched.
     * Internal: callers hold tokens the platform issued for exactly these shops.
     */
    async bindAuthorisedShops(orgId: string, tokens: TokenData, authorised: AuthorisedShop[], opts: { shopId?: string } = {}): Promise<AuthorisationResult> {
      if (opts.shopId) await api.requireShop(orgId, opts.shopId);
      const ids = authorised.map((s) => s.id);
      const holders = new Map<string, Holder>();
      if (ids.length) {
        await d.db.system(async (tx) => {
          const bound = await shopsBoundTo(tx, ids);
          // A holder's connection (one per shop) tells whether the seller revoked us there; none → null.
          const conns = bound.length
            ? await tx
                .select({ orgId: tiktokConnections.orgId, shopId: tiktokConnections.shopId, status: tiktokConnections.status })
                .from(tiktokConnections)
                .where(inArray(tiktokConnections.shopId, bound.map((b) => b.shopId)))
            : [];
          for (const b of bound) {
            const c = conns.find((x) => x.orgId === b.orgId && x.shopId === b.shopId);
            holders.set(b.tiktokShopId, { orgId: b.orgId, shopId: b.shopId, status: c?.status ?? null });
          }
        });
      }
      const ours = await d.db.tenant(orgId, (tx) => shopBindingsIn(tx, orgId));
      const plan = planBinding(orgId, authorised, holders, ours, opts.shopId);

      // Only a shop this authorisation will really bind is taken from an organisation where it was revoked.
      for (const p of plan) {
        if (p.kind !== 'bind' || !p.takeOverFrom) continue;
        const h = p.takeOverFrom;
        await d.db.system(async (tx) => {
          await tx.delete(tiktokConnections).where(and(eq(tiktokConnections.orgId, h.orgId), eq(tiktokConnections.shopId, h.shopId), eq(tiktokConnections.status, 'revoked')));
          await unbindTikTokShop(tx, h.orgId, h.shopId, p.shop.id, d.clock.now());
        });
        authCache.delete(`${h.orgId}|${h.shopId}`);
        shopCache.delete(p.shop.id);
        d.log.info({ tiktokShopId: p.shop.id, fromOrgId: h.orgId, fromShopId: h.shopId, toOrgId: orgId, toShopId: p.shopId }, 'TikTok shop de-authorised at its old organisation and authorised for another: binding moved');
      }

      const now = d.clock.now();
      const result: AuthorisationResult = { connected: [], unmatched: [], refused: [] };
      try {
        await d.db.tenant(orgId, async (tx) => {
          for (const p of plan) {
            const s = p.shop;
            if (p.kind === 'refused') {
              result.refused.push({ tiktokShopId: s.id, name: s.name, region: s.region });
              continue;
            }
            if (p.kind === 'unmatched') {
              result.unmatched.push({ tiktokShopId: s.id, name: s.name, region: s.region, reason: p.reason });
              continue;
            }
            if (p.kind === 'bind') {
              if (!(await bindTikTokShop(tx, orgId, p.shopId, s.id, now))) throw AppError.conflict('tiktok.binding_changed', 'Another authorisation changed the shops of this organisation at the same time; authorise again', { shopId: p.shopId });
            }
            const values = {
              tiktokShopId: s.id,
              shopCipher: s.cipher,
              shopName: s.name,
              region: s.region,
              sellerName: tokens.seller_name ?? null,
              openId: tokens.open_id ?? null,
              ...persistTokens(tokens),
              grantedScopes: tokens.granted_scopes ?? [],
              status: 'active' as const,
              updatedAt: now,
            };
            await tx
              .insert(tiktokConnections)
              .values({ orgId, id: d.ids('ttc'), shopId: p.shopId, createdAt: now, ...values })
              .onConflictDoUpdate({ target: [tiktokConnections.orgId, tiktokConnections.shopId], set: values });
            result.connected.push({ shopId: p.shopId, tiktokShopId: s.id, name: s.name });
          }
        });
      } catch (e) {
        // Another organisation bound one of these shops between our look-up and our write.
        if (isUniqueViolation(e, 'shops_tiktok_shop_unique') || isUniqueViolation(e, 'tiktok_connections_tiktok_shop_unique')) throw boundElsewhere(authorised);
        throw e;
      }
      for (const c of result.connected) {
        authCache.delete(`${orgId}|${c.shopId}`);
        shopCache.delete(c.tiktokShopId);
      }
      if (result.connected.length) {
        // Events for these shops now have a home; the operator's list shows only shops bound nowhere.
        await d.db.system((tx) => tx.delete(tiktokUnboundShops).where(inArray(tiktokUnboundShops.tiktokShopId, result.connected.map((c) => c.tiktokShopId))));
      }
      if (result.connected.length === 0 && result.refused.length > 0) throw boundElsewhere(result.refused);
      return result;
    },

    /** Token and cipher for a shop, refreshed ahead of expiry. Cached in memory (decrypted) per process. */
    async shopAuth(orgId: string, shopId: string, opts: { forceRefresh?: boolean } = {}): Promise<ShopAuth & { tiktokShopId: string }> {
      const key = `${orgId}|${shopId}`;
      const cached = authCache.get(key);
      const nowMs = d.clock.now().getTime();
      if (!opts.forceRefresh && cached && cached.accessExpiresAt - REFRESH_AHEAD_MS > nowMs && nowMs - cached.readAt < AUTH_RECHECK_MS) return cached.auth;
      const row = await d.db.tenant(orgId, (tx) => loadConnection(tx, orgId, shopId));
      if (!opts.forceRefresh && row.accessExpiresAt.getTime() - REFRESH_AHEAD_MS > nowMs) {
        const auth = { accessToken: decryptSecret(d.secretKey, row.accessTokenEnc), cipher: row.shopCipher, tiktokShopId: row.tiktokShopId };
        authCache.set(key, { auth, accessExpiresAt: row.accessExpiresAt.getTime(), readAt: nowMs });
        return auth;
      }
      return api.refresh(orgId, shopId, row.updatedAt);
    },

    /**
     * Rotate tokens. Refresh tokens are rotate-and-replace (the old one may die at once), so two
     * workers must never refresh the same grant together: an advisory lock serialises them and
     * the loser reuses the winner's fresh tokens.
     */
    async refresh(orgId: string, shopId: string, seenUpdatedAt?: Date): Promise<ShopAuth & { tiktokShopId: string }> {
      const key = `${orgId}|${shopId}`;
      return d.db.tenant(orgId, async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`tiktok-refresh:${key}`}))`);
        const row = await loadConnection(tx, orgId, shopId);
        const nowMs = d.clock.now().getTime();
        if (seenUpdatedAt && row.updatedAt.getTime() > seenUpdatedAt.getTime() && row.accessExpiresAt.getTime() - REFRESH_AHEAD_MS > nowMs) {
          const auth = { accessToken: decryptSecret(d.secretKey, row.accessTokenEnc), cipher: row.shopCipher, tiktokShopId: row.tiktokShopId };
          authCache.set(key, { auth, accessExpiresAt: row.accessExpiresAt.getTime(), readAt: nowMs });
          return auth;
        }
        let t: TokenData;
        try {
          t = await d.client.refreshAccessToken(decryptSecret(d.secretKey, row.refreshTokenEnc));
        } catch (e) {
          if (e instanceof TikTokApiError && e.needsReauthorisation) {
            await tx.update(tiktokConnections).set({ status: 'needs_reauthorisation', updatedAt: d.clock.now() }).where(and(eq(tiktokConnections.orgId, orgId), eq(tiktokConnections.shopId, shopId)));
            authCache.delete(key);
            d.log.warn({ orgId, shopId, code: e.code }, 'TikTok refresh token rejected: the seller must authorise again');
          }
          throw e;
        }
        // The same grant covers every shop of the seller: update every row that shared the old refresh token.
        const values = { ...persistTokens(t), updatedAt: d.clock.now() };
        await tx.update(tiktokConnections).set(values).where(and(eq(tiktokConnections.orgId, orgId), eq(tiktokConnections.refreshTokenEnc, row.refreshTokenEnc)));
        await tx.update(tiktokConnections).set(values).where(and(eq(tiktokConnections.orgId, orgId), eq(tiktokConnections.shopId, shopId)));
        for (const k of [...authCache.keys()]) if (k.startsWith(`${orgId}|`)) authCache.delete(k);
        const auth = { accessToken: t.access_token, cipher: row.shopCipher, tiktokShopId: row.tiktokShopId };
        authCache.set(key, { auth, accessExpiresAt: values.accessExpiresAt.getTime(), readAt: d.clock.now().getTime() });
        d.log.info({ orgId, shopId }, 'TikTok access token refreshed');
        return auth;
      });
    },

    /**
     * Run a call with the shop's credentials. On "access token expired" refresh once and retry; on
     * an answer that may mean our token is stale, take the stored token again (or refresh when
     * the stored one is the token that was refused) and retry once — before the caller marks
     * anything failed.
     */
    async withShop<T>(orgId: string, shopId: string, fn: (auth: ShopAuth) => Promise<T>): Promise<T> {
      const auth = await api.shopAuth(orgId, shopId);
      try {
        return await fn(auth);
      } catch (e) {
        if (!(e instanceof TikTokApiError)) throw e;
        if (e.needsRefresh) return fn(await api.shopAuth(orgId, shopId, { forceRefresh: true }));
        if (e.mayBeStaleToken) {
          const fresh = await api.replaceRefusedToken(orgId, shopId, auth.accessToken, e);
          if (fresh) return fn(fresh);
        }
        throw e;
      }
    },

    /**
     * The platform refused `refused`. A different stored token means someone else re-authorised
     * or refreshed (the webhook thread keeps its own cache): use it. The same stored token is
     * refreshed only when the answer names the token, since 36009004 also means a bad parameter
     * and a refresh rotates the seller's whole grant. Null: nothing new to retry with.
     */
    async replaceRefusedToken(orgId: string, shopId: string, refused: string, e: TikTokApiError): Promise<(ShopAuth & { tiktokShopId: string }) | null> {
      const key = `${orgId}|${shopId}`;
      authCache.delete(key);
      const row = await d.db.tenant(orgId, (tx) => loadConnection(tx, orgId, shopId));
      const stored = decryptSecret(d.secretKey, row.accessTokenEnc);
      if (stored !== refused) {
        d.log.info({ orgId, shopId, code: e.code }, 'TikTok refused a token another process had replaced; retrying with the stored one');
        const auth = { accessToken: stored, cipher: row.shopCipher, tiktokShopId: row.tiktokShopId };
        authCache.set(key, { auth, accessExpiresAt: row.accessExpiresAt.getTime(), readAt: d.clock.now().getTime() });
        return auth;
      }
      if (!e.saysTokenInvalid) return null;
      d.log.warn({ orgId, shopId, code: e.code }, 'TikTok refused the stored access token; refreshing it once');
      return api.refresh(orgId, shopId, row.updatedAt);
    },

    async list(orgId: string): Promise<ConnectionRow[]> {
      return d.db.tenant(orgId, (tx) => tx.select().from(tiktokConnections).where(eq(tiktokConnections.orgId, orgId)));
    },

    /** Every active connection of every organisation (reconciliation). */
    async allActive(): Promise<{ orgId: string; shopId: string }[]> {
      return d.db.system((tx) => tx.select({ orgId: tiktokConnections.orgId, shopId: tiktokConnections.shopId }).from(tiktokConnections).where(eq(tiktokConnections.status, 'active')));
    },

    /** Webhooks name the shop only: find its organisation (cached briefly; runs before we know the org). */
    async resolveTikTokShop(tiktokShopId: string): Promise<ResolvedShop | null> {
      const hit = shopCache.get(tiktokShopId);
      const now = Date.now();
      if (hit && now - hit.at < (hit.v ? 60_000 : 5_000)) return hit.v;
      // One lookup per shop at a time: a burst arriving on a cold (or just expired) entry waits
      // for the same query instead of sending one each.
      const running = shopLookups.get(tiktokShopId);
      if (running) return running;
      const lookup = d.db
        .system(async (tx) => {
          return shopOfTikTokShop(tx, tiktokShopId);
        })
        .then((v) => {
          shopCache.set(tiktokShopId, { v, at: now });
          return v;
        })
        .finally(() => shopLookups.delete(tiktokShopId));
      shopLookups.set(tiktokShopId, lookup);
      return lookup;
    },

    async markRevoked(orgId: string, shopId: string): Promise<void> {
      await d.db.tenant(orgId, (tx) => tx.update(tiktokConnections).set({ status: 'revoked', updatedAt: d.clock.now() }).where(and(eq(tiktokConnections.orgId, orgId), eq(tiktokConnections.shopId, shopId))));
      authCache.delete(`${orgId}|${shopId}`);
    },

    /** Subscribe the shop's after-sales topics to our webhook endpoint. */
    async registerWebhooks(orgId: string, shopId: string, address: string): Promise<string[]> {
      const types = ['ORDER_STATUS_CHANGE', 'RECIPIENT_ADDRESS_UPDATE', 'PACKAGE_UPDATE', 'SELLER_DEAUTHORIZATION', 'UPCOMING_AUTHORIZATION_EXPIRATION', 'CANCELLATION_STATUS_CHANGE', 'RETURN_STATUS_CHANGE', 'NEW_CONVERSATION', 'NEW_MESSAGE', 'PRODUCT_STATUS_CHANGE', 'PRODUCT_INFORMATION_CHANGE', 'PRODUCT_CREATION'];
      for (const t of types) await api.withShop(orgId, shopId, (auth) => d.client.setWebhook(auth, t, address));
      return types;
    },
  };
  return api;
}

export type Connections = ReturnType<typeof createConnections>;
