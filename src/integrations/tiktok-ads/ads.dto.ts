import { z } from 'zod';

export const AdsShopParams = z.strictObject({ shopId: z.string().min(1).max(64) });

/** The advertiser form; the token may be left out on an update to keep the stored one. */
export const AdsAccountInput = z.strictObject({
  advertiserId: z.string().trim().regex(/^\d{6,30}$/),
  /** The advertiser account's currency (spend is reported in it); the shop's when left out. */
  currency: z.string().trim().regex(/^[A-Z]{3}$/).optional(),
  accessToken: z.string().min(10).max(2000).optional(),
  status: z.enum(['active', 'paused']).optional(),
});
export type AdsAccountInput = z.infer<typeof AdsAccountInput>;

export const AdsAccountView = z.object({
  id: z.string(),
  shopId: z.string(),
  advertiserId: z.string(),
  currency: z.string(),
  status: z.enum(['active', 'paused', 'failing']),
  lastError: z.string().nullable(),
  lastImportAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type AdsAccountView = z.infer<typeof AdsAccountView>;
export const AdsAccountOrNone = z.object({ account: AdsAccountView.nullable() });

export const AdsImportInput = z.strictObject({ days: z.number().int().min(1).max(90).optional() });
export const AdsImportView = z.object({ from: z.string(), to: z.string(), days: z.number(), campaigns: z.number(), linesRenamed: z.number() });
export type AdsImportView = z.infer<typeof AdsImportView>;
