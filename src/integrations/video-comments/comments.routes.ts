import { z } from 'zod';
import { actorOf, EmptyBody, errors, type Http } from '../../platform/http.js';
import { VideoSourceView, AccountOrNone, AuthorizeView, OAuthCallbackQuery, BusinessAccountInput, BusinessAccountView, BusinessTestView, CommentParams, CommentPollView, ShopParams, VisibilityInput, VisibilityView } from './comments.dto.js';
import { AppError } from '../../platform/errors.js';
import { BUSINESS_OAUTH_CALLBACK, type VideoComments } from './comments.js';

/** Where the account holder's browser lands after "Connect with TikTok". */
const CHANNELS_PAGE = '/settings/channels';

/** Settings → Channels (a shop's TikTok business account) and hiding a buyer's comment. */
export function videoCommentRoutes(app: Http, comments: VideoComments): void {
  const tags = ['channels'];
  app.get(
    '/api/shops/:shopId/tiktok-comments',
    { schema: { tags, operationId: 'videoComments.getAccount', summary: "The shop's TikTok business account for video comments (the token never leaves the server) and its poll state", params: ShopParams, response: { 200: AccountOrNone, ...errors(404) } } },
    async (req) => ({ account: await comments.get(actorOf(req), req.params.shopId), oauthAvailable: comments.oauthAvailable() }),
  );
  app.post(
    '/api/shops/:shopId/tiktok-comments/authorize',
    { schema: { tags, operationId: 'videoComments.authorize', summary: "Start \"Connect with TikTok\": the account holder's consent link, with a one-time state bound to this user, organisation and shop (ten minutes)", params: ShopParams, body: EmptyBody, response: { 200: AuthorizeView, ...errors(404, 422) } } },
    async (req) => comments.authorize(actorOf(req), req.params.shopId),
  );
  app.get(
    BUSINESS_OAUTH_CALLBACK,
    {
      schema: {
        tags,
        operationId: 'videoComments.oauthCallback',
        summary: 'Where TikTok sends the account holder back: checks the one-time state against this session, exchanges the code, seals the tokens (a browser is sent on to Settings → Channels)',
        querystring: OAuthCallbackQuery,
        response: { 200: BusinessAccountView, ...errors(409, 422, 502) },
      },
    },
    async (req, reply) => {
      const page = (req.headers.accept ?? '').includes('text/html');
      try {
        const account = await comments.completeAuthorisation(actorOf(req), req.query);
        if (page) return reply.redirect(`${CHANNELS_PAGE}?tiktokBusiness=connected&shop=${encodeURIComponent(account.shopId)}`, 303);
        return account;
      } catch (e) {
        if (page && e instanceof AppError) return reply.redirect(`${CHANNELS_PAGE}?tiktokBusinessError=${encodeURIComponent(e.code)}`, 303);
        throw e;
      }
    },
  );
  app.put(
    '/api/shops/:shopId/tiktok-comments',
    { schema: { tags, operationId: 'videoComments.saveAccount', summary: "Connect the shop's TikTok business account (API for Business token sealed at rest; leave it out to keep it)", params: ShopParams, body: BusinessAccountInput, response: { 200: BusinessAccountView, ...errors(404, 409) } } },
    async (req) => comments.save(actorOf(req), req.params.shopId, req.body),
  );
  app.delete(
    '/api/shops/:shopId/tiktok-comments',
    { schema: { tags, operationId: 'videoComments.removeAccount', summary: "Disconnect the shop's TikTok business account (its tickets stay)", params: ShopParams, response: { 200: z.object({ removed: z.literal(true) }), ...errors(404) } } },
    async (req) => {
      await comments.remove(actorOf(req), req.params.shopId);
      return { removed: true as const };
    },
  );
  app.post(
    '/api/shops/:shopId/tiktok-comments/test',
    { schema: { tags, operationId: 'videoComments.testAccount', summary: 'Read the video list once with the stored token and say what TikTok answered', params: ShopParams, body: EmptyBody, response: { 200: BusinessTestView, ...errors(404) } } },
    async (req) => comments.test(actorOf(req), req.params.shopId),
  );
  app.post(
    '/api/shops/:shopId/tiktok-comments/poll',
    { schema: { tags, operationId: 'videoComments.poll', summary: 'Read new comments now (the job does it every two minutes)', params: ShopParams, body: EmptyBody, response: { 200: CommentPollView, ...errors(404, 502) } } },
    async (req) => comments.pollAsActor(actorOf(req), req.params.shopId),
  );
  app.get(
    '/api/video-comments/:commentId/visibility',
    { schema: { tags, operationId: 'videoComments.getVisibility', summary: "Whether a buyer's comment is hidden under the shop's video (pending while the change is still on its way to TikTok)", params: CommentParams, response: { 200: VisibilityView, ...errors(404) } } },
    async (req) => comments.visibility(actorOf(req), req.params.commentId),
  );
  app.get(
    '/api/video-comments/:commentId/source',
    { schema: { tags, operationId: 'videoComments.getSource', summary: "The traffic source of the video a buyer's comment is under (analytics' creator_video source): orders, returns and complaints from its comments in the last 90 days", params: CommentParams, response: { 200: VideoSourceView, ...errors(404) } } },
    async (req) => comments.source(actorOf(req), req.params.commentId),
  );
  app.post(
    '/api/video-comments/:commentId/visibility',
    { schema: { tags, operationId: 'videoComments.setVisibility', summary: "Hide a buyer's comment under the shop's video, or show it again (sent to TikTok by an outbox step)", params: CommentParams, body: VisibilityInput, response: { 200: VisibilityView, ...errors(404) } } },
    async (req) => comments.setVisibility(actorOf(req), req.params.commentId, req.body.hidden),
  );
}
