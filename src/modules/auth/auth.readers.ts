import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import type { RemedyLimits } from './auth.rules.js';
import { users } from './auth.schema.js';

/** A person's remedy authority, on the caller's transaction; null when no such person exists here. */
export async function remedyLimitsOf(tx: Executor, orgId: string, userId: string): Promise<RemedyLimits | null> {
  const [u] = await tx.select({ l: users.remedyLimits }).from(users).where(and(eq(users.orgId, orgId), eq(users.id, userId)));
  return u?.l ?? null;
}
