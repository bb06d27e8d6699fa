/**
 * A local stand-in for the TikTok API for Business comment endpoints, for the demo and the tests:
 * the same paths under `/open_api/v1.3`, the `Access-Token` header, the `{code, message,
 * request_id, data}` envelope with HTTP 200 (40105 for a bad token, 40002 for bad parameters),
 * cursor paging newest first, replies marked `owner`, hide/unhide. It can also lose its answer to
 * a reply it did post, to prove that a lost answer never makes a second public reply.
 *
 * It also plays the account holder's side of OAuth: a consent page at `/v2/auth/authorize/` (a
 * form: pick the account, authorise or cancel) that redirects to the app's registered redirect
 * URI with a one-time `code` (ten minutes) and the `state`, and `POST /tt_user/oauth2/token/` and
 * `/tt_user/oauth2/refresh_token/` that issue day-long access tokens (refused with 40105 once
 * expired, by the stand-in's clock) and year-long refresh tokens that rotate on use.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BusinessComment } from './client.js';

interface Account {
  businessId: string;
  token: string;
  displayName: string;
}

export interface StandInVideo {
  item_id: string;
  caption: string;
  share_url: string;
  create_time: number;
  businessId: string;
}

export interface BusinessStandIn {
  /** The API base to configure (`…/open_api/v1.3`). */
  readonly base: string;
  /** The consent page (the app's "TikTok account holder authorization URL" without parameters). */
  readonly authUrl: string;
  /** Every token-endpoint call (grant type and whether it was accepted). */
  readonly tokenCalls: { grantType: string; ok: boolean }[];
  /** An API for Business app that may use OAuth, with its registered redirect URI. */
  registerApp(a: { appId: string; secret: string; redirectUri: string }): void;
  readonly port: number;
  readonly comments: Map<string, BusinessComment & { businessId: string }>;
  /** Every reply-create call that reached the stand-in, including ones whose answer was lost. */
  readonly replyCalls: { commentId: string; text: string }[];
  registerAccount(a: Account): void;
  addVideo(businessId: string, v: { id?: string; caption: string; at?: Date }): StandInVideo;
  /** A buyer comments (or replies to a comment); returns the comment id. */
  comment(i: { videoId: string; userId: string; username: string; displayName?: string; text: string; parentId?: string; at?: Date }): string;
  /** The next reply-create is stored but its answer never arrives (the connection is cut). */
  loseNextReplyAnswer(): void;
  close(): Promise<void>;
}

/** An API for Business answer: always HTTP 200, the outcome in `code` (0 = success). */
export function sendBusinessEnvelope(res: http.ServerResponse, code: number, message: string, data?: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code, message, request_id: crypto.randomBytes(8).toString('hex'), ...(data === undefined ? {} : { data }) }));
}

/** The request body as text. */
export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `now` is the platform's clock (tests move time; the stand-in stamps our replies with it). */
export async function startBusinessStandIn(opts: { port?: number; now?: () => Date } = {}): Promise<BusinessStandIn> {
  const now = opts.now ?? (() => new Date());
  const accounts = new Map<string, Account>();
  const videos = new Map<string, StandInVideo>();
  const comments = new Map<string, BusinessComment & { businessId: string }>();
  const replyCalls: { commentId: string; text: string }[] = [];
  let loseAnswer = false;
  const apps = new Map<string, { appId: string; secret: string; redirectUri: string }>();
  /** Issued tokens: access tokens expire, pasted (registered) ones do not. */
  const tokens = new Map<string, { businessId: string; expiresAt: number }>();
  const refreshTokens = new Map<string, { businessId: string; appId: string; scope: string; expiresAt: number }>();
  const codes = new Map<string, { businessId: string; appId: string; redirectUri: string; scope: string; expiresAt: number }>();
  const tokenCalls: { grantType: string; ok: boolean }[] = [];
  const DAY = 86_400;
  const YEAR = 365 * DAY;
  const issue = (businessId: string, appId: string, scope: string) => {
    const access = `act.${crypto.randomBytes(18).toString('hex')}`;
    const refresh = `rft.${crypto.randomBytes(18).toString('hex')}`;
    tokens.set(access, { businessId, expiresAt: now().getTime() + DAY * 1000 });
    refreshTokens.set(refresh, { businessId, appId, scope, expiresAt: now().getTime() + YEAR * 1000 });
    return { access_token: access, expires_in: DAY, refresh_token: refresh, refresh_token_expires_in: YEAR, open_id: businessId, scope, token_type: 'Bearer' };
  };
  const esc = (x: string) => x.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  let seq = 0;
  let base = '';
  const nextId = () => String(7_300_000_000_000_000_000n + BigInt(++seq) * 7919n);

  const send = sendBusinessEnvelope;
  const read = readBody;
  const page = <T>(items: T[], cursor: number, max: number) => ({ items: items.slice(cursor, cursor + max), cursor: Math.min(cursor + max, items.length), has_more: cursor + max < items.length });
  const publicView = (c: BusinessComment & { businessId: string }) => {
    const { businessId: _b, ...rest } = c;
    return rest;
  };

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', base);
      const path = url.pathname.replace(/^\/open_api\/v1\.3/, '');
      // The account holder's consent page and its answer (a browser, not the API).
      if (url.pathname === '/v2/auth/authorize/' || url.pathname === '/v2/auth/authorize/decide') {
        const q = req.method === 'POST' ? new URLSearchParams(await read(req)) : url.searchParams;
        const app = apps.get(q.get('client_key') ?? '');
        const redirectUri = q.get('redirect_uri') ?? '';
        if (!app || redirectUri !== app.redirectUri || q.get('response_type') !== 'code') {
          res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
          return res.end('<!doctype html><title>Authorization error</title><p>This app or its redirect URL is not registered.</p>');
        }
        const back = new URL(redirectUri);
        const state = q.get('state');
        if (state !== null) back.searchParams.set('state', state);
        if (url.pathname === '/v2/auth/authorize/') {
          const hidden = ['client_key', 'scope', 'response_type', 'redirect_uri', 'state'].map((k) => `<input type="hidden" name="${k}" value="${esc(q.get(k) ?? '')}">`).join('');
          const options = [...accounts.values()].map((a) => `<option value="${esc(a.businessId)}">@${esc(a.displayName)}</option>`).join('');
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(`<!doctype html><title>Authorize app</title><h1>Authorize access to your TikTok account</h1><p>Scopes: ${esc(q.get('scope') ?? '')}</p><form method="post" action="/v2/auth/authorize/decide">${hidden}<select name="account">${options}</select><button name="decision" value="allow" id="allow">Authorize</button><button name="decision" value="deny" id="deny">Cancel</button></form>`);
        }
        if (q.get('decision') !== 'allow' || !accounts.has(q.get('account') ?? '')) {
          back.searchParams.set('error', 'access_denied');
        } else {
          const code = crypto.randomBytes(16).toString('hex');
          codes.set(code, { businessId: q.get('account')!, appId: app.appId, redirectUri, scope: q.get('scope') ?? '', expiresAt: now().getTime() + 10 * 60_000 });
          back.searchParams.set('code', code);
        }
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (req.method === 'POST' && (path === '/tt_user/oauth2/token/' || path === '/tt_user/oauth2/refresh_token/')) {
        const p = JSON.parse((await read(req)) || '{}') as Record<string, string>;
        const app = apps.get(p.client_id ?? '');
        const refuse = (code: number, message: string) => (tokenCalls.push({ grantType: String(p.grant_type), ok: false }), send(res, code, message));
        if (!app || p.client_secret !== app.secret) return refuse(40001, 'client_id or client_secret is invalid.');
        if (path === '/tt_user/oauth2/token/') {
          if (p.grant_type !== 'authorization_code') return refuse(40002, 'grant_type: must be authorization_code.');
          const c = codes.get(p.auth_code ?? '');
          codes.delete(p.auth_code ?? '');
          if (!c || c.appId !== app.appId || c.expiresAt <= now().getTime()) return refuse(40002, 'auth_code: invalid, used or expired.');
          if (p.redirect_uri !== c.redirectUri) return refuse(40002, 'redirect_uri: does not match the authorization request.');
          tokenCalls.push({ grantType: p.grant_type, ok: true });
          return send(res, 0, 'OK', issue(c.businessId, app.appId, c.scope));
        }
        if (p.grant_type !== 'refresh_token') return refuse(40002, 'grant_type: must be refresh_token.');
        const r = refreshTokens.get(p.refresh_token ?? '');
        if (!r || r.appId !== app.appId || r.expiresAt <= now().getTime()) return refuse(40002, 'refresh_token: invalid or expired.');
        refreshTokens.delete(p.refresh_token!);
        tokenCalls.push({ grantType: p.grant_type, ok: true });
        return send(res, 0, 'OK', issue(r.businessId, app.appId, r.scope));
      }
      const given = String(req.headers['access-token'] ?? '');
      const issued = tokens.get(given);
      const account = issued ? (issued.expiresAt > now().getTime() ? accounts.get(issued.businessId) : undefined) : [...accounts.values()].find((a) => a.token === given);
      if (!account) return send(res, 40105, 'The access token is invalid or has been revoked.');
      const p: Record<string, unknown> = req.method === 'POST' ? (JSON.parse((await read(req)) || '{}') as Record<string, unknown>) : Object.fromEntries(url.searchParams);
      if (String(p.business_id ?? '') !== account.businessId) return send(res, 40002, 'business_id: the access token does not belong to this business account.');
      const max = Math.min(Number(p.max_count ?? 20) || 20, 30);
      const cursor = Number(p.cursor ?? 0) || 0;
      if (req.method === 'GET' && path === '/business/get/') return send(res, 0, 'OK', { username: account.displayName, display_name: account.displayName });
      if (req.method === 'GET' && path === '/business/video/list/') {
        const mine = [...videos.values()].filter((v) => v.businessId === account.businessId).sort((a, b) => b.create_time - a.create_time);
        const pg = page(mine, cursor, max);
        return send(res, 0, 'OK', { videos: pg.items.map(({ businessId: _b, ...v }) => v), cursor: pg.cursor, has_more: pg.has_more });
      }
      if (req.method === 'GET' && (path === '/business/comment/list/' || path === '/business/comment/reply/list/')) {
        const video = videos.get(String(p.video_id ?? ''));
        if (!video || video.businessId !== account.businessId) return send(res, 40002, 'video_id: not a video of this account.');
        const replies = path === '/business/comment/reply/list/';
        if (replies && !comments.has(String(p.comment_id ?? ''))) return send(res, 40002, 'comment_id: not found.');
        const list = [...comments.values()]
          .filter((c) => c.video_id === video.item_id && (replies ? c.parent_comment_id === p.comment_id : !c.parent_comment_id) && (p.status !== 'PUBLIC' || c.status === 'PUBLIC'))
          .sort((a, b) => b.create_time - a.create_time || (a.comment_id < b.comment_id ? 1 : -1));
        const pg = page(list, cursor, max);
        return send(res, 0, 'OK', { comments: pg.items.map(publicView), cursor: pg.cursor, has_more: pg.has_more });
      }
      if (req.method === 'POST' && path === '/business/comment/reply/create/') {
        const parent = comments.get(String(p.comment_id ?? ''));
        const text = String(p.text ?? '');
        if (!parent || parent.video_id !== p.video_id || parent.businessId !== account.businessId) return send(res, 40002, 'comment_id: not found on this video.');
        if (!text.trim() || text.length > 150) return send(res, 40002, 'text: 1 to 150 characters.');
        replyCalls.push({ commentId: parent.comment_id, text });
        const id = nextId();
        comments.set(id, { comment_id: id, video_id: parent.video_id, user_id: account.businessId, username: account.displayName, display_name: account.displayName, text, create_time: Math.floor(now().getTime() / 1000), likes: 0, replies: 0, owner: true, status: 'PUBLIC', parent_comment_id: parent.comment_id, businessId: account.businessId });
        parent.replies = (parent.replies ?? 0) + 1;
        if (loseAnswer) {
          loseAnswer = false;
          return req.socket.destroy();
        }
        return send(res, 0, 'OK', { comment_id: id });
      }
      if (req.method === 'POST' && path === '/business/comment/hide/') {
        const c = comments.get(String(p.comment_id ?? ''));
        if (!c || c.video_id !== p.video_id || c.businessId !== account.businessId) return send(res, 40002, 'comment_id: not found on this video.');
        if (p.action !== 'HIDE' && p.action !== 'UNHIDE') return send(res, 40002, 'action: HIDE or UNHIDE.');
        c.status = p.action === 'HIDE' ? 'HIDDEN' : 'PUBLIC';
        return send(res, 0, 'OK', {});
      }
      return send(res, 40002, `Unknown path ${path}`);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 50000, message: (e as Error).message }));
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  return {
    base: `${base}/open_api/v1.3`,
    authUrl: `${base}/v2/auth/authorize/`,
    tokenCalls,
    registerApp(a) {
      apps.set(a.appId, a);
    },
    port,
    comments,
    replyCalls,
    registerAccount(a) {
      accounts.set(a.businessId, a);
    },
    addVideo(businessId, v) {
      const id = v.id ?? nextId();
      const at = Math.floor((v.at ?? now()).getTime() / 1000);
      const account = accounts.get(businessId);
      const video: StandInVideo = { item_id: id, caption: v.caption, share_url: `https://www.tiktok.com/@${account?.displayName ?? 'shop'}/video/${id}`, create_time: at, businessId };
      videos.set(id, video);
      return video;
    },
    comment(i) {
      const video = videos.get(i.videoId);
      if (!video) throw new Error(`stand-in: no video ${i.videoId}`);
      const id = nextId();
      comments.set(id, { comment_id: id, video_id: i.videoId, user_id: i.userId, username: i.username, display_name: i.displayName ?? i.username, text: i.text, create_time: Math.floor((i.at ?? now()).getTime() / 1000), likes: 0, replies: 0, owner: false, status: 'PUBLIC', ...(i.parentId ? { parent_comment_id: i.parentId } : {}), businessId: video.businessId });
      if (i.parentId) {
        const parent = comments.get(i.parentId);
        if (parent) parent.replies = (parent.replies ?? 0) + 1;
      }
      return id;
    },
    loseNextReplyAnswer() {
      loseAnswer = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
