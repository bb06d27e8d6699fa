import { z } from 'zod';
import { GRADES } from './returns.rules.js';

const id = z.string().min(1).max(64);
const photo = z.string().min(1).max(500);

export const EligibilityBody = z.strictObject({
  orderId: id,
  orderLineIds: z.array(id).min(1).max(100),
  reasonCode: z.string().min(1).max(60).nullable().optional(),
  photos: z.array(photo).max(20).optional(),
  language: z.string().min(2).max(10).optional(),
});

export const CreateReturnBody = z.strictObject({
  orderId: id,
  orderLineIds: z.array(id).min(1).max(100),
  reasonCode: z.string().min(1).max(60).nullable().optional(),
  note: z.string().max(5_000).nullable().optional(),
  photos: z.array(photo).max(20).optional(),
  channel: z.enum(['self_service', 'agent']).default('agent'),
  ticketId: id.nullable().optional(),
  resolution: z.enum(['refund', 'exchange', 'no_refund']).optional(),
  exchangeSku: z.string().min(1).max(100).nullable().optional(),
  language: z.string().min(2).max(10).nullable().optional(),
});

export const FromPlatformBody = z.strictObject({
  reasonCode: z.string().min(1).max(60).nullable().optional(),
  ticketId: id.nullable().optional(),
  platformRefunded: z.boolean().optional(),
});

export const ReceiveBody = z.strictObject({ trackingNumber: z.string().min(1).max(100).nullable().optional(), note: z.string().max(2_000).nullable().optional() });
export const InspectBody = z.strictObject({ grade: z.enum(GRADES), note: z.string().max(2_000).nullable().optional(), photos: z.array(photo).max(20).optional() });
export const DecideBody = z.strictObject({ decision: z.enum(['refund_anyway', 'reject']), note: z.string().trim().min(1).max(2_000) });
export const AppealBody = z.strictObject({ outcome: z.enum(['won', 'lost']) });
export const LookupQuery = z.strictObject({ code: z.string().trim().min(1).max(100) });
export const ListQuery = z.strictObject({
  status: z.enum(['awaiting_parcel', 'received', 'inspected', 'inspection_failed', 'appeal_open', 'closed', 'rejected']).optional(),
  shopId: id.optional(),
  orderId: id.optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});
export const LangQuery = z.strictObject({ lang: z.enum(['en', 'de', 'fr', 'it', 'es']).optional() });

const Labels = z.strictObject({ en: z.string().min(1).max(120), de: z.string().min(1).max(120), fr: z.string().min(1).max(120), it: z.string().min(1).max(120), es: z.string().min(1).max(120), 'zh-CN': z.string().min(1).max(120) });
export const ReasonTreeBody = z.strictObject({
  nodes: z
    .array(z.strictObject({ code: z.string().regex(/^[a-z][a-z0-9_]{1,59}$/), parent: z.string().nullable(), faultOwner: z.enum(['buyer', 'seller', 'carrier', 'platform']), labels: Labels, photosRequired: z.boolean() }))
    .min(1)
    .max(200),
});

export const StockBody = z.strictObject({ sku: z.string().min(1).max(100), productId: id, label: z.string().min(1).max(200), available: z.number().int().min(0).max(1_000_000) });
export const StatsQuery = z.strictObject({ shopId: id.optional(), days: z.coerce.number().int().min(1).max(365).optional() });
export const SwitchBody = z.strictObject({ note: z.string().max(2_000).nullable().optional() });
