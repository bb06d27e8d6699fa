import { AppError } from './errors.js';

export const ROLES = ['owner', 'supervisor', 'agent', 'warehouse'] as const;
export type Role = (typeof ROLES)[number];

/** Who is acting: every service call carries one, and every query is scoped by its orgId. */
export interface Actor {
  orgId: string;
  userId: string;
  role: Role;
  /**
   * The person's display name, when whoever built the actor has just read it (a signed-in request:
   * the session lookup returns the user row). Something they write is authored under it without
   * reading the user again; without it, the writer reads the name.
   */
  name?: string;
}

export function requireRole(actor: Actor, allowed: readonly Role[], what = 'this action'): void {
  if (!allowed.includes(actor.role)) {
    throw AppError.forbidden('auth.role_forbidden', `Your role (${actor.role}) may not perform ${what}; needs one of: ${allowed.join(', ')}`, {
      role: actor.role,
      allowed,
    });
  }
}

/** System actor for jobs, webhooks and the CLI acting inside one organisation. */
export function systemActor(orgId: string): Actor {
  return { orgId, userId: 'system', role: 'owner' };
}
