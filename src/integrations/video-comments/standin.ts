/**
 * A local stand-in for the TikTok API for Business comment endpoints, for the demo and the tests:
 * the same paths under `/open_api/v1.3`, the `Access-Token` header, the `{code, message,
 * request_id, data}` envelope with HTTP 200 (40105 for a bad token, 40002 for bad parameters),
 * cursor paging newest first, replies marked `owner`, hide/unhide. It can also lose its answer to
 * a reply it did post, to prove that a lost answer never makes a second public reply.
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
      const account = [...accounts.values()].find((a) => a.token === req.headers['access-token']);
      if (!account) return send(res, 40105, 'The access token is invalid or has been revoked.');
      const p: Record<string, unknown> = req.method === 'POST' ? (JSON.parse((await read(req)) || '{}') as Record<string, unknown>) : Object.fromEntries(url.searchParams);
      if (String(p.business_id ?? '') !== account.businessId) return send(res, 40002, 'business_id: the access token does not belong to this business account.');
      const max = Math.min(Number(p.max_count ?? 20) || 20, 30);
      const cursor = Number(p.cursor ?? 0) || 0;
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
