import { z } from 'zod';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (24-hour)');
export const Interval = z
  .strictObject({ start: hhmm, end: hhmm })
  .refine((i) => i.start < i.end, { message: 'start must be before end', path: ['end'] });
export const BusinessHours = z.strictObject({
  mon: z.array(Interval),
  tue: z.array(Interval),
  wed: z.array(Interval),
  thu: z.array(Interval),
  fri: z.array(Interval),
  sat: z.array(Interval),
  sun: z.array(Interval),
});
export type BusinessHours = z.infer<typeof BusinessHours>;

export const RefundTrigger = z.enum(['on_request', 'on_receipt', 'on_inspection_pass']);
export const ReturnPolicy = z.strictObject({
  windowDays: z.number().int().min(0).max(365),
  noReasonReturns: z.boolean(),
  returnShippingPaidBy: z.enum(['buyer', 'seller']),
  restockingFeePercent: z.number().int().min(0).max(100),
  refundTrigger: RefundTrigger,
  finalSaleCategories: z.array(z.string().min(1)).max(50),
});
export type ReturnPolicy = z.infer<typeof ReturnPolicy>;

export const SupportContacts = z.strictObject({
  email: z.string().email().optional(),
  phone: z.string().min(3).max(40).optional(),
  whatsapp: z.string().min(3).max(40).optional(),
  address: z.string().max(500).optional(),
  returnWarehouse: z.string().max(500).optional(),
});
export type SupportContacts = z.infer<typeof SupportContacts>;

export const LANGUAGES = ['en', 'de', 'fr', 'it', 'es'] as const;
export const Language = z.enum(LANGUAGES);
export type Language = z.infer<typeof Language>;

export const Market = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as US or DE');
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as USD or EUR');
export const TimeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return tz.includes('/') || tz === 'UTC';
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as Europe/Berlin' },
);

export const CreateBrand = z.strictObject({ name: z.string().trim().min(1).max(120) });

export const CreateShop = z.strictObject({
  brandId: z.string().min(1),
  name: z.string().trim().min(1).max(120),
  market: Market,
  region: z.string().min(1).max(10).optional(),
  currency: Currency.optional(),
  timeZone: TimeZone.optional(),
  languages: z.array(Language).min(1).optional(),
  businessHours: BusinessHours.optional(),
  returnPolicy: ReturnPolicy.optional(),
  supportContacts: SupportContacts.optional(),
});
export type CreateShop = z.infer<typeof CreateShop>;

export const UpdateShop = CreateShop.omit({ brandId: true, market: true }).partial();
export type UpdateShop = z.infer<typeof UpdateShop>;

export const ShopView = z.object({
  id: z.string(),
  brandId: z.string(),
  name: z.string(),
  market: z.string(),
  region: z.string().nullable(),
  currency: z.string(),
  timeZone: z.string(),
  languages: z.array(z.string()),
  businessHours: BusinessHours,
  returnPolicy: ReturnPolicy,
  supportContacts: SupportContacts,
  /** Read-only: set only by the seller's OAuth authorisation of this shop (integrations/tiktok/connections.ts). */
  tiktokShopId: z.string().nullable(),
  createdAt: z.string(),
});
export type ShopView = z.infer<typeof ShopView>;

export const BrandView = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });
export type BrandView = z.infer<typeof BrandView>;
export const OrganisationView = z.object({ id: z.string(), name: z.string(), kind: z.enum(['seller', 'agency']), defaultLocale: z.string() });
export type OrganisationView = z.infer<typeof OrganisationView>;
