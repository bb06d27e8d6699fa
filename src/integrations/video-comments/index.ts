export { createVideoComments, accountView, COMMENT_REPLY, COMMENT_HIDE, BUSINESS_OAUTH_CALLBACK, type VideoComments } from './comments.js';
export { businessAuthorizeUrl, exchangeBusinessCode, refreshBusinessToken, BUSINESS_AUTH_URL, BUSINESS_COMMENT_SCOPES, type BusinessApp, type BusinessTokens } from './oauth.js';
export { TikTokBusinessClient, businessApiCall, type BusinessFetch, BusinessApiError, BusinessRateLimited, BUSINESS_API_BASE, COMMENT_REPLY_MAX, type BusinessComment, type BusinessVideo } from './client.js';
export { triageComment, commentThreadId, commentOfThread, type CommentTriage } from './comments.rules.js';
export { startBusinessStandIn, sendBusinessEnvelope, readBody, type BusinessStandIn } from './standin.js';
export { videoCommentRoutes } from './comments.routes.js';
export { videoCommentsPrivacy } from './comments.privacy.js';
