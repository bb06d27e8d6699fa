import { z } from 'zod';

export const ShopParams = z.strictObject({ shopId: z.string().min(1).max(64) });
export const NumberParams = z.strictObject({ numberId: z.string().min(1).max(64) });

/** The number form; secrets may be left out on an update to keep the stored ones. */
export const WhatsAppNumberInput = z.strictObject({
  phoneNumberId: z.string().trim().regex(/^\d{5,30}$/, 'the numeric phone number id from WhatsApp Manager'),
  displayNumber: z.string().trim().regex(/^\+?[\d\s()-]{6,30}$/, 'a phone number'),
  businessAccountId: z.string().trim().regex(/^\d{5,30}$/).optional(),
  accessToken: z.string().min(10).max(1000).optional(),
  appSecret: z.string().min(8).max(200).optional(),
  verifyToken: z.string().min(8).max(200).optional(),
  status: z.enum(['active', 'paused']).optional(),
});
export type WhatsAppNumberInput = z.infer<typeof WhatsAppNumberInput>;

export const WhatsAppNumberView = z.object({
  id: z.string(),
  shopId: z.string(),
  phoneNumberId: z.string(),
  displayNumber: z.string(),
  businessAccountId: z.string().nullable(),
  status: z.enum(['active', 'paused']),
  /** The callback URL to paste into the Meta app's WhatsApp webhook configuration. */
  webhookUrl: z.string(),
  lastWebhookAt: z.string().nullable(),
  updatedAt: z.string(),
  /** Set while Meta refuses the number's credentials (its words); cleared by the next success or save. */
  lastError: z.string().nullable(),
});
export type WhatsAppNumberView = z.infer<typeof WhatsAppNumberView>;

export const NumberOrNone = z.object({ number: WhatsAppNumberView.nullable() });

export const VerifyQuery = z.object({
  'hub.mode': z.string().optional(),
  'hub.verify_token': z.string().optional(),
  'hub.challenge': z.string().max(200).optional(),
});
