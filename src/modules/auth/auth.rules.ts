import { ROLES, type Role } from '../../platform/tenancy.js';

export { ROLES, type Role };

/**
 * How much an agent may give away without asking: a cap per currency (minor units) and a cap as a
 * share of the order line's paid amount. `null` means no cap (owners).
 */
export interface RemedyLimits {
  percent: number | null;
  amounts: Record<string, number> | null;
}

export const DEFAULT_REMEDY_LIMITS: Record<Role, RemedyLimits> = {
  owner: { percent: null, amounts: null },
  supervisor: { percent: 100, amounts: { USD: 100_000, CAD: 130_000, GBP: 80_000, EUR: 90_000, MXN: 1_800_000 } },
  agent: { percent: 30, amounts: { USD: 5_000, CAD: 6_500, GBP: 4_000, EUR: 4_500, MXN: 90_000 } },
  warehouse: { percent: 0, amounts: { USD: 0, CAD: 0, GBP: 0, EUR: 0, MXN: 0 } },
};

export function defaultRemedyLimits(role: Role): RemedyLimits {
  return structuredClone(DEFAULT_REMEDY_LIMITS[role]);
}

export interface LimitCheck {
  allowed: boolean;
  reason: 'within_limits' | 'over_amount' | 'over_percent' | 'no_limit_for_currency';
}

/** Whether `amount` (minor units) of `currency`, out of `base` paid, is within a person's limits. */
export function withinRemedyLimits(limits: RemedyLimits, amount: number, currency: string, base: number): LimitCheck {
  if (limits.amounts !== null) {
    const cap = limits.amounts[currency];
    if (cap === undefined) return { allowed: false, reason: 'no_limit_for_currency' };
    if (amount > cap) return { allowed: false, reason: 'over_amount' };
  }
  if (limits.percent !== null && base > 0 && amount * 100 > base * limits.percent) return { allowed: false, reason: 'over_percent' };
  if (limits.percent !== null && base <= 0 && amount > 0 && limits.percent < 100) return { allowed: false, reason: 'over_percent' };
  return { allowed: true, reason: 'within_limits' };
}

/** Who may manage whom: owners manage everyone; supervisors may view the team. */
export function canManageUsers(role: Role): boolean {
  return role === 'owner';
}

export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;
export const SESSION_COOKIE = 'afterdesk_session';
