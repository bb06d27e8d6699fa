import ipaddr from 'ipaddr.js';
import type { AuditActorType } from './audit.schema.js';

/**
 * The actions the audit log knows. Callers in other modules use these names, so the Audit page can
 * translate and filter them; a new action is added here first.
 */
export const AUDIT_ACTIONS = [
  // sign-in
  'auth.sign_in',
  'auth.sign_in_failed',
  'auth.two_factor_passed',
  'auth.two_factor_failed',
  // own account
  'account.password_changed',
  'account.password_reset_requested',
  'account.password_reset_completed',
  'account.password_reset_by_owner',
  'account.two_factor_enabled',
  'account.two_factor_disabled',
  'account.recovery_codes_regenerated',
  'account.sessions_revoked',
  'account.profile_changed',
  // people and organisation
  'users.created',
  'users.updated',
  'users.deactivated',
  'memberships.changed',
  'invitations.created',
  'invitations.revoked',
  'security.settings_changed',
  // money and promises
  'remedies.settings_changed',
  'remedies.item_economics_changed',
  'sla.policy_created',
  'sla.policy_changed',
  'shops.return_policy_changed',
  'coupons.budget_changed',
  // integrations
  'integrations.token_created',
  'integrations.token_revoked',
  'integrations.webhook_created',
  'integrations.webhook_changed',
  'integrations.webhook_deleted',
  'integrations.webhook_auto_disabled',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditActor {
  type: AuditActorType;
  id?: string | null;
  /** What a person reading the log recognises (an e-mail, a token's name); optional. */
  label?: string | null;
}

/** The audit actor for a service actor: API tokens act with ids `tok_…`, jobs and the CLI as `system`. */
export function auditActorOf(actor: { userId: string }, label?: string | null): AuditActor {
  if (actor.userId === 'system') return { type: 'system', id: null, label: label ?? null };
  if (actor.userId.startsWith('tok_')) return { type: 'token', id: actor.userId, label: label ?? null };
  return { type: 'user', id: actor.userId, label: label ?? null };
}

export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The fields that differ between two states, as dotted paths (`ladder.steps`, `amounts.EUR`):
 * objects are walked, arrays and scalars compared whole. What the Audit page shows as before → after.
 */
export function diffStates(before: unknown, after: unknown, prefix = ''): FieldChange[] {
  // Something created (or removed) as a whole shows as its fields, each from (or to) null.
  const b = before == null && isPlain(after) ? {} : before;
  const a = after == null && isPlain(before) ? {} : after;
  if (isPlain(b) && isPlain(a)) {
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
    return keys.flatMap((k) => diffStates(b[k], a[k], prefix ? `${prefix}.${k}` : k));
  }
  if (JSON.stringify(before ?? null) === JSON.stringify(after ?? null)) return [];
  return [{ path: prefix, before: before ?? null, after: after ?? null }];
}

/** Only the changed top-level fields of each side: an update that touched one field records one field. */
export function changedOnly(before: Record<string, unknown>, after: Record<string, unknown>): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null)) {
      b[k] = before[k] ?? null;
      a[k] = after[k] ?? null;
    }
  }
  return { before: b, after: a };
}

/**
 * An address cut to its network (IPv4 /24, IPv6 /48): enough to tell "the office" from "somewhere
 * else", not enough to name a household. Full addresses stay out of the audit log and the UI.
 */
export function coarseIp(ip: string | null | undefined): string | null {
  if (!ip || !ipaddr.isValid(ip)) return null;
  const a = ipaddr.process(ip);
  if (a.kind() === 'ipv4') return `${a.toString().split('.').slice(0, 3).join('.')}.0/24`;
  return `${(a as ipaddr.IPv6).toNormalizedString().split(':').slice(0, 3).join(':')}::/48`;
}
