import crypto from 'node:crypto';
// napi-rs build shipped per platform inside npm packages: no install script, no compiler needed.
import * as argon2 from '@node-rs/argon2';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError, isUniqueViolation } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import type { CreateUser, UpdateUser, UserView } from './auth.dto.js';
import { assertStrongPassword } from './auth.password.js';
import { defaultRemedyLimits, SESSION_TTL_MS } from './auth.rules.js';
import { sessions, users } from './auth.schema.js';

export type UserRow = typeof users.$inferSelect;

export function userView(u: UserRow): UserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    languages: u.languages,
    skills: u.skills,
    remedyLimits: u.remedyLimits,
    uiLocale: u.uiLocale,
    active: u.active,
    createdAt: u.createdAt.toISOString(),
  };
}

const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** A users row as `to_jsonb` gives it (snake_case keys, timestamps as ISO text). */
type UserJson = {
  org_id: string;
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: UserRow['role'];
  languages: string[];
  skills: string[];
  remedy_limits: UserRow['remedyLimits'];
  ui_locale: string;
  active: boolean;
  created_at: string;
  updated_at: string;
};
function userFromJson(j: UserJson): UserRow {
  return {
    orgId: j.org_id,
    id: j.id,
    email: j.email,
    name: j.name,
    passwordHash: j.password_hash,
    role: j.role,
    languages: j.languages,
    skills: j.skills,
    remedyLimits: j.remedy_limits,
    uiLocale: j.ui_locale,
    active: j.active,
    createdAt: new Date(j.created_at),
    updatedAt: new Date(j.updated_at),
  };
}

// A fixed hash to verify against when the e-mail is unknown, so both paths cost the same time.
let dummyHash: Promise<string> | undefined;

export interface AuthDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
}

export function createAuthService({ db, ids, clock }: AuthDeps) {
  async function insertUser(tx: Executor, orgId: string, input: CreateUser): Promise<UserRow> {
    assertStrongPassword(input.password, { email: input.email, name: input.name });
    const now = clock.now();
    const [row] = await tx
      .insert(users)
      .values({
        orgId,
        id: ids('usr'),
        email: input.email.toLowerCase(),
        name: input.name,
        passwordHash: await argon2.hash(input.password),
        role: input.role,
        languages: input.languages ?? [],
        skills: input.skills ?? [],
        remedyLimits: input.remedyLimits ?? defaultRemedyLimits(input.role),
        uiLocale: input.uiLocale ?? 'en',
        active: true,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return row!;
  }

  function dupEmail(e: unknown, email: string): never {
    if (isUniqueViolation(e, 'users_email_unique')) throw AppError.conflict('users.duplicate_email', `A user with e-mail ${email} already exists`, { field: 'email' });
    throw e;
  }

  return {
    /** Used by seeding, the CLI and tests: no actor, the organisation is given. */
    async createUserInOrg(orgId: string, input: CreateUser): Promise<UserRow> {
      try {
        return await db.tenant(orgId, (tx) => insertUser(tx, orgId, input));
      } catch (e) {
        return dupEmail(e, input.email);
      }
    },

    async createUser(actor: Actor, input: CreateUser): Promise<UserRow> {
      requireRole(actor, ['owner'], 'adding users');
      try {
        return await db.tenant(actor.orgId, (tx) => insertUser(tx, actor.orgId, input));
      } catch (e) {
        return dupEmail(e, input.email);
      }
    },

    async listUsers(actor: Actor): Promise<UserRow[]> {
      requireRole(actor, ['owner', 'supervisor'], 'viewing the team');
      return db.tenant(actor.orgId, (tx) => tx.select().from(users).where(eq(users.orgId, actor.orgId)).orderBy(asc(users.name)));
    },

    async getUser(actor: Actor, id: string): Promise<UserRow> {
      if (actor.userId !== id) requireRole(actor, ['owner', 'supervisor'], 'viewing other users');
      return db.tenant(actor.orgId, async (tx) => {
        const [row] = await tx.select().from(users).where(and(eq(users.orgId, actor.orgId), eq(users.id, id)));
        if (!row) throw AppError.notFound('user', id);
        return row;
      });
    },

    async updateUser(actor: Actor, id: string, input: UpdateUser): Promise<UserRow> {
      requireRole(actor, ['owner'], 'changing users');
      return db.tenant(actor.orgId, async (tx) => {
        const [current] = await tx.select().from(users).where(and(eq(users.orgId, actor.orgId), eq(users.id, id)));
        if (!current) throw AppError.notFound('user', id);
        if (id === actor.userId && ((input.role && input.role !== 'owner') || input.active === false)) {
          throw AppError.conflict('users.cannot_demote_self', 'You cannot demote or deactivate yourself; ask another owner');
        }
        const patch: Partial<UserRow> = { updatedAt: clock.now() };
        if (input.name !== undefined) patch.name = input.name;
        if (input.role !== undefined) {
          patch.role = input.role;
          if (input.remedyLimits === undefined && input.role !== current.role) patch.remedyLimits = defaultRemedyLimits(input.role);
        }
        if (input.languages !== undefined) patch.languages = input.languages;
        if (input.skills !== undefined) patch.skills = input.skills;
        if (input.remedyLimits !== undefined) patch.remedyLimits = input.remedyLimits;
        if (input.active !== undefined) patch.active = input.active;
        if (input.password !== undefined) {
          assertStrongPassword(input.password, { email: current.email, name: input.name ?? current.name });
          patch.passwordHash = await argon2.hash(input.password);
        }
        const [row] = await tx.update(users).set(patch).where(and(eq(users.orgId, actor.orgId), eq(users.id, id))).returning();
        if (input.active === false || input.password !== undefined) {
          await tx.delete(sessions).where(and(eq(sessions.orgId, actor.orgId), eq(sessions.userId, id)));
        }
        return row!;
      });
    },

    async setUiLocale(actor: Actor, uiLocale: string): Promise<UserRow> {
      return db.tenant(actor.orgId, async (tx) => {
        const [row] = await tx
          .update(users)
          .set({ uiLocale, updatedAt: clock.now() })
          .where(and(eq(users.orgId, actor.orgId), eq(users.id, actor.userId)))
          .returning();
        if (!row) throw AppError.notFound('user', actor.userId);
        return row;
      });
    },

    /** Checks a password; returns a new session token (shown once, stored only as a hash). */
    async login(email: string, password: string, meta: { userAgent?: string; ip?: string }): Promise<{ token: string; user: UserRow; expiresAt: Date }> {
      const user = await db.system(async (tx) => {
        const [row] = await tx.select().from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
        return row;
      });
      if (!user || !user.active) {
        dummyHash ??= argon2.hash('not-a-real-password');
        await argon2.verify(await dummyHash, password).catch(() => false);
        throw new AppError('unauthenticated', 'auth.bad_credentials', 'E-mail or password is wrong');
      }
      if (!(await argon2.verify(user.passwordHash, password))) {
        throw new AppError('unauthenticated', 'auth.bad_credentials', 'E-mail or password is wrong');
      }
      const token = crypto.randomBytes(32).toString('base64url');
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
      await db.tenant(user.orgId, (tx) =>
        tx.insert(sessions).values({
          orgId: user.orgId,
          id: ids('ses'),
          userId: user.id,
          tokenHash: hashToken(token),
          createdAt: now,
          lastSeenAt: now,
          expiresAt,
          userAgent: meta.userAgent?.slice(0, 300) ?? null,
          ip: meta.ip ?? null,
        }),
      );
      return { token, user, expiresAt };
    },

    /** Resolves a cookie token to an actor, or undefined when missing, expired or revoked. */
    async authenticate(token: string): Promise<{ actor: Actor; sessionId: string; user: UserRow } | undefined> {
      const now = clock.now();
      // One statement on every signed-in request (migration 0211), not a system transaction.
      const r = await db.orm.execute(sql`select org_id, session_id, user_id, expires_at, last_seen_at, user_row from afterdesk_session_user(${hashToken(token)})`);
      const hit = r.rows[0] as { org_id: string; session_id: string; user_id: string; expires_at: string | Date; last_seen_at: string | Date; user_row: UserJson } | undefined;
      if (!hit) return undefined;
      const u = userFromJson(hit.user_row);
      if (new Date(hit.expires_at) <= now || !u.active) return undefined;
      // Touch at most once a minute: a write per request would serialise a busy agent's tabs.
      if (now.getTime() - new Date(hit.last_seen_at).getTime() > 60_000) {
        await db.system((tx) => tx.update(sessions).set({ lastSeenAt: now }).where(and(eq(sessions.orgId, hit.org_id), eq(sessions.id, hit.session_id))));
      }
      return { actor: { orgId: u.orgId, userId: u.id, role: u.role }, sessionId: hit.session_id, user: u };
    },

    async logout(actor: Actor, sessionId: string): Promise<void> {
      await db.tenant(actor.orgId, (tx) => tx.delete(sessions).where(and(eq(sessions.orgId, actor.orgId), eq(sessions.id, sessionId))));
    },

    async purgeExpiredSessions(): Promise<number> {
      return db.system(async (tx) => {
        const r = await tx.delete(sessions).where(sql`${sessions.expiresAt} < ${clock.now().toISOString()}::timestamptz`).returning({ id: sessions.id });
        return r.length;
      });
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
