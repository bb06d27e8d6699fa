import { z } from 'zod';
import { actorOf, EmptyBody, errors, type Http } from '../../platform/http.js';
import { AccountOrNone, BusinessAccountInput, BusinessAccountView, BusinessTestView, CommentParams, CommentPollView, ShopParams, VisibilityInput, VisibilityView } from './comments.dto.js';
import type { VideoComments } from './comments.js';

/** Settings → Channels (a shop's TikTok business account) and hiding a buyer's comment. */
export function videoCommentRoutes(app: Http, comments: VideoComments): void {
  const tags = ['channels'];
  app.get(
    '/api/shops/:shopId/tiktok-comments',
    { schema: { tags, operationId: 'videoComments.getAccount', summary: "The shop's TikTok business account for video comments (the token never leaves the server) and its poll state", params: ShopParams, response: { 200: AccountOrNone, ...errors(404) } } },
    async (req) => ({ account: await comments.get(actorOf(req), req.params.shopId) }),
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
  app.post(
    '/api/video-comments/:commentId/visibility',
    { schema: { tags, operationId: 'videoComments.setVisibility', summary: "Hide a buyer's comment under the shop's video, or show it again (sent to TikTok by an outbox step)", params: CommentParams, body: VisibilityInput, response: { 200: VisibilityView, ...errors(404) } } },
    async (req) => comments.setVisibility(actorOf(req), req.params.commentId, req.body.hidden),
  );
}
