import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { statement, type Executor } from '../../platform/db.js';
import { cachedSetting } from '../../platform/settings-cache.js';
import type { RemedyLimits, Role } from './auth.rules.js';
import { users } from './auth.schema.js';

/*
 * Narrow reads for other modules, on the caller's transaction (so they see its writes and its
 * organisation): the users table stays this module's own.
 */

/** A person's remedy authority, on the caller's transaction; null when no such person exists here. */
export async function remedyLimitsOf(tx: Executor, orgId: string, userId: string): Promise<RemedyLimits | null> {
  const [u] = await tx.select({ l: users.remedyLimits }).from(users).where(and(eq(users.orgId, orgId), eq(users.id, userId)));
  return u?.l ?? null;
}

export interface PersonRef {
  id: string;
  name: string;
  role: Role;
  active: boolean;
}

/** One person of the organisation (active or not); null when there is no such person here. */
export async function userIn(tx: Executor, orgId: string, userId: string): Promise<PersonRef | null> {
  const [u] = await tx
    .select({ id: users.id, name: users.name, role: users.role, active: users.active })
    .from(users)
    .where(and(eq(users.orgId, orgId), eq(users.id, userId)));
  return u ?? null;
}

export interface DeskPerson extends PersonRef {
  languages: string[];
  skills: string[];
}

const deskColumns = { id: users.id, name: users.name, role: users.role, active: users.active, languages: users.languages, skills: users.skills };

/**
 * Active agents and supervisors: the people the helpdesk may route a ticket to. Given the ticket's
 * brand, people limited to other brands are left out (they could not see the ticket).
 */
export async function routableAgentsIn(tx: Executor, orgId: string, brandId?: string): Promise<DeskPerson[]> {
  // From memory in a hot transaction while the organisation's settings (people among them) are unchanged.
  return cachedSetting(tx, orgId, `routable:${brandId ?? ''}`, () => (brandId === undefined ? routableAll(tx, { orgId }) : routableForBrand(tx, { orgId, brandId })));
}

// Read on every routed ticket: rendered once (`statement()`, platform/db.ts), with and without a brand.
const routable = (brand: boolean) =>
  statement((db) =>
    db
      .select(deskColumns)
      .from(users)
      .where(and(eq(users.orgId, sql.placeholder('orgId')), eq(users.active, true), inArray(users.role, ['agent', 'supervisor']), brand ? or(isNull(users.brandIds), sql`${sql.placeholder('brandId')}::text = any(${users.brandIds})`) : undefined))
      .orderBy(asc(users.id)),
  );
const routableAll = routable(false);
const routableForBrand = routable(true);

/** Active owners, supervisors and agents by name: everyone who can hold a ticket. */
export async function deskPeopleIn(tx: Executor, orgId: string): Promise<DeskPerson[]> {
  return tx
    .select(deskColumns)
    .from(users)
    .where(and(eq(users.orgId, orgId), eq(users.active, true), inArray(users.role, ['owner', 'supervisor', 'agent'])))
    .orderBy(asc(users.name));
}

/** The active supervisor with the lowest id (a stable pick for escalations), or null. */
export async function firstSupervisorIn(tx: Executor, orgId: string): Promise<string | null> {
  const [s] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.orgId, orgId), eq(users.role, 'supervisor'), eq(users.active, true)))
    .orderBy(asc(users.id))
    .limit(1);
  return s?.id ?? null;
}

/** The organisation of the person signing in with this email (emails are unique across organisations), or null. */
export async function orgOfUserEmail(tx: Executor, email: string): Promise<string | null> {
  const [u] = await tx.select({ orgId: users.orgId }).from(users).where(eq(users.email, email));
  return u?.orgId ?? null;
}

/** Names of people of the organisation by id (to write "Anna approved", not an id); unknown ids are left out. */
export async function namesOf(tx: Executor, orgId: string, ids: string[]): Promise<{ id: string; name: string }[]> {
  if (ids.length === 0) return [];
  return tx.select({ id: users.id, name: users.name }).from(users).where(and(eq(users.orgId, orgId), inArray(users.id, [...new Set(ids)])));
}

/** The e-mail addresses of this organisation's people (a mail claiming one of them is suspect). */
export async function staffEmailsIn(tx: Executor, orgId: string): Promise<string[]> {
  const rows = await tx.select({ email: users.email }).from(users).where(eq(users.orgId, orgId));
  return rows.map((r) => r.email);
}

/** Where and in which language a person's own mail goes (notification e-mail); null when gone. */
export async function mailRecipientIn(tx: Executor, orgId: string, userId: string): Promise<{ email: string; name: string; uiLocale: string; active: boolean } | null> {
  const [u] = await tx.select({ email: users.email, name: users.name, uiLocale: users.uiLocale, active: users.active }).from(users).where(and(eq(users.orgId, orgId), eq(users.id, userId)));
  return u ?? null;
}

/** One person's sign-in e-mail (where their own test sends go); null when no such person. */
export async function userEmailIn(tx: Executor, orgId: string, userId: string): Promise<string | null> {
  const [u] = await tx.select({ email: users.email }).from(users).where(and(eq(users.orgId, orgId), eq(users.id, userId)));
  return u?.email ?? null;
}
