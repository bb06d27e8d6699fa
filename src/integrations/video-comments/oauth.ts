/**
 * OAuth for a TikTok business account on the TikTok API for Business ("TikTok account holder
 * authorization"; facts and sources in docs/tiktok-conformance.md):
 * - the account holder opens the app's authorisation URL (`client_key` = the app id, `scope`,
 *   `response_type=code`, `redirect_uri`, our `state`) and is sent back to the redirect URI with
 *   `code` (single use, about ten minutes) and the same `state`;
 * - `POST /tt_user/oauth2/token/` `{client_id, client_secret, grant_type: authorization_code,
 *   auth_code, redirect_uri}` → `data` `{access_token, expires_in (s, one day), refresh_token,
 *   refresh_token_expires_in (s, one year), open_id (= the business_id of later calls), scope}`;
 * - `POST /tt_user/oauth2/refresh_token/` `{client_id, client_secret, grant_type: refresh_token,
 *   refresh_token}` → the same shape; the refresh token may rotate, so the newest one is kept;
 * - `GET /business/get/` (`business_id`, `fields`) → `data.display_name`, `data.username`.
 * Small public functions, so other integrations of the same API (the ads client) can reuse them.
 */
import { z } from 'zod';
import { BUSINESS_API_BASE, BusinessApiError, type BusinessFetch } from './client.js';

/** Where TikTok asks the account holder for consent (the demo and tests use the stand-in's page). */
export const BUSINESS_AUTH_URL = 'https://www.tiktok.com/v2/auth/authorize/';

/** What reading and answering comments under the account's own videos needs. */
export const BUSINESS_COMMENT_SCOPES = ['user.info.basic', 'video.list', 'comment.list', 'comment.list.manage'] as const;

export interface BusinessApp {
  appId: string;
  appSecret: string;
  /** Our callback, exactly as registered in the app ("TikTok account holder redirect URL"). */
  redirectUri: string;
}

const Envelope = z.object({ code: z.number(), message: z.string().optional(), data: z.unknown().optional() });
const TokenData = z
  .object({
    access_token: z.string().min(1),
    expires_in: z.coerce.number(),
    refresh_token: z.string().min(1),
    refresh_token_expires_in: z.coerce.number(),
    open_id: z.string().min(1),
    scope: z.string().optional(),
  })
  .passthrough();

export interface BusinessTokens {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: Date;
  refreshExpiresAt: Date;
  /** The account's id for later calls (`business_id`). */
  openId: string;
  scopes: string[];
}

/** The account holder's consent link. */
export function businessAuthorizeUrl(app: Pick<BusinessApp, 'appId' | 'redirectUri'>, state: string, o: { authUrl?: string; scopes?: readonly string[] } = {}): string {
  const u = new URL(o.authUrl ?? BUSINESS_AUTH_URL);
  u.searchParams.set('client_key', app.appId);
  u.searchParams.set('scope', (o.scopes ?? BUSINESS_COMMENT_SCOPES).join(','));
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('redirect_uri', app.redirectUri);
  u.searchParams.set('state', state);
  return u.toString();
}

async function tokenCall(path: string, body: Record<string, string>, o: { base?: string; fetchImpl: BusinessFetch; now: Date }, what: string): Promise<BusinessTokens> {
  const base = (o.base ?? BUSINESS_API_BASE).replace(/\/$/, '');
  const res = await o.fetchImpl(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const env = Envelope.safeParse(await res.json().catch(() => null));
  if (!env.success) throw new Error(`TikTok ${what} failed: HTTP ${res.status} without the API's answer`);
  if (env.data.code !== 0) {
    if (res.status >= 500) throw new Error(`TikTok ${what} failed: ${env.data.message ?? env.data.code}`);
    throw new BusinessApiError(env.data.code, `TikTok refused the ${what}: ${env.data.message ?? 'code ' + env.data.code}`);
  }
  const t = TokenData.safeParse(env.data.data);
  if (!t.success) throw new Error(`TikTok answered the ${what} in an unexpected shape`);
  const at = o.now.getTime();
  return {
    accessToken: t.data.access_token,
    refreshToken: t.data.refresh_token,
    accessExpiresAt: new Date(at + t.data.expires_in * 1000),
    refreshExpiresAt: new Date(at + t.data.refresh_token_expires_in * 1000),
    openId: t.data.open_id,
    scopes: (t.data.scope ?? '').split(',').map((x) => x.trim()).filter(Boolean),
  };
}

/** Exchange the one-time code from the redirect for the account's tokens. */
export function exchangeBusinessCode(app: BusinessApp, code: string, o: { base?: string; fetchImpl: BusinessFetch; now: Date }): Promise<BusinessTokens> {
  return tokenCall('/tt_user/oauth2/token/', { client_id: app.appId, client_secret: app.appSecret, grant_type: 'authorization_code', auth_code: code, redirect_uri: app.redirectUri }, o, 'authorisation code exchange');
}

/** A new access token (and possibly a new refresh token) without asking the account holder again. */
export function refreshBusinessToken(app: Pick<BusinessApp, 'appId' | 'appSecret'>, refreshToken: string, o: { base?: string; fetchImpl: BusinessFetch; now: Date }): Promise<BusinessTokens> {
  return tokenCall('/tt_user/oauth2/refresh_token/', { client_id: app.appId, client_secret: app.appSecret, grant_type: 'refresh_token', refresh_token: refreshToken }, o, 'token refresh');
}
