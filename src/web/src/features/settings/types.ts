export type { BusinessHours, ReturnPolicy, ShopView, SupportContacts, Weekday } from '../../../../modules/tenancy/tenancy.dto.js';
import type { Weekday } from '../../../../modules/tenancy/tenancy.dto.js';

export type { BrandView as Brand } from '../../../../modules/tenancy/tenancy.dto.js';

export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const MARKETS = ['US', 'CA', 'MX', 'GB', 'IE', 'DE', 'FR', 'IT', 'ES'] as const;
export const BUYER_LANGUAGES = ['en', 'de', 'fr', 'it', 'es'] as const;
export const AGENT_LANGUAGES = ['en', 'de', 'fr', 'it', 'es', 'zh-CN'] as const;
export const CURRENCIES = ['USD', 'CAD', 'MXN', 'GBP', 'EUR'] as const;
export const REFUND_TRIGGERS = ['on_request', 'on_receipt', 'on_inspection_pass'] as const;

export type { PolicyView as SlaPolicy, UpdatePolicy as SlaPolicyInput } from '../../../../modules/sla/sla.dto.js';

/** One row of `GET /api/sla/attainment` (clocks started in the period, per shop and metric). */
export interface SlaAttainmentRow {
  shopId: string;
  metric: string;
  count: number;
  met: number;
  breached: number;
  open: number;
  attainmentPercent: number | null;
  p50FirstReplyMinutes: number | null;
  p90FirstReplyMinutes: number | null;
}

// The SLA module's own lists (its DTO file is a pure contract, so the bundle gets only these arrays).
export { CHANNELS as SLA_CHANNELS, PRIORITIES as SLA_PRIORITIES } from '../../../../modules/sla/sla.dto.js';
export const SLA_METRICS = ['first_reply', 'next_reply', 'resolution'] as const;
