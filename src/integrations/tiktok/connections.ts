import crypto from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { shopsTable } from '../../modules/tenancy/index.js';
import { TikTokApiError, type ShopAuth, type TikTokClient } from './client.js';
import type { TokenData } from './schemas.js';
import { decryptSecret, encryptSecret } from './secrets.js';
import { tiktokConnections } from './tiktok.schema.js';

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
    /** The seller's authorise link; `state` is signed so the callback can trust the org it names. */
    authorizeUrl(orgId: string, market?: string): { url: string; state: string } {
      const nonce = crypto.randomBytes(6).toString('base64url');
      const payload = `${orgId}.${nonce}`;
      const state = `${payload}.${stateMac(payload)}`;
      return { url: d.client.authorizeUrl(state, { serviceId: d.serviceId, market }), state };
    },

    orgFromState(state: string): string {
      const parts = state.split('.');
      const mac = parts.pop();
      const payload = parts.join('.');
      if (!mac || parts.length !== 2 || !crypto.timingSafeEqual(Buffer.from(stateMac(payload)), Buffer.from(mac.padEnd(22, '.').slice(0, 22)))) {
        throw AppError.validation('tiktok.bad_state', 'The OAuth state is not one we issued', [{ field: 'state', message: 'signature mismatch' }]);
      }
      return parts[0]!;
    },

    /**
     * Exchange the one-time auth code, list the shops the token covers and store one connection
     * per shop that this organisation has (matched by TikTok shop id). Others are reported.
     */
    async completeAuthorisation(orgId: string, authCode: string): Promise<{ connected: { shopId: string; tiktokShopId: string; name: string }[]; unmatched: { tiktokShopId: string; name: string; region: string }[] }> {
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
      const now = d.clock.now();
      return d.db.tenant(orgId, async (tx) => {
        const ours = await tx.select({ id: shopsTable.id, tiktokShopId: shopsTable.tiktokShopId }).from(shopsTable).where(eq(shopsTable.orgId, orgId));
        const connected: { shopId: string; tiktokShopId: string; name: string }[] = [];
        const unmatched: { tiktokShopId: string; name: string; region: string }[] = [];
        for (const s of shops.shops) {
          const mine = ours.find((o) => o.tiktokShopId === s.id);
          if (!mine) {
            unmatched.push({ tiktokShopId: s.id, name: s.name, region: s.region });
            continue;
          }
          const values = {
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
            .values({ orgId, id: d.ids('ttc'), shopId: mine.id, tiktokShopId: s.id, createdAt: now, ...values })
            .onConflictDoUpdate({ target: [tiktokConnections.orgId, tiktokConnections.shopId], set: { ...values, tiktokShopId: s.id } });
          authCache.delete(`${orgId}|${mine.id}`);
          connected.push({ shopId: mine.id, tiktokShopId: s.id, name: s.name });
        }
        return { connected, unmatched };
      });
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
          const [s] = await tx.select({ orgId: shopsTable.orgId, shopId: shopsTable.id }).from(shopsTable).where(eq(shopsTable.tiktokShopId, tiktokShopId)).limit(1);
          return s ?? null;
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
      const types = ['ORDER_STATUS_CHANGE', 'RECIPIENT_ADDRESS_UPDATE', 'PACKAGE_UPDATE', 'SELLER_DEAUTHORIZATION', 'UPCOMING_AUTHORIZATION_EXPIRATION', 'CANCELLATION_STATUS_CHANGE', 'RETURN_STATUS_CHANGE', 'NEW_CONVERSATION', 'NEW_MESSAGE'];
      for (const t of types) await api.withShop(orgId, shopId, (auth) => d.client.setWebhook(auth, t, address));
      return types;
    },
  };
  return api;
}

export type Connections = ReturnType<typeof createConnections>;
