import { z } from 'zod';

// The TikTok connection's HTTP contract (schemas only; the web app may import its types).

export const UNMATCHED_REASONS = ['no_shop_in_market', 'several_shops_in_market', 'target_shop_other_market', 'target_shop_bound', 'not_the_target'] as const;

export const SYNC_KIND_NAMES = ['orders', 'returns', 'cancellations', 'conversations'] as const;

/** The last incremental sync of one kind: when it ran and how many records that run brought in. */
export const SyncCursorView = z.object({
  kind: z.enum(SYNC_KIND_NAMES),
  lastRunAt: z.string().nullable(),
  lastCount: z.number().int(),
});
export type SyncCursorView = z.infer<typeof SyncCursorView>;

/** An authorised TikTok shop; its tokens never leave the server. */
export const ConnectionView = z.object({
  shopId: z.string(),
  tiktokShopId: z.string(),
  shopName: z.string().nullable(),
  region: z.string().nullable(),
  status: z.enum(['active', 'needs_reauthorisation', 'revoked']),
  accessExpiresAt: z.string(),
  refreshExpiresAt: z.string(),
  grantedScopes: z.array(z.string()),
  authorisedAt: z.string(),
  /** One entry per kind that has synced at least once. */
  lastSync: z.array(SyncCursorView),
});
export type ConnectionView = z.infer<typeof ConnectionView>;

export const AuthorizeBody = z.strictObject({ market: z.string().length(2).optional(), shopId: z.string().min(1).optional() }).optional();
export const AuthorizeView = z.object({ url: z.string(), state: z.string() });

export const CallbackQuery = z.object({ code: z.string().optional(), state: z.string().optional(), error: z.string().optional() });
export const CallbackView = z.object({
  connected: z.array(z.object({ shopId: z.string(), tiktokShopId: z.string(), name: z.string() })),
  unmatched: z.array(z.object({ tiktokShopId: z.string(), name: z.string(), region: z.string(), reason: z.enum(UNMATCHED_REASONS) })),
  refused: z.array(z.object({ tiktokShopId: z.string(), name: z.string(), region: z.string() })),
});

/** What one sync run brought in, per kind. */
export const SyncReportView = z.object({ orders: z.number(), returns: z.number(), cancellations: z.number(), messages: z.number() });
