/**
 * The TikTok API for Business, Accounts API, as far as comments on a business account's own videos
 * go (facts and sources in docs/tiktok-conformance.md):
 * - base `https://business-api.tiktok.com/open_api/v1.3`, header `Access-Token: <token>`;
 * - every answer is HTTP 200 with `{code, message, request_id, data}`; `code` 0 is success;
 * - `GET /business/video/list/` (`business_id`, `fields` as a JSON array, `max_count`, `cursor`) →
 *   `data.videos[]` with `item_id`, `caption`, `share_url`, `create_time`;
 * - `GET /business/comment/list/` (`business_id`, `video_id`, `cursor`, `max_count` ≤ 30,
 *   `sort_field=create_time`, `sort_order=desc`, `status`) and `GET /business/comment/reply/list/`
 *   (also `comment_id`) → `data.comments[]` with `comment_id`, `video_id`, `user_id`, `username`,
 *   `display_name`, `text`, `create_time` (unix seconds), `likes`, `replies`, `owner`, `status`
 *   (`PUBLIC` / `HIDDEN`), `parent_comment_id`; plus `cursor` and `has_more`;
 * - `POST /business/comment/reply/create/` `{business_id, video_id, comment_id, text}` →
 *   `data.comment_id` of the reply (no idempotency key);
 * - `POST /business/comment/hide/` `{business_id, video_id, comment_id, action: HIDE|UNHIDE}`;
 *   `POST /business/comment/delete/` deletes only the account's own comments (so not a buyer's).
 */
import { z } from 'zod';
import { PermanentError } from '../../platform/outbox/outbox.js';

export type BusinessFetch = (url: string, init: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<Response>;

export const BUSINESS_API_BASE = 'https://business-api.tiktok.com/open_api/v1.3';

/** The longest comment reply we send (public client code caps replies at 150 characters). */
export const COMMENT_REPLY_MAX = 150;

const Envelope = z.object({ code: z.number(), message: z.string().optional(), request_id: z.string().optional(), data: z.unknown().optional() });

const Video = z.object({ item_id: z.string(), caption: z.string().optional(), share_url: z.string().optional(), create_time: z.coerce.number().optional() }).passthrough();
const Videos = z.object({ videos: z.array(Video).default([]), cursor: z.coerce.number().optional(), has_more: z.boolean().optional() });
const Comment = z
  .object({
    comment_id: z.string(),
    video_id: z.string(),
    user_id: z.string().optional(),
    username: z.string().optional(),
    display_name: z.string().optional(),
    text: z.string().default(''),
    create_time: z.coerce.number(),
    likes: z.coerce.number().optional(),
    replies: z.coerce.number().optional(),
    owner: z.boolean().optional(),
    status: z.string().optional(),
    parent_comment_id: z.string().optional(),
  })
  .passthrough();
const Comments = z.object({ comments: z.array(Comment).default([]), cursor: z.coerce.number().optional(), has_more: z.boolean().optional() });
const Profile = z.object({ display_name: z.string().optional(), username: z.string().optional() }).passthrough();
const Created = z.object({ comment_id: z.string() }).passthrough();

export type BusinessVideo = z.infer<typeof Video>;
export type BusinessComment = z.infer<typeof Comment>;

/** TikTok refused the request (a non-zero `code`): not worth repeating as it is. */
export class BusinessApiError extends PermanentError {
  constructor(
    readonly apiCode: number,
    message: string,
  ) {
    super(message, `tiktok_business.${apiCode}`);
  }
}

/** Rate limited (code 40100 or HTTP 429): nothing happened, trying later is safe. */
export class BusinessRateLimited extends Error {}

const RATE_LIMIT_CODES = new Set([40100, 40016]);

/**
 * One call to the API for Business: the `Access-Token` header, GET parameters in the query string
 * (POST as JSON), the `{code, message, request_id, data}` envelope unwrapped, `data` checked
 * against `schema`. Shared by every API for Business client (comments, ads reporting).
 */
export async function businessApiCall<T>(o: { base?: string; accessToken: string; fetchImpl: BusinessFetch }, method: 'GET' | 'POST', path: string, params: Record<string, string | number | boolean | undefined>, schema: z.ZodType<T>, what: string): Promise<T> {
  const base = (o.base ?? BUSINESS_API_BASE).replace(/\/$/, '');
  let url = `${base}${path}`;
  const init: { method: string; headers: Record<string, string>; body?: string } = { method, headers: { 'Access-Token': o.accessToken } };
  const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
  if (method === 'GET') url += `?${new URLSearchParams(Object.entries(clean).map(([k, v]) => [k, String(v)])).toString()}`;
  else {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(clean);
  }
  const res = await o.fetchImpl(url, init);
  if (res.status === 429) throw new BusinessRateLimited(`TikTok ${what}: too many requests`);
  const body: unknown = await res.json().catch(() => null);
  const env = Envelope.safeParse(body);
  if (!env.success) throw new Error(`TikTok ${what} failed: HTTP ${res.status} without the API's answer`);
  if (env.data.code !== 0) {
    if (RATE_LIMIT_CODES.has(env.data.code)) throw new BusinessRateLimited(`TikTok ${what}: ${env.data.message ?? env.data.code}`);
    if (res.status >= 500) throw new Error(`TikTok ${what} failed: ${env.data.message ?? env.data.code}`);
    throw new BusinessApiError(env.data.code, `TikTok refused the ${what}: ${env.data.message ?? 'code ' + env.data.code}`);
  }
  const data = schema.safeParse(env.data.data ?? {});
  if (!data.success) throw new Error(`TikTok answered the ${what} in an unexpected shape`);
  return data.data;
}

export class TikTokBusinessClient {
  constructor(private readonly o: { base?: string; accessToken: string; businessId: string; fetchImpl: BusinessFetch }) {}

  private call<T>(method: 'GET' | 'POST', path: string, params: Record<string, string | number | boolean | undefined>, schema: z.ZodType<T>, what: string): Promise<T> {
    return businessApiCall({ base: this.o.base, accessToken: this.o.accessToken, fetchImpl: this.o.fetchImpl }, method, path, { business_id: this.o.businessId, ...params }, schema, what);
  }

  /** The account's own name (`GET /business/get/`). */
  profile() {
    return this.call('GET', '/business/get/', { fields: JSON.stringify(['display_name', 'username']) }, Profile, 'account profile');
  }

  listVideos(o: { maxCount?: number; cursor?: number } = {}) {
    return this.call('GET', '/business/video/list/', { fields: JSON.stringify(['item_id', 'caption', 'share_url', 'create_time']), max_count: o.maxCount ?? 20, cursor: o.cursor }, Videos, 'video list');
  }

  listComments(videoId: string, o: { cursor?: number; maxCount?: number } = {}) {
    return this.call('GET', '/business/comment/list/', { video_id: videoId, cursor: o.cursor ?? 0, max_count: o.maxCount ?? 30, sort_field: 'create_time', sort_order: 'desc', status: 'ALL', include_replies: false }, Comments, 'comment list');
  }

  listReplies(videoId: string, commentId: string, o: { cursor?: number; maxCount?: number } = {}) {
    return this.call('GET', '/business/comment/reply/list/', { video_id: videoId, comment_id: commentId, cursor: o.cursor ?? 0, max_count: o.maxCount ?? 30, sort_field: 'create_time', sort_order: 'desc', status: 'ALL' }, Comments, 'reply list');
  }

  async reply(videoId: string, commentId: string, text: string): Promise<{ commentId: string }> {
    const r = await this.call('POST', '/business/comment/reply/create/', { video_id: videoId, comment_id: commentId, text }, Created, 'comment reply');
    return { commentId: r.comment_id };
  }

  async hide(videoId: string, commentId: string, hidden: boolean): Promise<void> {
    await this.call('POST', '/business/comment/hide/', { video_id: videoId, comment_id: commentId, action: hidden ? 'HIDE' : 'UNHIDE' }, z.unknown(), 'comment visibility change');
  }
}
