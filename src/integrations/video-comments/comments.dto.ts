import { z } from 'zod';

export const ShopParams = z.strictObject({ shopId: z.string().min(1).max(64) });
export const CommentParams = z.strictObject({ commentId: z.string().min(1).max(64) });

/** The account form; the token may be left out on an update to keep the stored one. */
export const BusinessAccountInput = z.strictObject({
  businessId: z.string().trim().min(3).max(100),
  displayName: z.string().trim().min(1).max(100),
  accessToken: z.string().min(10).max(2000).optional(),
  status: z.enum(['active', 'paused']).optional(),
});
export type BusinessAccountInput = z.infer<typeof BusinessAccountInput>;

export const BusinessAccountView = z.object({
  id: z.string(),
  shopId: z.string(),
  businessId: z.string(),
  displayName: z.string(),
  status: z.enum(['active', 'paused', 'failing']),
  lastError: z.string().nullable(),
  lastPollAt: z.string().nullable(),
  commentsSeen: z.number(),
  ticketsOpened: z.number(),
  updatedAt: z.string(),
  /** `oauth`: connected through "Connect with TikTok" (refreshed by Afterdesk); `token`: pasted. */
  connectedVia: z.enum(['token', 'oauth']),
  accessExpiresAt: z.string().nullable(),
  refreshExpiresAt: z.string().nullable(),
  scopes: z.array(z.string()),
});
export type BusinessAccountView = z.infer<typeof BusinessAccountView>;

export const AccountOrNone = z.object({ account: BusinessAccountView.nullable(), oauthAvailable: z.boolean() });

export const AuthorizeView = z.object({ url: z.string() });
export const OAuthCallbackQuery = z.object({ code: z.string().max(2000).optional(), state: z.string().max(200).optional(), error: z.string().max(200).optional(), error_description: z.string().max(500).optional(), scopes: z.string().max(1000).optional() });

export const BusinessTestView = z.object({ ok: z.boolean(), videos: z.number(), error: z.string().nullable() });
export type BusinessTestView = z.infer<typeof BusinessTestView>;

export const CommentPollView = z.object({ videos: z.number(), seen: z.number(), tickets: z.number(), ignored: z.number(), busy: z.boolean() });
export type CommentPollView = z.infer<typeof CommentPollView>;

export const VisibilityInput = z.strictObject({ hidden: z.boolean() });
export const VisibilityView = z.object({ commentId: z.string(), hidden: z.boolean(), pending: z.boolean() });
export type VisibilityView = z.infer<typeof VisibilityView>;

/** The traffic source a comment's video is in analytics (a creator/shop video: `creator_video`, the video id). */
export const VideoSourceView = z.object({
  commentId: z.string(),
  shopId: z.string(),
  videoId: z.string(),
  sourceType: z.literal('creator_video'),
  sourceId: z.string(),
  /** False when no order of the shop is attributed to the video yet (the counts are then 0). */
  attributed: z.boolean(),
  name: z.string().nullable(),
  orders: z.number(),
  returns: z.number(),
  returnRate: z.number().nullable(),
  /** Complaint tickets opened from comments under this video since `since`. */
  commentComplaints: z.number(),
  since: z.string(),
});
export type VideoSourceView = z.infer<typeof VideoSourceView>;
