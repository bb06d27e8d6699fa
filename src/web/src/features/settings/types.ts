export type { BusinessHours, ReturnPolicy, ShopView, SupportContacts, Weekday } from '../../../../modules/tenancy/tenancy.dto.js';
import type { Weekday } from '../../../../modules/tenancy/tenancy.dto.js';

export interface Brand {
  id: string;
  name: string;
  createdAt: string;
}

export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const MARKETS = ['US', 'CA', 'MX', 'GB', 'IE', 'DE', 'FR', 'IT', 'ES'] as const;
export const BUYER_LANGUAGES = ['en', 'de', 'fr', 'it', 'es'] as const;
export const AGENT_LANGUAGES = ['en', 'de', 'fr', 'it', 'es', 'zh-CN'] as const;
export const CURRENCIES = ['USD', 'CAD', 'MXN', 'GBP', 'EUR'] as const;
export const REFUND_TRIGGERS = ['on_request', 'on_receipt', 'on_inspection_pass'] as const;
