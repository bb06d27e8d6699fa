import { z } from 'zod';

const id = z.string().min(1).max(64);
export const CardSizeEnum = z.enum(['a6', 'label']);
export const PortalLanguageEnum = z.enum(['en', 'de', 'fr', 'it', 'es']);

export const PrintBody = z
  .strictObject({
    shopId: id,
    orderIds: z.array(id).min(1).max(5_000).optional(),
    /** ISO date or date-time: every order of the shop placed since then (at most 5,000). */
    since: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
    size: CardSizeEnum,
    language: PortalLanguageEnum,
    holdoutPercent: z.number().int().min(0).max(50).optional(),
    /** Print the phone/WhatsApp/e-mail block; default per market (see docs "Buyer side"). */
    showContacts: z.boolean().optional(),
  })
  .refine((b) => !!b.orderIds !== !!b.since, { message: 'give either orderIds or since', path: ['orderIds'] });
export type PrintBody = z.infer<typeof PrintBody>;

export const PreviewBody = z.strictObject({ shopId: id, size: CardSizeEnum, language: PortalLanguageEnum, showContacts: z.boolean().optional() });
export const BatchListQuery = z.strictObject({ shopId: id.optional() });
export const OrderParams = z.strictObject({ orderId: id });

export const BatchView = z.object({
  id: z.string(),
  shopId: z.string(),
  size: CardSizeEnum,
  language: z.string(),
  holdoutPercent: z.number().int(),
  orderCount: z.number().int(),
  cardCount: z.number().int(),
  holdoutOrderIds: z.array(z.string()),
  scans: z.number().int(),
  createdAt: z.string(),
});
export type BatchViewT = z.infer<typeof BatchView>;
export const BatchList = z.object({ items: z.array(BatchView) });
export const RevokeView = z.object({ revoked: z.number().int() });

export const BuyerParams = z.strictObject({ buyerId: id });
export const BuyerSelfServiceView = z.object({
  warranties: z.array(
    z.object({
      id: z.string(),
      orderId: z.string(),
      shopId: z.string(),
      productName: z.string(),
      serialNumber: z.string(),
      /** The proof-of-purchase photo in the evidence vault, when one was given. */
      proofSha256: z.string().nullable(),
      endsAt: z.string(),
      ticketId: z.string().nullable(),
      createdAt: z.string(),
    }),
  ),
  consent: z
    .object({
      marketingConsent: z.boolean(),
      birthdayConsent: z.boolean(),
      birthday: z.string().nullable(),
      source: z.string().nullable(),
      unsubscribedAt: z.string().nullable(),
      updatedAt: z.string(),
    })
    .nullable(),
});
export type BuyerSelfServiceView = z.infer<typeof BuyerSelfServiceView>;
