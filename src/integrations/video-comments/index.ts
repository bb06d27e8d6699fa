export { createVideoComments, accountView, COMMENT_REPLY, COMMENT_HIDE, type VideoComments } from './comments.js';
export { TikTokBusinessClient, businessApiCall, type BusinessFetch, BusinessApiError, BusinessRateLimited, BUSINESS_API_BASE, COMMENT_REPLY_MAX, type BusinessComment, type BusinessVideo } from './client.js';
export { triageComment, commentThreadId, commentOfThread, type CommentTriage } from './comments.rules.js';
export { startBusinessStandIn, sendBusinessEnvelope, readBody, type BusinessStandIn } from './standin.js';
export { videoCommentRoutes } from './comments.routes.js';
export { videoCommentsPrivacy } from './comments.privacy.js';
