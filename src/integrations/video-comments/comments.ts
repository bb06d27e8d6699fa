/**
 * Each shop's TikTok business account: settings (token sealed), a connection test, the comment
 * poll (one worker per account through an advisory lock; complaints and after-sales questions
 * become `video_comment` tickets threaded per top-level comment, each comment at most once),
 * replies under the comment as outbox steps that re-read the replies before any retry, and
 * hiding / showing a buyer's comment.
 */
import crypto from 'node:crypto';
import { and, desc, eq, inArray, isNull, gt, gte, lt, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { enqueue, PermanentError, type OutboxRegistry } from '../../platform/outbox/outbox.js';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import type { OutboundPolicy } from '../../platform/outbound.js';
import { decryptSecret, encryptSecret } from '../../platform/secrets.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { languageModelReady, type HelpdeskService, type InboundMessage } from '../../modules/helpdesk/index.js';
import { shopIn } from '../../modules/tenancy/index.js';
import { sourceTotals } from '../../modules/analytics/index.js';
import { BusinessApiError, BusinessRateLimited, TikTokBusinessClient, type BusinessComment, type BusinessVideo } from './client.js';
import { commentOfThread, commentThreadId, findOwnReply, triageComment } from './comments.rules.js';
import { tiktokBusinessAccounts, tiktokBusinessOauthStates, videoComments, type BusinessAccountRow, type VideoCommentRow } from './comments.schema.js';
import type { BusinessAccountInput, BusinessAccountView, BusinessTestView, CommentPollView, VideoSourceView, VisibilityView } from './comments.dto.js';
import { businessAuthorizeUrl, exchangeBusinessCode, refreshBusinessToken, BUSINESS_AUTH_URL, type BusinessApp, type BusinessTokens } from './oauth.js';

export interface VideoCommentDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  secretKey: Buffer;
  outbound: Pick<OutboundPolicy, 'fetch' | 'allow'>;
  helpdesk: Pick<HelpdeskService, 'ingestInbound' | 'markDelivery'>;
  /** The API for Business base (`…/open_api/v1.3`; the stand-in's in tests and the demo). */
  apiBase: string;
  /** The installation's API for Business app, for "Connect with TikTok" (absent: pasted tokens only). */
  oauth?: { appId: string; appSecret: string; authUrl?: string; redirectUri: string };
  /** Told once when an account that was working starts failing (the owners hear of it). */
  onFailing?: (orgId: string, shopId: string, step: string) => Promise<void>;
}

/** The callback path registered as the app's "TikTok account holder redirect URL". */
export const BUSINESS_OAUTH_CALLBACK = '/api/tiktok-business/oauth/callback';
/** How long a started connection may take to come back. */
const STATE_TTL_MS = 10 * 60_000;
/** How far back a comment ticket's video source is counted on the ticket. */
const SOURCE_WINDOW_DAYS = 90;
/** Refresh an OAuth access token this long before it expires. */
const REFRESH_AHEAD_MS = 10 * 60_000;

export const COMMENT_REPLY = 'tiktok.comment_reply';
export const COMMENT_HIDE = 'tiktok.comment_hide';
/** Recent videos looked at on each poll, and comment pages per video. */
const VIDEOS_PER_POLL = 20;
const PAGES_PER_VIDEO = 5;

export function accountView(r: BusinessAccountRow): BusinessAccountView {
  return {
    id: r.id,
    shopId: r.shopId,
    businessId: r.businessId,
    displayName: r.displayName,
    status: r.status,
    lastError: r.lastError,
    lastPollAt: r.lastPollAt?.toISOString() ?? null,
    commentsSeen: r.commentsSeen,
    ticketsOpened: r.ticketsOpened,
    updatedAt: r.updatedAt.toISOString(),
    connectedVia: r.connectedVia,
    accessExpiresAt: r.accessExpiresAt?.toISOString() ?? null,
    refreshExpiresAt: r.refreshExpiresAt?.toISOString() ?? null,
    scopes: r.scopes ? r.scopes.split(',').filter(Boolean) : [],
  };
}

export function createVideoComments(d: VideoCommentDeps) {
  const seal = (s: string) => encryptSecret(d.secretKey, s);
  try {
    const u = new URL(d.apiBase);
    d.outbound.allow(`${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`);
  } catch {
    /* a bad base fails at config validation */
  }
  let apiBase = d.apiBase;
  /** True in the demo until its stand-in is started and named (see `holdUntilRetarget`). */
  let held = false;
  let oauth = d.oauth;
  const fetchImpl = (url: string, init: { method?: string; headers?: Record<string, string>; body?: string }) => d.outbound.fetch(url, init);
  const appOf = (): BusinessApp | undefined => (oauth ? { appId: oauth.appId, appSecret: oauth.appSecret, redirectUri: oauth.redirectUri } : undefined);
  const hashState = (state: string) => crypto.createHash('sha256').update(`tiktok-business-state:${state}`).digest('hex');
  const tokenColumns = (t: BusinessTokens) => ({ accessToken: seal(t.accessToken), refreshToken: seal(t.refreshToken), accessExpiresAt: t.accessExpiresAt, refreshExpiresAt: t.refreshExpiresAt, scopes: t.scopes.join(','), connectedVia: 'oauth' as const });

  /** A failing account is recorded; the first failure after working tells the owners. */
  async function markFailing(r: BusinessAccountRow, message: string, step: string): Promise<void> {
    await setState(r, { status: 'failing', lastError: message.slice(0, 500), lastPollAt: d.clock.now() });
    if (r.status !== 'failing' && d.onFailing) await d.onFailing(r.orgId, r.shopId, step).catch((err: unknown) => d.log.warn({ err }, 'could not tell the owners about a failing TikTok business account'));
  }

  /**
   * The account's access token; an OAuth token close to its end is refreshed first, one refresh
   * at a time per account (an advisory lock; the row is read again under it, so a refresh another
   * worker just made is used, not repeated with a rotated-away refresh token).
   */
  async function accessTokenOf(r: BusinessAccountRow): Promise<string> {
    const fresh = (x: BusinessAccountRow) => !x.refreshToken || !x.accessExpiresAt || x.accessExpiresAt.getTime() - d.clock.now().getTime() > REFRESH_AHEAD_MS;
    if (fresh(r)) return decryptSecret(d.secretKey, r.accessToken);
    const app = appOf();
    if (!app) return decryptSecret(d.secretKey, r.accessToken);
    const client = await d.db.pool.connect();
    try {
      await client.query("select pg_advisory_lock(hashtextextended('afterdesk.tiktok_business_refresh:' || $1, 0))", [r.id]);
      try {
        const now = (await rowOfShop(r.orgId, r.shopId)) ?? r;
        if (fresh(now)) return decryptSecret(d.secretKey, now.accessToken);
        if (now.refreshExpiresAt && now.refreshExpiresAt.getTime() <= d.clock.now().getTime()) {
          await markFailing(now, 'The TikTok authorisation has ended (its refresh token expired): connect with TikTok again', 'authorisation');
          throw new PermanentError('The TikTok authorisation has ended: connect with TikTok again', 'video_comments.reauthorise');
        }
        let t: BusinessTokens;
        try {
          t = await refreshBusinessToken(app, decryptSecret(d.secretKey, now.refreshToken!), { base: apiBase, fetchImpl, now: d.clock.now() });
        } catch (e) {
          if (e instanceof BusinessApiError) {
            await markFailing(now, `TikTok refused to renew the access token (${e.message}): connect with TikTok again`, 'authorisation');
            throw new PermanentError(`TikTok refused to renew the access token: ${e.message}`, 'video_comments.reauthorise');
          }
          throw e;
        }
        if (t.openId !== now.businessId) throw new PermanentError('TikTok renewed a token for another account', 'video_comments.reauthorise');
        await setState(now, { ...tokenColumns(t), updatedAt: d.clock.now() });
        return t.accessToken;
      } finally {
        await client.query("select pg_advisory_unlock(hashtextextended('afterdesk.tiktok_business_refresh:' || $1, 0))", [r.id]);
      }
    } finally {
      client.release();
    }
  }

  const clientFor = async (r: BusinessAccountRow) => new TikTokBusinessClient({ base: apiBase, businessId: r.businessId, accessToken: await accessTokenOf(r), fetchImpl });

  async function rowOfShop(orgId: string, shopId: string): Promise<BusinessAccountRow | undefined> {
    return d.db.tenant(orgId, async (tx) => (await tx.select().from(tiktokBusinessAccounts).where(and(eq(tiktokBusinessAccounts.orgId, orgId), eq(tiktokBusinessAccounts.shopId, shopId))).limit(1))[0]);
  }

  async function requireShop(orgId: string, shopId: string): Promise<void> {
    const ok = await d.db.tenant(orgId, (tx) => shopIn(tx, orgId, shopId).then(() => true, () => false));
    if (!ok) throw AppError.notFound('shops', shopId);
  }

  async function exclusively<T>(accountId: string, fn: () => Promise<T>): Promise<T | 'busy'> {
    const client = await d.db.pool.connect();
    try {
      const got = await client.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtextextended('afterdesk.video_comments:' || $1, 0)) as ok", [accountId]);
      if (!got.rows[0]?.ok) return 'busy';
      try {
        return await fn();
      } finally {
        await client.query("select pg_advisory_unlock(hashtextextended('afterdesk.video_comments:' || $1, 0))", [accountId]);
      }
    } finally {
      client.release();
    }
  }

  async function seenRows(r: BusinessAccountRow, commentIds: string[]): Promise<Map<string, VideoCommentRow>> {
    if (!commentIds.length) return new Map();
    const rows = await d.db.tenant(r.orgId, (tx) => tx.select().from(videoComments).where(and(eq(videoComments.orgId, r.orgId), eq(videoComments.accountId, r.id), inArray(videoComments.commentId, commentIds))));
    return new Map(rows.map((x) => [x.commentId, x]));
  }

  async function record(r: BusinessAccountRow, c: BusinessComment, decision: VideoCommentRow['decision'], extra: { category?: string; language?: string; parentId?: string } = {}): Promise<void> {
    await d.db.tenant(r.orgId, (tx) =>
      tx
        .insert(videoComments)
        .values({ orgId: r.orgId, id: d.ids('vcm'), shopId: r.shopId, accountId: r.id, videoId: c.video_id, commentId: c.comment_id, parentCommentId: extra.parentId ?? null, decision, category: extra.category ?? null, language: extra.language ?? null, repliesSeen: 0, hidden: c.status === 'HIDDEN', visibilityVersion: 0, seenAt: d.clock.now() })
        .onConflictDoNothing(),
    );
  }

  function inbound(r: BusinessAccountRow, video: BusinessVideo, c: BusinessComment, top: string, t: { language: string; category: string }): InboundMessage {
    const caption = (video.caption ?? '').trim();
    return {
      orgId: r.orgId,
      shopId: r.shopId,
      channel: 'video_comment',
      externalThreadId: `ttcomment:${top}`,
      externalMessageId: `ttc:${c.comment_id}`,
      buyer: { externalId: c.user_id ?? c.username, name: c.display_name || c.username, language: t.language },
      direction: 'inbound',
      text: c.text || '(empty comment)',
      subject: caption ? `Comment on “${caption.slice(0, 80)}”` : `Comment on video ${video.item_id}`,
      sentAt: new Date(c.create_time * 1000).toISOString(),
      channelMeta: { videoComment: { videoId: video.item_id, commentId: c.comment_id, ...(video.share_url ? { videoUrl: video.share_url.slice(0, 500) } : {}), ...(caption ? { caption: caption.slice(0, 300) } : {}), category: t.category } },
    };
  }

  /** Read the account's recent videos' comments into tickets. Resumable: seen comments are skipped. */
  async function pollOpened(r: BusinessAccountRow): Promise<Omit<CommentPollView, 'busy'>> {
    const api = await clientFor(r);
    const shopLanguages = await d.db.tenant(r.orgId, async (tx) => (await shopIn(tx, r.orgId, r.shopId)).languages);
    await languageModelReady();
    const out = { videos: 0, seen: 0, tickets: 0, ignored: 0 };
    const { videos } = await api.listVideos({ maxCount: VIDEOS_PER_POLL });
    for (const video of videos) {
      out.videos++;
      const tops: BusinessComment[] = [];
      let cursor = 0;
      for (let pageNo = 0; pageNo < PAGES_PER_VIDEO; pageNo++) {
        const pg = await api.listComments(video.item_id, { cursor });
        tops.push(...pg.comments);
        const known = await seenRows(r, pg.comments.map((c) => c.comment_id));
        // Newest first: a page of comments all seen before means the rest are older and seen too.
        if (!pg.has_more || pg.comments.every((c) => known.has(c.comment_id))) break;
        cursor = pg.cursor ?? cursor + pg.comments.length;
      }
      const known = await seenRows(r, tops.map((c) => c.comment_id));
      // Oldest first, so a thread's ticket starts with its first words.
      for (const c of [...tops].reverse()) {
        let row = known.get(c.comment_id);
        if (!row) {
          out.seen++;
          if (c.owner) await record(r, c, 'own');
          else {
            const t = triageComment(c.text, { shopLanguages });
            if (t.ticket) {
              await d.helpdesk.ingestInbound(inbound(r, video, c, c.comment_id, t));
              out.tickets++;
            } else out.ignored++;
            // Recorded after the ticket exists: a crash in between ingests again, and the message id makes it a no-op.
            await record(r, c, t.ticket ? 'ticket' : 'ignored', { category: t.category, language: t.language });
          }
          row = (await seenRows(r, [c.comment_id])).get(c.comment_id);
        }
        if (!row || c.owner || (c.replies ?? 0) <= row.repliesSeen) continue;
        // New replies under this comment: part of its ticket, or a ticket of their own when they complain.
        const replies = (await api.listReplies(video.item_id, c.comment_id)).comments;
        const knownReplies = await seenRows(r, replies.map((x) => x.comment_id));
        let threadIsTicket = row.decision === 'ticket';
        for (const reply of [...replies].reverse()) {
          if (knownReplies.has(reply.comment_id)) continue;
          out.seen++;
          if (reply.owner) {
            await record(r, reply, 'own', { parentId: c.comment_id });
            continue;
          }
          const t = triageComment(reply.text, { shopLanguages });
          if (threadIsTicket || t.ticket) {
            await d.helpdesk.ingestInbound(inbound(r, video, reply, c.comment_id, t));
            if (!threadIsTicket) out.tickets++;
            threadIsTicket = true;
            await record(r, reply, 'ticket', { category: t.category, language: t.language, parentId: c.comment_id });
          } else {
            out.ignored++;
            await record(r, reply, 'ignored', { category: t.category, language: t.language, parentId: c.comment_id });
          }
        }
        await d.db.tenant(r.orgId, (tx) =>
          tx
            .update(videoComments)
            .set({ repliesSeen: c.replies ?? replies.length, ...(threadIsTicket && row!.decision !== 'ticket' ? { decision: 'ticket' as const } : {}) })
            .where(and(eq(videoComments.orgId, r.orgId), eq(videoComments.id, row!.id))),
        );
      }
    }
    return out;
  }

  async function setState(r: BusinessAccountRow, patch: Partial<BusinessAccountRow>): Promise<void> {
    await d.db.tenant(r.orgId, (tx) => tx.update(tiktokBusinessAccounts).set(patch).where(and(eq(tiktokBusinessAccounts.orgId, r.orgId), eq(tiktokBusinessAccounts.id, r.id))));
  }

  async function commentRow(orgId: string, shopId: string | null, commentId: string): Promise<VideoCommentRow | undefined> {
    return d.db.tenant(orgId, async (tx) => (await tx.select().from(videoComments).where(and(eq(videoComments.orgId, orgId), eq(videoComments.commentId, commentId), ...(shopId ? [eq(videoComments.shopId, shopId)] : []))).limit(1))[0]);
  }

  return {
    /** Point the client at another base (the demo's stand-in, started after composition). */
    retarget(base: string, app?: { appId: string; appSecret: string; authUrl: string; redirectUri: string }): void {
      const u = new URL(base);
      d.outbound.allow(`${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`);
      apiBase = base;
      if (app) oauth = app;
      held = false;
    },

    /**
     * The demo's stand-in starts after the workers: until `retarget` names it, the scheduled poll
     * waits instead of calling the real API (which the demo cannot reach) and marking the accounts failing.
     */
    holdUntilRetarget(): void {
      held = true;
    },

    /** Whether "Connect with TikTok" can be offered (the installation has an API for Business app). */
    oauthAvailable: () => !!oauth,

    /**
     * Start "Connect with TikTok" for a shop: a one-time state bound to this user, organisation and
     * shop (only its hash is stored) and the account holder's consent link.
     */
    async authorize(actor: Actor, shopId: string): Promise<{ url: string }> {
      requireRole(actor, ['owner'], 'connecting a TikTok business account');
      await requireShop(actor.orgId, shopId);
      if (!oauth) throw AppError.unprocessable('video_comments.oauth_unavailable', 'This installation has no TikTok API for Business app (TIKTOK_BUSINESS_APP_ID / _SECRET); paste a token instead');
      const state = crypto.randomBytes(24).toString('base64url');
      const now = d.clock.now();
      await d.db.tenant(actor.orgId, async (tx) => {
        await tx.delete(tiktokBusinessOauthStates).where(and(eq(tiktokBusinessOauthStates.orgId, actor.orgId), lt(tiktokBusinessOauthStates.expiresAt, now)));
        await tx.insert(tiktokBusinessOauthStates).values({ orgId: actor.orgId, id: d.ids('tbs'), shopId, userId: actor.userId, stateHash: hashState(state), expiresAt: new Date(now.getTime() + STATE_TTL_MS), createdAt: now });
      });
      return { url: businessAuthorizeUrl(oauth, state, { authUrl: oauth.authUrl ?? BUSINESS_AUTH_URL }) };
    },

    /**
     * The redirect back from TikTok, in the session of the user who started it: the state must be
     * one we issued to this user in this organisation, unused and under ten minutes old (it is
     * used up here, whatever happens next); then the code is exchanged, the tokens sealed and the
     * account saved on the state's shop.
     */
    async completeAuthorisation(actor: Actor, q: { code?: string; state?: string; error?: string }): Promise<BusinessAccountView> {
      requireRole(actor, ['owner'], 'connecting a TikTok business account');
      if (!q.state) throw AppError.validation('video_comments.state_required', 'The redirect has no state; start from Settings → Channels', [{ field: 'state', message: 'required' }]);
      const now = d.clock.now();
      const [st] = await d.db.tenant(actor.orgId, (tx) =>
        tx
          .update(tiktokBusinessOauthStates)
          .set({ usedAt: now })
          .where(and(eq(tiktokBusinessOauthStates.orgId, actor.orgId), eq(tiktokBusinessOauthStates.stateHash, hashState(q.state!)), eq(tiktokBusinessOauthStates.userId, actor.userId), isNull(tiktokBusinessOauthStates.usedAt), gt(tiktokBusinessOauthStates.expiresAt, now)))
          .returning(),
      );
      if (!st) throw AppError.validation('video_comments.bad_state', 'This authorisation was not started by you here, was already used or is older than ten minutes; start again', [{ field: 'state', message: 'unknown, used or expired' }]);
      if (q.error) throw AppError.validation('video_comments.auth_denied', `The account holder did not authorise (${q.error.slice(0, 100)})`, [{ field: 'error', message: q.error.slice(0, 100) }]);
      if (!q.code) throw AppError.validation('video_comments.code_required', 'The redirect has no authorisation code', [{ field: 'code', message: 'required' }]);
      const app = appOf();
      if (!app) throw AppError.unprocessable('video_comments.oauth_unavailable', 'This installation has no TikTok API for Business app');
      let t: BusinessTokens;
      let displayName: string;
      try {
        t = await exchangeBusinessCode(app, q.code, { base: apiBase, fetchImpl, now });
        const profile = await new TikTokBusinessClient({ base: apiBase, businessId: t.openId, accessToken: t.accessToken, fetchImpl }).profile().catch(() => ({ display_name: undefined, username: undefined }));
        displayName = (profile.display_name || profile.username || t.openId).slice(0, 100);
      } catch (e) {
        if (e instanceof BusinessApiError) throw AppError.validation('video_comments.code_invalid', `TikTok refused the authorisation code (${e.message}); codes are single use and short-lived — connect again`, [{ field: 'code', message: 'invalid, used or expired' }]);
        throw new AppError('upstream', 'video_comments.upstream', `TikTok could not be reached to finish the connection: ${(e as Error).message}`);
      }
      const existing = await rowOfShop(actor.orgId, st.shopId);
      const values = { businessId: t.openId, displayName, status: 'active' as const, lastError: null, ...tokenColumns(t), updatedAt: now };
      try {
        const row = await d.db.tenant(actor.orgId, async (tx) => {
          if (existing) return (await tx.update(tiktokBusinessAccounts).set(values).where(and(eq(tiktokBusinessAccounts.orgId, actor.orgId), eq(tiktokBusinessAccounts.id, existing.id))).returning())[0]!;
          return (await tx.insert(tiktokBusinessAccounts).values({ orgId: actor.orgId, id: d.ids('tba'), shopId: st.shopId, ...values, commentsSeen: 0, ticketsOpened: 0, createdAt: now }).returning())[0]!;
        });
        return accountView(row);
      } catch (e) {
        if ((e as { cause?: { code?: string }; code?: string }).cause?.code === '23505' || (e as { code?: string }).code === '23505') throw AppError.conflict('video_comments.account_taken', 'This TikTok business account is already connected to a shop', { field: 'businessId' });
        throw e;
      }
    },

    async get(actor: Actor, shopId: string): Promise<BusinessAccountView | null> {
      requireRole(actor, ['owner', 'supervisor'], 'viewing TikTok comment settings');
      await requireShop(actor.orgId, shopId);
      const r = await rowOfShop(actor.orgId, shopId);
      return r ? accountView(r) : null;
    },

    async save(actor: Actor, shopId: string, input: BusinessAccountInput): Promise<BusinessAccountView> {
      requireRole(actor, ['owner'], 'changing TikTok comment settings');
      await requireShop(actor.orgId, shopId);
      const existing = await rowOfShop(actor.orgId, shopId);
      if (!existing && !input.accessToken) throw AppError.validation('video_comments.token_required', 'A new account needs its access token', [{ field: 'accessToken', message: 'required' }]);
      const now = d.clock.now();
      const values = {
        businessId: input.businessId,
        displayName: input.displayName,
        status: input.status ?? (existing?.status === 'paused' ? 'paused' : 'active'),
        ...(input.accessToken ? { accessToken: seal(input.accessToken), lastError: null, refreshToken: null, accessExpiresAt: null, refreshExpiresAt: null, scopes: null, connectedVia: 'token' as const } : {}),
        updatedAt: now,
      } as const;
      try {
        const row = await d.db.tenant(actor.orgId, async (tx) => {
          if (existing) return (await tx.update(tiktokBusinessAccounts).set(values).where(and(eq(tiktokBusinessAccounts.orgId, actor.orgId), eq(tiktokBusinessAccounts.id, existing.id))).returning())[0]!;
          return (await tx.insert(tiktokBusinessAccounts).values({ orgId: actor.orgId, id: d.ids('tba'), shopId, ...values, accessToken: seal(input.accessToken!), connectedVia: 'token' as const, commentsSeen: 0, ticketsOpened: 0, createdAt: now }).returning())[0]!;
        });
        return accountView(row);
      } catch (e) {
        if ((e as { cause?: { code?: string }; code?: string }).cause?.code === '23505' || (e as { code?: string }).code === '23505') throw AppError.conflict('video_comments.account_taken', 'This TikTok business account is already connected to a shop', { field: 'businessId' });
        throw e;
      }
    },

    async remove(actor: Actor, shopId: string): Promise<void> {
      requireRole(actor, ['owner'], 'disconnecting a TikTok business account');
      await requireShop(actor.orgId, shopId);
      const gone = await d.db.tenant(actor.orgId, (tx) => tx.delete(tiktokBusinessAccounts).where(and(eq(tiktokBusinessAccounts.orgId, actor.orgId), eq(tiktokBusinessAccounts.shopId, shopId))).returning({ id: tiktokBusinessAccounts.id }));
      if (!gone.length) throw new AppError('not_found', 'video_comments.no_account', 'This shop has no TikTok business account');
    },

    /** Read the video list once with the stored token: says whether the token and account id work. */
    async test(actor: Actor, shopId: string): Promise<BusinessTestView> {
      requireRole(actor, ['owner', 'supervisor'], 'testing the TikTok business account');
      await requireShop(actor.orgId, shopId);
      const r = await rowOfShop(actor.orgId, shopId);
      if (!r) throw new AppError('not_found', 'video_comments.no_account', 'This shop has no TikTok business account');
      try {
        const v = await (await clientFor(r)).listVideos({ maxCount: 20 });
        return { ok: true, videos: v.videos.length, error: null };
      } catch (e) {
        return { ok: false, videos: 0, error: (e as Error).message.slice(0, 300) };
      }
    },

    /** Poll one shop's comments now (the job and the "check now" button). */
    async poll(orgId: string, shopId: string): Promise<CommentPollView> {
      const row = await rowOfShop(orgId, shopId);
      if (!row) throw new AppError('not_found', 'video_comments.no_account', 'This shop has no TikTok business account');
      const res = await exclusively(row.id, async () => {
        const fresh = (await rowOfShop(orgId, shopId))!;
        try {
          const r = await pollOpened(fresh);
          await setState(fresh, { status: fresh.status === 'failing' ? 'active' : fresh.status, lastError: null, lastPollAt: d.clock.now(), commentsSeen: fresh.commentsSeen + r.seen, ticketsOpened: fresh.ticketsOpened + r.tickets });
          return r;
        } catch (e) {
          if (!(e instanceof BusinessRateLimited) && !(e instanceof PermanentError && e.code === 'video_comments.reauthorise')) {
            await markFailing(fresh, (e as Error).message, e instanceof BusinessApiError ? (e.apiCode === 40105 ? 'token' : 'api') : 'connection');
          }
          throw new AppError('upstream', 'video_comments.poll_failed', `The comments could not be read: ${(e as Error).message}`);
        }
      });
      if (res === 'busy') return { videos: 0, seen: 0, tickets: 0, ignored: 0, busy: true };
      return { ...res, busy: false };
    },

    async pollAsActor(actor: Actor, shopId: string): Promise<CommentPollView> {
      requireRole(actor, ['owner', 'supervisor'], 'checking TikTok comments');
      await requireShop(actor.orgId, shopId);
      return this.poll(actor.orgId, shopId);
    },

    /** Every active account of the installation (the poll job); failures are recorded per account. */
    async pollAll(): Promise<{ accounts: number; tickets: number; failed: number }> {
      if (held) return { accounts: 0, tickets: 0, failed: 0 };
      const all = await d.db.system((tx) => tx.select({ orgId: tiktokBusinessAccounts.orgId, shopId: tiktokBusinessAccounts.shopId, status: tiktokBusinessAccounts.status }).from(tiktokBusinessAccounts));
      let tickets = 0;
      let failed = 0;
      for (const a of all.filter((x) => x.status !== 'paused')) {
        try {
          tickets += (await this.poll(a.orgId, a.shopId)).tickets;
        } catch (e) {
          failed++;
          d.log.warn({ err: e, shopId: a.shopId }, 'video comment poll failed');
        }
      }
      return { accounts: all.length, tickets, failed };
    },

    /** Whether a buyer's comment is hidden (or about to be: a visibility step not yet sent). */
    async visibility(actor: Actor, commentId: string): Promise<VisibilityView> {
      requireRole(actor, ['owner', 'supervisor', 'agent'], 'viewing video comments');
      return d.db.tenant(actor.orgId, async (tx) => {
        const [c] = await tx.select().from(videoComments).where(and(eq(videoComments.orgId, actor.orgId), eq(videoComments.commentId, commentId))).limit(1);
        if (!c || c.decision === 'own') throw AppError.notFound('video_comment', commentId);
        return { commentId, ...(await wantedVisibility(tx, c)) };
      });
    },

    /**
     * Complaint threads opened from comments (a top-level comment whose thread became a ticket),
     * per `shopId:videoId`, first seen in [from, to): what analytics counts against the video.
     */
    async commentComplaintsByVideo(orgId: string, from: Date, to: Date): Promise<Map<string, number>> {
      const rows = await d.db.tenant(orgId, (tx) =>
        tx
          .select({ shopId: videoComments.shopId, videoId: videoComments.videoId, n: sql<number>`count(*)::int` })
          .from(videoComments)
          .where(and(eq(videoComments.orgId, orgId), eq(videoComments.decision, 'ticket'), isNull(videoComments.parentCommentId), gte(videoComments.seenAt, from), lt(videoComments.seenAt, to)))
          .groupBy(videoComments.shopId, videoComments.videoId),
      );
      return new Map(rows.map((r) => [`${r.shopId}:${r.videoId}`, Number(r.n)]));
    },

    /**
     * The traffic source a buyer's comment sits under: its video is the `creator_video` source of
     * that id in analytics, so the ticket shows what the video sold and returned and how many
     * complaints came from its comments (the last 90 days), and links to it.
     */
    async source(actor: Actor, commentId: string): Promise<VideoSourceView> {
      requireRole(actor, ['owner', 'supervisor', 'agent'], 'viewing video comments');
      const since = new Date(d.clock.now().getTime() - SOURCE_WINDOW_DAYS * 86_400_000);
      return d.db.tenant(actor.orgId, async (tx) => {
        const [c] = await tx.select().from(videoComments).where(and(eq(videoComments.orgId, actor.orgId), eq(videoComments.commentId, commentId))).limit(1);
        if (!c || c.decision === 'own') throw AppError.notFound('video_comment', commentId);
        const totals = await sourceTotals(tx, actor.orgId, c.shopId, 'creator_video', c.videoId, since);
        const [complaints] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(videoComments)
          .where(and(eq(videoComments.orgId, actor.orgId), eq(videoComments.shopId, c.shopId), eq(videoComments.videoId, c.videoId), eq(videoComments.decision, 'ticket'), isNull(videoComments.parentCommentId), gte(videoComments.seenAt, since)));
        return {
          commentId,
          shopId: c.shopId,
          videoId: c.videoId,
          sourceType: 'creator_video' as const,
          sourceId: c.videoId,
          attributed: !!totals,
          name: totals?.name ?? null,
          orders: totals?.orders ?? 0,
          returns: totals?.returns ?? 0,
          returnRate: totals && totals.deliveredLines > 0 ? totals.returns / totals.deliveredLines : null,
          commentComplaints: Number(complaints?.n ?? 0),
          since: since.toISOString().slice(0, 10),
        };
      });
    },

    /** Hide (or show again) a buyer's comment under the shop's video: an outbox step. */
    async setVisibility(actor: Actor, commentId: string, hidden: boolean): Promise<VisibilityView> {
      requireRole(actor, ['owner', 'supervisor', 'agent'], 'hiding video comments');
      return d.db.tenant(actor.orgId, async (tx) => {
        const [c] = await tx.select().from(videoComments).where(and(eq(videoComments.orgId, actor.orgId), eq(videoComments.commentId, commentId))).for('update').limit(1);
        if (!c || c.decision === 'own') throw AppError.notFound('video_comment', commentId);
        const now = await wantedVisibility(tx, c);
        if (now.hidden === hidden) return { commentId, ...now };
        const version = c.visibilityVersion + 1;
        await tx.update(videoComments).set({ visibilityVersion: version }).where(and(eq(videoComments.orgId, actor.orgId), eq(videoComments.id, c.id)));
        await enqueue(tx, { orgId: actor.orgId, handler: COMMENT_HIDE, idempotencyKey: `video_comment.visibility:${c.id}:${version}`, payload: { shopId: c.shopId, commentId, videoId: c.videoId, hidden, version }, subjectType: 'video_comment', subjectId: c.id }, { ids: d.ids, clock: d.clock });
        return { commentId, hidden, pending: true };
      });
    },

    registerOutboxHandlers(outbox: OutboxRegistry): void {
      outbox.register(COMMENT_REPLY, async (raw, ctx) => {
        const p = raw as { shopId: string; ticketId: string; messageId: string; threadId: string; text: string; queuedAt: string };
        const top = commentOfThread(p.threadId);
        if (!top) throw new PermanentError('The ticket is not a TikTok comment thread');
        const r = await rowOfShop(ctx.orgId, p.shopId);
        if (!r || r.status === 'paused') throw new PermanentError('The shop has no active TikTok business account to reply with', 'video_comments.no_account');
        const c = await commentRow(ctx.orgId, p.shopId, top);
        if (!c) throw new PermanentError('The comment is not known to Afterdesk');
        const api = await clientFor(r);
        // A comment reply has no idempotency key. After a try whose answer we did not get, the
        // replies are read first: if ours is there, that was the send; only otherwise post again.
        if (ctx.attempt > 1) {
          const replies = (await api.listReplies(c.videoId, top)).comments;
          const found = findOwnReply(replies, { text: p.text, notBefore: new Date(p.queuedAt) });
          if (found) {
            await record(r, { comment_id: found, video_id: c.videoId, text: p.text, create_time: 0, owner: true }, 'own', { parentId: top });
            await d.helpdesk.markDelivery(ctx.orgId, p.messageId, 'sent', null, `ttc:${found}`);
            return { commentId: found, recovered: true };
          }
        }
        const sent = await api.reply(c.videoId, top, p.text);
        await record(r, { comment_id: sent.commentId, video_id: c.videoId, text: p.text, create_time: 0, owner: true }, 'own', { parentId: top });
        await d.helpdesk.markDelivery(ctx.orgId, p.messageId, 'sent', null, `ttc:${sent.commentId}`);
        return { commentId: sent.commentId };
      });

      outbox.register(COMMENT_HIDE, async (raw, ctx) => {
        const p = raw as { shopId: string; commentId: string; videoId: string; hidden: boolean; version: number };
        const r = await rowOfShop(ctx.orgId, p.shopId);
        if (!r) throw new PermanentError('The shop has no TikTok business account', 'video_comments.no_account');
        const c = await commentRow(ctx.orgId, p.shopId, p.commentId);
        // A later click supersedes this one: only the newest wish reaches TikTok.
        if (!c || c.visibilityVersion !== p.version) return { superseded: true };
        // Hiding is idempotent on TikTok's side: repeating it after a lost answer changes nothing.
        await (await clientFor(r)).hide(p.videoId, p.commentId, p.hidden);
        await d.db.tenant(ctx.orgId, (tx) => tx.update(videoComments).set({ hidden: p.hidden }).where(and(eq(videoComments.orgId, ctx.orgId), eq(videoComments.id, c.id))));
        return { hidden: p.hidden };
      });
    },
  };
}

export type VideoComments = ReturnType<typeof createVideoComments>;
export { BusinessApiError };

/**
 * The visibility an agent last asked for: while its outbox step has not finished, the step's
 * wish (pending); otherwise what TikTok last confirmed (the row's `hidden`).
 */
async function wantedVisibility(tx: Executor, c: VideoCommentRow): Promise<{ hidden: boolean; pending: boolean }> {
  const [step] = await tx
    .select({ status: outbox.status, payload: outbox.payload })
    .from(outbox)
    .where(and(eq(outbox.orgId, c.orgId), eq(outbox.handler, COMMENT_HIDE), eq(outbox.subjectType, 'video_comment'), eq(outbox.subjectId, c.id)))
    .orderBy(desc(outbox.createdAt), desc(outbox.id))
    .limit(1);
  if (step && (step.status === 'pending' || step.status === 'running' || step.status === 'held')) return { hidden: step.payload.hidden === true, pending: true };
  return { hidden: c.hidden, pending: false };
}
