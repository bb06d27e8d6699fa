import { z } from 'zod';
import { Currency, TimeZone } from '../tenancy/tenancy.dto.js';

export const CHANNELS = ['tiktok_chat', 'tiktok_return_request', 'email', 'whatsapp', 'livestream', 'video_comment', 'self_service'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const Priority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof Priority>;
export const Mode = z.enum(['business', 'calendar']);

/** Languages a policy name may be given in: the UI's and the desk's. */
export const NAME_LANGUAGES = ['en', 'zh-CN', 'de', 'fr', 'it', 'es'] as const;
const Names = z.partialRecord(z.enum(NAME_LANGUAGES), z.string().trim().min(1).max(120));

const minutes = z.number().int().min(1).max(60 * 24 * 366);
const percents = z
  .array(z.number().int().min(1).max(99))
  .max(5)
  .refine((a) => new Set(a).size === a.length, { message: 'must not repeat a percentage' });

export const CreatePolicy = z
  .strictObject({
    name: z.string().trim().min(1).max(120),
    names: Names.default({}),
    shopId: z.string().min(1).max(64).nullable().optional(),
    channel: Channel.nullable().optional(),
    priority: Priority.nullable().optional(),
    /** Minimum order value in minor units (20000 = 200.00). */
    minOrderAmount: z.number().int().min(0).nullable().optional(),
    minOrderCurrency: Currency.nullable().optional(),
    firstReplyMinutes: minutes.nullable().optional(),
    nextReplyMinutes: minutes.nullable().optional(),
    resolutionMinutes: minutes.nullable().optional(),
    mode: Mode.default('business'),
    warningPercents: percents.default([50, 80]),
    active: z.boolean().default(true),
  })
  .refine((p) => p.minOrderCurrency == null || p.minOrderAmount != null, { message: 'needs minOrderAmount', path: ['minOrderCurrency'] })
  .refine((p) => p.firstReplyMinutes != null || p.nextReplyMinutes != null || p.resolutionMinutes != null, {
    message: 'set at least one of firstReplyMinutes, nextReplyMinutes, resolutionMinutes',
    path: ['firstReplyMinutes'],
  });
export type CreatePolicy = z.input<typeof CreatePolicy>;

export const UpdatePolicy = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  names: Names.optional(),
  shopId: z.string().min(1).max(64).nullable().optional(),
  channel: Channel.nullable().optional(),
  priority: Priority.nullable().optional(),
  minOrderAmount: z.number().int().min(0).nullable().optional(),
  minOrderCurrency: Currency.nullable().optional(),
  firstReplyMinutes: minutes.nullable().optional(),
  nextReplyMinutes: minutes.nullable().optional(),
  resolutionMinutes: minutes.nullable().optional(),
  mode: Mode.optional(),
  warningPercents: percents.optional(),
  active: z.boolean().optional(),
});
export type UpdatePolicy = z.infer<typeof UpdatePolicy>;

export const PolicyView = z.object({
  id: z.string(),
  name: z.string(),
  /** The name per language; the UI shows its language's, else `name`. */
  names: z.record(z.string(), z.string()),
  shopId: z.string().nullable(),
  channel: z.string().nullable(),
  priority: z.string().nullable(),
  minOrderAmount: z.number().nullable(),
  minOrderCurrency: z.string().nullable(),
  firstReplyMinutes: z.number().nullable(),
  nextReplyMinutes: z.number().nullable(),
  resolutionMinutes: z.number().nullable(),
  mode: Mode,
  warningPercents: z.array(z.number()),
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PolicyView = z.infer<typeof PolicyView>;

export const ClockEventView = z.object({
  id: z.string(),
  kind: z.string(),
  at: z.string(),
  generation: z.number(),
  dueAt: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export const ClockView = z.object({
  id: z.string(),
  ticketId: z.string(),
  metric: z.enum(['first_reply', 'next_reply', 'resolution']),
  policyId: z.string(),
  targetMinutes: z.number(),
  mode: Mode,
  state: z.enum(['running', 'paused', 'stopped', 'breached']),
  startedAt: z.string(),
  dueAt: z.string(),
  pausedAt: z.string().nullable(),
  pausedBusinessMinutes: z.number(),
  stoppedAt: z.string().nullable(),
  stopReason: z.string().nullable(),
  breachedAt: z.string().nullable(),
  escalatedAt: z.string().nullable(),
  warningsFired: z.array(z.number()),
  generation: z.number(),
  events: z.array(ClockEventView),
});
export type ClockView = z.infer<typeof ClockView>;

const isoInstant = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)), {
  message: 'must be an ISO 8601 instant with an offset, e.g. 2026-03-27T17:30:00+01:00',
});

/** Query of GET /api/sla/due (and the CLI's options). */
export const DueQuery = z.strictObject({
  timezone: TimeZone,
  country: z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as DE').transform((s) => s.toUpperCase()),
  region: z.string().min(1).max(10).optional(),
  hours: z.string().min(1).max(500),
  start: isoInstant,
  minutes: z.coerce.number().int('must be a whole number of minutes').min(0).max(60 * 24 * 3660),
  mode: Mode.default('business'),
});
export type DueQuery = z.input<typeof DueQuery>;

export const ShopDueQuery = z.strictObject({
  start: isoInstant,
  minutes: z.coerce.number().int('must be a whole number of minutes').min(0).max(60 * 24 * 3660),
  mode: Mode.default('business'),
});

export const DueView = z.object({
  due: z.string(),
  dueUtc: z.string(),
  start: z.string(),
  minutes: z.number(),
  mode: Mode,
  timeZone: z.string(),
  hours: z.string(),
  holidaysSkipped: z.array(z.object({ date: z.string(), name: z.string() })),
  segments: z.array(z.object({ from: z.string(), to: z.string(), minutes: z.number() })),
});
export type DueView = z.infer<typeof DueView>;

export const AttainmentQuery = z.strictObject({
  from: isoInstant,
  to: isoInstant,
  shopId: z.string().min(1).max(64).optional(),
});
export const AttainmentRow = z.object({
  shopId: z.string(),
  metric: z.string(),
  count: z.number(),
  met: z.number(),
  breached: z.number(),
  open: z.number(),
  attainmentPercent: z.number().nullable(),
  p50FirstReplyMinutes: z.number().nullable(),
  p90FirstReplyMinutes: z.number().nullable(),
});
