import crypto from 'node:crypto';
// napi-rs build shipped per platform inside npm packages: no install script, no compiler needed.
import * as argon2 from '@node-rs/argon2';
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError, isUniqueViolation } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import { enqueue } from '../../platform/outbox/outbox.js';
import { encryptSecret } from '../../platform/secrets.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import type { ShopScope } from '../../platform/scope.js';
import { brandsIn, organisationsByIds, shopIdsOfBrands } from '../tenancy/index.js';
import type { AcceptInvitation, CreateInvitation, CreateUser, InvitationPreview, InvitationView, MembershipView, UpdateUser, UserView } from './auth.dto.js';
import { restrictionFor, type Restriction } from './auth.account.rules.js';
import { assertStrongPassword } from './auth.password.js';
import { defaultRemedyLimits, SESSION_TTL_MS } from './auth.rules.js';
import { invitations, logins, sessions, users } from './auth.schema.js';
import { auditActorOf, changedOnly, recordAudit, recordMembershipChange } from '../audit/index.js';

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
    brandIds: u.brandIds ?? null,
    createdAt: u.createdAt.toISOString(),
  };
}

/** What the audit log keeps of a person: role, authority and status, never the password hash. */
const auditedUser = (u: UserRow): Record<string, unknown> => ({ email: u.email, name: u.name, role: u.role, languages: u.languages, skills: u.skills, remedyLimits: u.remedyLimits, active: u.active, brandIds: u.brandIds ?? null });

export type InvitationRow = typeof invitations.$inferSelect;
export type LoginRow = typeof logins.$inferSelect;

/** How long an invitation link stays usable. */
export const INVITATION_TTL_MS = 7 * 24 * 3600_000;

export function invitationView(r: InvitationRow, now: Date): InvitationView {
  const status = r.acceptedAt ? 'accepted' : r.revokedAt ? 'revoked' : r.expiresAt <= now ? 'expired' : 'pending';
  return { id: r.id, email: r.email, role: r.role, brandIds: r.brandIds ?? null, status, createdAt: r.createdAt.toISOString(), expiresAt: r.expiresAt.toISOString(), invitedBy: r.invitedBy };
}

const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** A users row as `to_jsonb` gives it (snake_case keys, timestamps as ISO text). */
type UserJson = {
  org_id: string;
  id: string;
  email: string;
  name: string;
  login_id: string;
  brand_ids: string[] | null;
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
    loginId: j.login_id,
    brandIds: j.brand_ids ?? null,
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
  /** Seals an invitation link in the mail step's payload (the link is a credential). */
  secretKey?: Buffer;
}

/** The outbox step that mails an invitation through the installation's SMTP. */
export const INVITATION_MAIL_STEP = 'auth.invitation_mail';

/** A signed-in request: who, in which organisation, and the shops it may see (null: all). */
export interface Authenticated {
  actor: Actor;
  sessionId: string;
  loginId: string;
  user: UserRow;
  shopScope: ShopScope;
  /** What this session may not do yet (a forced password change, two-factor enrolment), or null. */
  restriction: Restriction | null;
}

export function createAuthService({ db, ids, clock, secretKey }: AuthDeps) {
  /** A brand limit must name brands of this organisation, and owners see everything. */
  async function checkBrandLimit(tx: Executor, orgId: string, role: string, brandIds: string[] | null | undefined): Promise<string[] | null> {
    if (brandIds === undefined || brandIds === null) return null;
    if (role === 'owner') throw AppError.validation('users.owner_unscoped', 'An owner sees the whole organisation and cannot be limited to brands', [{ field: 'brandIds', message: 'not for owners' }]);
    const unique = [...new Set(brandIds)];
    const found = await brandsIn(tx, orgId, unique);
    const missing = unique.find((b) => !found.includes(b));
    if (missing) throw AppError.notFound('brand', missing);
    return unique;
  }

  async function insertMembership(tx: Executor, orgId: string, login: { id: string; email: string; name: string }, input: Omit<CreateUser, 'email' | 'password' | 'name'>, brandIds: string[] | null): Promise<UserRow> {
    const now = clock.now();
    const [row] = await tx
      .insert(users)
      .values({
        orgId,
        id: ids('usr'),
        email: login.email,
        name: login.name,
        loginId: login.id,
        role: input.role,
        languages: input.languages ?? [],
        skills: input.skills ?? [],
        remedyLimits: input.remedyLimits ?? defaultRemedyLimits(input.role),
        uiLocale: input.uiLocale ?? 'en',
        active: true,
        brandIds,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return row!;
  }

  /** A new login and its first membership, in one system transaction (the login is installation-wide). */
  async function insertUser(orgId: string, input: CreateUser): Promise<UserRow> {
    assertStrongPassword(input.password, { email: input.email, name: input.name });
    const passwordHash = await argon2.hash(input.password);
    const email = input.email.toLowerCase();
    return db.system(async (tx) => {
      const brandIds = await checkBrandLimit(tx, orgId, input.role, input.brandIds);
      const now = clock.now();
      const [login] = await tx.insert(logins).values({ id: ids('lgn'), email, name: input.name, passwordHash, lastOrgId: orgId, createdAt: now, updatedAt: now }).returning();
      return insertMembership(tx, orgId, login!, input, brandIds);
    });
  }

  async function newSession(tx: Executor, user: UserRow, meta: { userAgent?: string; ip?: string }): Promise<{ token: string; expiresAt: Date }> {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await tx.insert(sessions).values({
      orgId: user.orgId,
      id: ids('ses'),
      userId: user.id,
      loginId: user.loginId,
      tokenHash: hashToken(token),
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
      ip: meta.ip ?? null,
    });
    await tx.update(logins).set({ lastOrgId: user.orgId }).where(eq(logins.id, user.loginId));
    return { token, expiresAt };
  }

  /** The invitation a link names, whatever its state; undefined when the token names none. */
  async function invitationByToken(tx: Executor, token: string): Promise<InvitationRow | undefined> {
    const [row] = await tx.select().from(invitations).where(eq(invitations.tokenHash, hashToken(token)));
    return row;
  }

  function usable(inv: InvitationRow | undefined): InvitationRow {
    if (!inv || inv.acceptedAt || inv.revokedAt || inv.expiresAt <= clock.now()) {
      throw AppError.notFound('invitation', 'link');
    }
    return inv;
  }

  function dupEmail(e: unknown, email: string): never {
    if (isUniqueViolation(e, 'logins_email_unique') || isUniqueViolation(e, 'users_email_in_org')) throw AppError.conflict('users.duplicate_email', `A user with e-mail ${email} already exists`, { field: 'email' });
    throw e;
  }

  /**
   * An owner sets a password for a person of their organisation. A login that also belongs to
   * another organisation is that person's own: one organisation's owner may not take it over.
   */
  async function setLoginPassword(orgId: string, userId: string, password: string, newName: string | undefined): Promise<void> {
    const [member] = await db.system((tx) => tx.select().from(users).where(and(eq(users.orgId, orgId), eq(users.id, userId))));
    if (!member) throw AppError.notFound('user', userId);
    assertStrongPassword(password, { email: member.email, name: newName ?? member.name });
    const hash = await argon2.hash(password);
    await db.system(async (tx) => {
      const others = await tx.select({ orgId: users.orgId }).from(users).where(and(eq(users.loginId, member.loginId), eq(users.active, true)));
      if (others.some((o) => o.orgId !== orgId)) {
        throw AppError.conflict('users.shared_login', 'This person also works in another organisation; only they can change their password', { field: 'password' });
      }
      await tx.update(logins).set({ passwordHash: hash, updatedAt: clock.now() }).where(eq(logins.id, member.loginId));
      await tx.delete(sessions).where(eq(sessions.loginId, member.loginId));
    });
  }

  return {
    /** Used by seeding, the CLI and tests: no actor, the organisation is given. */
    async createUserInOrg(orgId: string, input: CreateUser): Promise<UserRow> {
      try {
        return await insertUser(orgId, input);
      } catch (e) {
        return dupEmail(e, input.email);
      }
    },

    async createUser(actor: Actor, input: CreateUser): Promise<UserRow> {
      requireRole(actor, ['owner'], 'adding users');
      try {
        const row = await insertUser(actor.orgId, input);
        await db.tenant(actor.orgId, (tx) => recordAudit(tx, { ids, clock }, { orgId: actor.orgId, actor: auditActorOf(actor), action: 'users.created', subject: { type: 'user', id: row.id }, after: auditedUser(row) }));
        return row;
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
      // The password is the login's: set first (or refused) so a refusal changes nothing else.
      if (input.password !== undefined) await setLoginPassword(actor.orgId, id, input.password, input.name);
      const updated = await db.tenant(actor.orgId, async (tx) => {
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
        if (input.brandIds !== undefined) patch.brandIds = await checkBrandLimit(tx, actor.orgId, input.role ?? current.role, input.brandIds);
        else if (input.role === 'owner' && current.brandIds) patch.brandIds = null;
        const [row] = await tx.update(users).set(patch).where(and(eq(users.orgId, actor.orgId), eq(users.id, id))).returning();
        // Deactivating removes the membership: its sessions in this organisation end now.
        if (input.active === false || input.password !== undefined) {
          await tx.delete(sessions).where(and(eq(sessions.orgId, actor.orgId), eq(sessions.userId, id)));
        }
        const diff = changedOnly(auditedUser(current), { ...auditedUser(row!), ...(input.password !== undefined ? { passwordSet: true } : {}) });
        if (Object.keys(diff.after).length) {
          const action = current.active && input.active === false ? 'users.deactivated' : 'users.updated';
          await recordAudit(tx, { ids, clock }, { orgId: actor.orgId, actor: auditActorOf(actor), action, subject: { type: 'user', id }, ...diff });
        }
        return row!;
      });
      return updated;
    },

    /** The UI language is the person's: it follows them into every organisation they switch to. */
    async setUiLocale(actor: Actor, uiLocale: string): Promise<UserRow> {
      return db.system(async (tx) => {
        const [me] = await tx.select({ loginId: users.loginId }).from(users).where(and(eq(users.orgId, actor.orgId), eq(users.id, actor.userId)));
        if (!me) throw AppError.notFound('user', actor.userId);
        const rows = await tx.update(users).set({ uiLocale, updatedAt: clock.now() }).where(eq(users.loginId, me.loginId)).returning();
        return rows.find((r) => r.orgId === actor.orgId)!;
      });
    },

    /**
     * Checks a password; returns a new session token (shown once, stored only as a hash). The
     * session starts in the organisation the login used last, else its oldest membership. Password
     * only: it knows nothing of two-factor sign-in or the audit log. `POST /api/auth/login` goes
     * through the account service's `passwordStep` instead; nothing else should sign people in.
     */
    async login(email: string, password: string, meta: { userAgent?: string; ip?: string }): Promise<{ token: string; user: UserRow; expiresAt: Date }> {
      const found = await db.system(async (tx) => {
        const [login] = await tx.select().from(logins).where(sql`lower(${logins.email}) = ${email.toLowerCase()}`);
        if (!login) return undefined;
        const members = await tx.select().from(users).where(and(eq(users.loginId, login.id), eq(users.active, true))).orderBy(asc(users.createdAt));
        const user = members.find((m) => m.orgId === login.lastOrgId) ?? members[0];
        return user ? { login, user } : undefined;
      });
      if (!found) {
        dummyHash ??= argon2.hash('not-a-real-password');
        await argon2.verify(await dummyHash, password).catch(() => false);
        throw new AppError('unauthenticated', 'auth.bad_credentials', 'E-mail or password is wrong');
      }
      if (!(await argon2.verify(found.login.passwordHash, password))) {
        throw new AppError('unauthenticated', 'auth.bad_credentials', 'E-mail or password is wrong');
      }
      const { token, expiresAt } = await db.system((tx) => newSession(tx, found.user, meta));
      return { token, user: found.user, expiresAt };
    },

    /**
     * Resolves a cookie token to the actor of its current organisation, or undefined when missing,
     * expired or revoked. A brand-limited membership carries the ids of its brands' shops.
     */
    async authenticate(token: string): Promise<Authenticated | undefined> {
      const now = clock.now();
      // One statement on every signed-in request (migration 0214): the session, its user and the
      // facts its restriction depends on, not a system transaction plus a tenant one.
      const r = await db.orm.execute(
        sql`select org_id, session_id, user_id, expires_at, last_seen_at, user_row, require_two_factor, two_factor_enabled, must_change_password from afterdesk_session_auth(${hashToken(token)})`,
      );
      const hit = r.rows[0] as
        | { org_id: string; session_id: string; user_id: string; expires_at: string | Date; last_seen_at: string | Date; user_row: UserJson; require_two_factor: boolean; two_factor_enabled: boolean; must_change_password: boolean }
        | undefined;
      if (!hit) return undefined;
      const u = userFromJson(hit.user_row);
      if (new Date(hit.expires_at) <= now || !u.active) return undefined;
      // Touch at most once a minute: a write per request would serialise a busy agent's tabs.
      if (now.getTime() - new Date(hit.last_seen_at).getTime() > 60_000) {
        await db.system((tx) => tx.update(sessions).set({ lastSeenAt: now }).where(and(eq(sessions.orgId, hit.org_id), eq(sessions.id, hit.session_id))));
      }
      // A brand-limited membership carries the ids of its brands' shops (one more read, only for them).
      const shopScope = u.brandIds ? await db.system((tx) => shopIdsOfBrands(tx, u.orgId, u.brandIds!)) : null;
      const restriction = restrictionFor({ requireTwoFactor: hit.require_two_factor, twoFactorEnabled: hit.two_factor_enabled, mustChangePassword: hit.must_change_password });
      return { actor: { orgId: u.orgId, userId: u.id, role: u.role, name: u.name }, sessionId: hit.session_id, loginId: u.loginId, user: u, shopScope, restriction };
    },

    /** The organisations a login belongs to (active memberships), the current one marked. */
    async memberships(loginId: string, currentOrgId?: string): Promise<(MembershipView & { userId: string; brandIds: string[] | null })[]> {
      return db.system(async (tx) => {
        const members = await tx.select().from(users).where(and(eq(users.loginId, loginId), eq(users.active, true)));
        const orgs = new Map((await organisationsByIds(tx, members.map((m) => m.orgId))).map((o) => [o.orgId, o]));
        return members
          .filter((m) => orgs.has(m.orgId))
          .map((m) => ({ id: m.orgId, name: orgs.get(m.orgId)!.name, kind: orgs.get(m.orgId)!.kind, role: m.role, brandLimited: m.brandIds !== null, current: m.orgId === currentOrgId, userId: m.id, brandIds: m.brandIds ?? null }))
          .sort((a, b) => a.name.localeCompare(b.name));
      });
    },

    /**
     * Moves a session to another organisation of the same login. Every later request runs there
     * (one organisation per request, as before); an organisation the login does not belong to is
     * a 404 like any other id it cannot see.
     */
    async switchOrganisation(sessionId: string, loginId: string, orgId: string): Promise<UserRow> {
      return db.system(async (tx) => {
        const [member] = await tx.select().from(users).where(and(eq(users.loginId, loginId), eq(users.orgId, orgId), eq(users.active, true)));
        if (!member) throw AppError.notFound('organisation', orgId);
        const moved = await tx.update(sessions).set({ orgId, userId: member.id, lastSeenAt: clock.now() }).where(and(eq(sessions.id, sessionId), eq(sessions.loginId, loginId))).returning({ id: sessions.id });
        if (!moved.length) throw AppError.unauthenticated();
        await tx.update(logins).set({ lastOrgId: orgId }).where(eq(logins.id, loginId));
        return member;
      });
    },

    /**
     * Adds an existing login to an organisation (CLI, seed, tests): a membership with its own role,
     * limits and brand limit. A person already there is a 409.
     */
    async addMembership(orgId: string, email: string, input: Omit<CreateUser, 'email' | 'password' | 'name'> & { name?: string }): Promise<UserRow> {
      return db.system(async (tx) => {
        const [login] = await tx.select().from(logins).where(sql`lower(${logins.email}) = ${email.toLowerCase()}`);
        if (!login) throw AppError.notFound('login', email);
        const brandIds = await checkBrandLimit(tx, orgId, input.role, input.brandIds);
        try {
          const row = await insertMembership(tx, orgId, { id: login.id, email: login.email, name: input.name ?? login.name }, input, brandIds);
          await recordMembershipChange(tx, { ids, clock }, { orgId, actor: { type: 'system', id: null, label: null }, userId: row.id, before: null, after: auditedUser(row) });
          return row;
        } catch (e) {
          return dupEmail(e, email);
        }
      });
    },

    // --- invitations ---------------------------------------------------------------------------

    /**
     * `mail.link` (given when the installation can send mail) also queues the invitation e-mail as an
     * outbox step in the same transaction, the link sealed in its payload.
     */
    async createInvitation(actor: Actor, input: CreateInvitation, mail?: { link: (token: string) => string; locale: string }): Promise<{ row: InvitationRow; token: string; mailed: boolean }> {
      requireRole(actor, ['owner'], 'inviting people');
      const token = crypto.randomBytes(32).toString('base64url');
      const now = clock.now();
      const row = await db.tenant(actor.orgId, async (tx) => {
        const brandIds = await checkBrandLimit(tx, actor.orgId, input.role, input.brandIds);
        const [member] = await tx.select({ id: users.id }).from(users).where(and(eq(users.orgId, actor.orgId), sql`lower(${users.email}) = ${input.email}`, eq(users.active, true)));
        if (member) throw AppError.conflict('invitations.already_member', `${input.email} already works in this organisation`, { field: 'email' });
        const [r] = await tx
          .insert(invitations)
          .values({ orgId: actor.orgId, id: ids('inv'), email: input.email, role: input.role, brandIds, tokenHash: hashToken(token), invitedBy: actor.userId, createdAt: now, expiresAt: new Date(now.getTime() + INVITATION_TTL_MS) })
          .returning();
        await recordAudit(tx, { ids, clock }, { orgId: actor.orgId, actor: auditActorOf(actor), action: 'invitations.created', subject: { type: 'invitation', id: r!.id }, after: { email: r!.email, role: r!.role, brandIds: r!.brandIds ?? null } });
        if (mail && secretKey) {
          const [org] = await organisationsByIds(tx, [actor.orgId]);
          await enqueue(
            tx,
            { orgId: actor.orgId, handler: INVITATION_MAIL_STEP, idempotencyKey: `invitation.mail:${r!.id}`, payload: { to: r!.email, organisation: org?.name ?? '', role: r!.role, locale: mail.locale, linkEnc: encryptSecret(secretKey, mail.link(token)), expiresAt: r!.expiresAt.toISOString() }, subjectType: 'invitation', subjectId: r!.id },
            { ids, clock },
          );
        }
        return r!;
      });
      return { row, token, mailed: !!(mail && secretKey) };
    },

    async listInvitations(actor: Actor): Promise<InvitationRow[]> {
      requireRole(actor, ['owner'], 'viewing invitations');
      return db.tenant(actor.orgId, (tx) => tx.select().from(invitations).where(eq(invitations.orgId, actor.orgId)).orderBy(desc(invitations.createdAt)).limit(200));
    },

    async revokeInvitation(actor: Actor, id: string): Promise<InvitationRow> {
      requireRole(actor, ['owner'], 'revoking invitations');
      return db.tenant(actor.orgId, async (tx) => {
        const [r] = await tx
          .update(invitations)
          .set({ revokedAt: clock.now() })
          .where(and(eq(invitations.orgId, actor.orgId), eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
          .returning();
        if (r) {
          await recordAudit(tx, { ids, clock }, { orgId: actor.orgId, actor: auditActorOf(actor), action: 'invitations.revoked', subject: { type: 'invitation', id: r.id }, before: { email: r.email, role: r.role } });
          return r;
        }
        const [any] = await tx.select().from(invitations).where(and(eq(invitations.orgId, actor.orgId), eq(invitations.id, id)));
        if (!any) throw AppError.notFound('invitation', id);
        throw AppError.conflict('invitations.not_pending', 'This invitation was already used or revoked');
      });
    },

    /** What an invitation link offers, for the page the invitee opens (no session needed). */
    async previewInvitation(token: string): Promise<InvitationPreview> {
      return db.system(async (tx) => {
        const inv = usable(await invitationByToken(tx, token));
        const [org] = await organisationsByIds(tx, [inv.orgId]);
        const [login] = await tx.select({ id: logins.id }).from(logins).where(sql`lower(${logins.email}) = ${inv.email}`);
        return { organisationName: org?.name ?? '', email: inv.email, role: inv.role, hasLogin: !!login };
      });
    },

    /**
     * Uses an invitation once: a new e-mail sets a name and password (a new login); an e-mail that
     * already has a login proves it with that login's password. Either way the person gets a
     * membership and a session in the inviting organisation.
     */
    async acceptInvitation(input: AcceptInvitation, meta: { userAgent?: string; ip?: string }): Promise<{ token: string; user: UserRow; expiresAt: Date }> {
      const pre = await db.system(async (tx) => {
        const inv = usable(await invitationByToken(tx, input.token));
        const [login] = await tx.select().from(logins).where(sql`lower(${logins.email}) = ${inv.email}`);
        return { inv, login };
      });
      let newHash: string | undefined;
      if (pre.login) {
        if (!(await argon2.verify(pre.login.passwordHash, input.password))) throw new AppError('unauthenticated', 'auth.bad_credentials', 'E-mail or password is wrong');
      } else {
        if (!input.name) throw AppError.validation('request.invalid', 'Invalid request: name: required for a new login', [{ field: 'name', message: 'required for a new login' }]);
        assertStrongPassword(input.password, { email: pre.inv.email, name: input.name });
        newHash = await argon2.hash(input.password);
      }
      return db.system(async (tx) => {
        // Single use, also against a double submit: the row is taken and re-checked under a lock.
        const [inv] = await tx.select().from(invitations).where(and(eq(invitations.orgId, pre.inv.orgId), eq(invitations.id, pre.inv.id))).for('update');
        usable(inv);
        const now = clock.now();
        let login = pre.login;
        if (!login) {
          try {
            [login] = await tx.insert(logins).values({ id: ids('lgn'), email: inv!.email, name: input.name!, passwordHash: newHash!, lastOrgId: inv!.orgId, createdAt: now, updatedAt: now }).returning();
          } catch (e) {
            return dupEmail(e, inv!.email);
          }
        }
        const [existing] = await tx.select().from(users).where(and(eq(users.orgId, inv!.orgId), eq(users.loginId, login!.id)));
        let user: UserRow;
        if (existing?.active) throw AppError.conflict('invitations.already_member', `${inv!.email} already works in this organisation`);
        if (existing) {
          [user] = (await tx
            .update(users)
            .set({ active: true, role: inv!.role, brandIds: inv!.role === 'owner' ? null : inv!.brandIds, remedyLimits: defaultRemedyLimits(inv!.role), updatedAt: now })
            .where(and(eq(users.orgId, inv!.orgId), eq(users.id, existing.id)))
            .returning()) as [UserRow];
        } else {
          user = await insertMembership(tx, inv!.orgId, { id: login!.id, email: login!.email, name: input.name ?? login!.name }, { role: inv!.role }, inv!.role === 'owner' ? null : inv!.brandIds);
        }
        await tx.update(invitations).set({ acceptedAt: now, acceptedUserId: user.id }).where(and(eq(invitations.orgId, inv!.orgId), eq(invitations.id, inv!.id)));
        // The new membership (or the returning one) is on the organisation's audit log.
        await recordMembershipChange(tx, { ids, clock }, { orgId: inv!.orgId, actor: { type: 'user', id: user.id, label: user.email }, userId: user.id, before: existing ? auditedUser(existing) : null, after: { ...auditedUser(user), via: 'invitation', invitationId: inv!.id } });
        const s = await newSession(tx, user, meta);
        return { ...s, user };
      });
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
