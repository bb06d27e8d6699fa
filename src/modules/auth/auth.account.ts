import crypto from 'node:crypto';
import * as argon2 from '@node-rs/argon2';
import { and, count, desc, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import { enqueue } from '../../platform/outbox/outbox.js';
import { decryptSecret, encryptSecret } from '../../platform/secrets.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { auditActorOf, coarseIp, recordAudit, type AuditAction, type AuditActor } from '../audit/index.js';
import type { AccountView, MemberResetView, SecuritySettingsView, SessionView, TotpSetupView, UpdateAccount } from './auth.account.dto.js';
import {
  CHALLENGE_TTL_MS,
  hashRecoveryCode,
  newRecoveryCodes,
  OWNER_RESET_LINK_TTL_MS,
  RESET_TOKEN_TTL_MS,
  restrictionFor,
  sha256,
  signChallenge,
  summariseUserAgent,
  temporaryPassword,
  verifyChallenge,
  type Restriction,
} from './auth.account.rules.js';
import { assertStrongPassword } from './auth.password.js';
import { SESSION_TTL_MS } from './auth.rules.js';
import { logins, sessions, users } from './auth.schema.js';
import { orgSecurity, passwordResets, userSecurity } from './auth.security.schema.js';
import { newTotpSecret, totpEnrolment, totpStep } from './auth.totp.js';

type UserRow = typeof users.$inferSelect;
type SecurityRow = typeof userSecurity.$inferSelect;

/**
 * Where password-reset mail goes. Unset until the installation has an SMTP server (the channels
 * issue): then "forgot password" answers 503 `auth.reset_mail_unavailable` and an owner resets
 * passwords instead. The mail is an outbox step (`auth.password_reset_mail`); its payload carries
 * the link encrypted, so the token is never stored readable.
 */
export interface MailSender {
  sendPasswordReset(mail: { to: string; name: string; locale: string; link: string; expiresAt: Date }): Promise<void>;
}

export const PASSWORD_RESET_MAIL_STEP = 'auth.password_reset_mail';

export interface AccountDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  secretKey: Buffer;
  /** Base of links in mail (`PUBLIC_URL`). */
  publicUrl: string;
  mail?: MailSender;
}

export interface ClientMeta {
  userAgent?: string;
  ip?: string;
}

export type PasswordStep =
  | { kind: 'session'; token: string; user: UserRow; expiresAt: Date }
  | { kind: 'challenge'; challenge: string; expiresAt: Date; userId: string };

const badCredentials = () => new AppError('unauthenticated', 'auth.bad_credentials', 'E-mail or password is wrong');
const badCode = () => new AppError('unauthenticated', 'auth.bad_two_factor_code', 'The code is wrong or was used already');
const context = (meta: ClientMeta) => ({ network: coarseIp(meta.ip), device: summariseUserAgent(meta.userAgent) });

let dummyHash: Promise<string> | undefined;

/**
 * The signed-in person's own account (profile, password, two-factor sign-in, sessions), the
 * sign-in steps around the password, password resets, and the organisation's sign-in rules.
 * Every change writes an audit event in its own transaction.
 */
export function createAccountService(d: AccountDeps) {
  const { db, ids, clock } = d;
  const audit = (tx: Executor, orgId: string, actor: AuditActor, action: AuditAction, extra: { subject?: { type: string; id: string }; before?: unknown; after?: unknown; context?: Record<string, unknown> } = {}) =>
    recordAudit(tx, { ids, clock }, { orgId, actor, action, ...extra });
  const userSubject = (id: string) => ({ type: 'user', id });

  async function loadUser(tx: Executor, orgId: string, userId: string): Promise<UserRow> {
    const [u] = await tx.select().from(users).where(and(eq(users.orgId, orgId), eq(users.id, userId)));
    if (!u) throw AppError.notFound('user', userId);
    return u;
  }

  async function securityOf(tx: Executor, orgId: string, userId: string): Promise<SecurityRow | undefined> {
    const [s] = await tx.select().from(userSecurity).where(and(eq(userSecurity.orgId, orgId), eq(userSecurity.userId, userId)));
    return s;
  }

  async function saveSecurity(tx: Executor, orgId: string, userId: string, patch: Partial<SecurityRow>): Promise<void> {
    const now = clock.now();
    await tx
      .insert(userSecurity)
      .values({ orgId, userId, recoveryCodeHashes: [], mustChangePassword: false, updatedAt: now, ...patch })
      .onConflictDoUpdate({ target: [userSecurity.orgId, userSecurity.userId], set: { ...patch, updatedAt: now } });
  }

  async function requiresTwoFactor(tx: Executor, orgId: string): Promise<boolean> {
    const [o] = await tx.select({ r: orgSecurity.requireTwoFactor }).from(orgSecurity).where(eq(orgSecurity.orgId, orgId));
    return o?.r ?? false;
  }

  async function openSession(tx: Executor, user: UserRow, meta: ClientMeta): Promise<{ token: string; expiresAt: Date }> {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await tx.insert(sessions).values({
      orgId: user.orgId,
      id: ids('ses'),
      userId: user.id,
      loginId: user.loginId,
      tokenHash: sha256(token),
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
      ip: meta.ip ?? null,
    });
    return { token, expiresAt };
  }

  /** A TOTP code or a recovery code; consumes what it accepts (step or code), in the caller's transaction. */
  async function acceptSecondFactor(tx: Executor, user: UserRow, sec: SecurityRow | undefined, code: string): Promise<'totp' | 'recovery' | null> {
    if (!sec?.totpSecretEnc || !sec.totpEnabledAt) return null;
    const step = totpStep(decryptSecret(d.secretKey, sec.totpSecretEnc), code, clock.now());
    if (step !== null) {
      if (sec.totpLastStep !== null && step <= sec.totpLastStep) return null;
      await saveSecurity(tx, user.orgId, user.id, { totpLastStep: step });
      return 'totp';
    }
    const h = hashRecoveryCode(code);
    if (sec.recoveryCodeHashes.includes(h)) {
      await saveSecurity(tx, user.orgId, user.id, { recoveryCodeHashes: sec.recoveryCodeHashes.filter((x) => x !== h) });
      return 'recovery';
    }
    return null;
  }

  /** The password belongs to the person (their installation-wide login), not to one membership. */
  async function checkPassword(user: UserRow, password: string): Promise<boolean> {
    const [login] = await db.system((tx) => tx.select({ hash: logins.passwordHash }).from(logins).where(eq(logins.id, user.loginId)));
    if (!login) return false;
    return argon2.verify(login.hash, password).catch(() => false);
  }

  function resetLink(token: string): string {
    return `${d.publicUrl.replace(/\/$/, '')}/reset-password?token=${encodeURIComponent(token)}`;
  }

  async function createResetToken(tx: Executor, user: UserRow, createdBy: string | null, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + ttlMs);
    // One live link per person: a new one makes the older ones useless.
    await tx
      .update(passwordResets)
      .set({ usedAt: now })
      .where(and(eq(passwordResets.orgId, user.orgId), eq(passwordResets.userId, user.id), isNull(passwordResets.usedAt)));
    await tx.insert(passwordResets).values({ orgId: user.orgId, id: ids('pwr'), userId: user.id, tokenHash: sha256(token), createdBy, createdAt: now, expiresAt, usedAt: null });
    return { token, expiresAt };
  }

  async function setPassword(tx: Executor, user: UserRow, password: string, opts: { mustChange: boolean; keepSessionId?: string }): Promise<void> {
    const now = clock.now();
    const hash = await argon2.hash(password);
    await saveSecurity(tx, user.orgId, user.id, { mustChangePassword: opts.mustChange, passwordChangedAt: now });
    // The login (and its sessions in every organisation) is installation-wide: system work only.
    await db.system(async (sys) => {
      await sys.update(logins).set({ passwordHash: hash, updatedAt: now }).where(eq(logins.id, user.loginId));
      await sys.delete(sessions).where(and(eq(sessions.loginId, user.loginId), ...(opts.keepSessionId ? [ne(sessions.id, opts.keepSessionId)] : [])));
    });
  }

  async function view(tx: Executor, actor: Actor): Promise<AccountView> {
    const user = await loadUser(tx, actor.orgId, actor.userId);
    const sec = await securityOf(tx, actor.orgId, actor.userId);
    const required = await requiresTwoFactor(tx, actor.orgId);
    const enabled = !!sec?.totpEnabledAt;
    return {
      user: {
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        languages: user.languages,
        skills: user.skills,
        remedyLimits: user.remedyLimits,
        uiLocale: user.uiLocale,
        active: user.active,
        brandIds: user.brandIds ?? null,
        createdAt: user.createdAt.toISOString(),
      },
      twoFactor: { enabled, required, enabledAt: sec?.totpEnabledAt?.toISOString() ?? null, recoveryCodesLeft: enabled ? sec!.recoveryCodeHashes.length : 0 },
      mustChangePassword: sec?.mustChangePassword ?? false,
      restriction: restrictionFor({ requireTwoFactor: required, twoFactorEnabled: enabled, mustChangePassword: sec?.mustChangePassword ?? false }),
      resetByMail: !!d.mail,
    };
  }

  return {
    /** Step one of signing in. Without two-factor sign-in it opens the session; with it, it hands out a signed challenge. */
    async passwordStep(email: string, password: string, meta: ClientMeta): Promise<PasswordStep> {
      // The person signs in once; the session lands in the organisation they used last.
      const user = await db.system(async (tx) => {
        const [login] = await tx.select().from(logins).where(sql`lower(${logins.email}) = ${email.toLowerCase()}`);
        if (!login) return undefined;
        const members = await tx.select().from(users).where(and(eq(users.loginId, login.id), eq(users.active, true))).orderBy(users.createdAt);
        return members.find((m) => m.orgId === login.lastOrgId) ?? members[0];
      });
      if (!user || !user.active) {
        dummyHash ??= argon2.hash('not-a-real-password');
        await argon2.verify(await dummyHash, password).catch(() => false);
        throw badCredentials();
      }
      if (!(await checkPassword(user, password))) {
        await db.tenant(user.orgId, (tx) => audit(tx, user.orgId, { type: 'user', id: user.id, label: user.email }, 'auth.sign_in_failed', { subject: userSubject(user.id), context: { ...context(meta), reason: 'password' } }));
        throw badCredentials();
      }
      return db.tenant(user.orgId, async (tx) => {
        const sec = await securityOf(tx, user.orgId, user.id);
        if (sec?.totpEnabledAt) {
          const expiresAt = new Date(clock.now().getTime() + CHALLENGE_TTL_MS);
          return { kind: 'challenge' as const, challenge: signChallenge(d.secretKey, { orgId: user.orgId, userId: user.id, exp: expiresAt.getTime() }), expiresAt, userId: user.id };
        }
        const s = await openSession(tx, user, meta);
        await audit(tx, user.orgId, { type: 'user', id: user.id, label: user.email }, 'auth.sign_in', { subject: userSubject(user.id), context: { ...context(meta), twoFactor: false } });
        return { kind: 'session' as const, ...s, user };
      });
    },

    /** Who a challenge names (the code throttle keys on it), or null for a forged or expired one. */
    challengeUser(challenge: string): string | null {
      return verifyChallenge(d.secretKey, challenge, clock.now())?.userId ?? null;
    },

    /** Step two: the authenticator's code or a recovery code opens the session. */
    async secondStep(challenge: string, code: string, meta: ClientMeta): Promise<{ token: string; user: UserRow; expiresAt: Date }> {
      const claims = verifyChallenge(d.secretKey, challenge, clock.now());
      if (!claims) throw new AppError('unauthenticated', 'auth.challenge_expired', 'The sign-in took too long; enter e-mail and password again');
      const outcome = await db.tenant(claims.orgId, async (tx) => {
        const [user] = await tx.select().from(users).where(and(eq(users.orgId, claims.orgId), eq(users.id, claims.userId)));
        if (!user || !user.active) return { ok: false as const, user: undefined };
        const used = await acceptSecondFactor(tx, user, await securityOf(tx, user.orgId, user.id), code);
        if (!used) return { ok: false as const, user };
        const s = await openSession(tx, user, meta);
        const who = { type: 'user' as const, id: user.id, label: user.email };
        await audit(tx, user.orgId, who, 'auth.two_factor_passed', { subject: userSubject(user.id), context: { ...context(meta), method: used } });
        await audit(tx, user.orgId, who, 'auth.sign_in', { subject: userSubject(user.id), context: { ...context(meta), twoFactor: true } });
        return { ok: true as const, user, ...s };
      });
      if (!outcome.ok) {
        const user = outcome.user;
        if (user) await db.tenant(user.orgId, (tx) => audit(tx, user.orgId, { type: 'user', id: user.id, label: user.email }, 'auth.two_factor_failed', { subject: userSubject(user.id), context: context(meta) }));
        throw badCode();
      }
      return { token: outcome.token, user: outcome.user, expiresAt: outcome.expiresAt };
    },

    async get(actor: Actor): Promise<AccountView> {
      return db.tenant(actor.orgId, (tx) => view(tx, actor));
    },

    /** What a session may not do yet (checked on every request), or null. Token actors are never restricted. */
    async restrictionOf(actor: Actor): Promise<Restriction | null> {
      return db.tenant(actor.orgId, async (tx) => {
        const sec = await securityOf(tx, actor.orgId, actor.userId);
        const required = await requiresTwoFactor(tx, actor.orgId);
        return restrictionFor({ requireTwoFactor: required, twoFactorEnabled: !!sec?.totpEnabledAt, mustChangePassword: sec?.mustChangePassword ?? false });
      });
    },

    async update(actor: Actor, input: UpdateAccount): Promise<AccountView> {
      return db.tenant(actor.orgId, async (tx) => {
        const cur = await loadUser(tx, actor.orgId, actor.userId);
        const patch: Partial<UserRow> = {};
        if (input.name !== undefined) patch.name = input.name;
        if (input.uiLocale !== undefined) patch.uiLocale = input.uiLocale;
        if (input.languages !== undefined) patch.languages = input.languages;
        if (Object.keys(patch).length) {
          await tx.update(users).set({ ...patch, updatedAt: clock.now() }).where(and(eq(users.orgId, actor.orgId), eq(users.id, actor.userId)));
          const before = Object.fromEntries(Object.keys(patch).map((k) => [k, cur[k as keyof UserRow]]));
          await audit(tx, actor.orgId, auditActorOf(actor), 'account.profile_changed', { subject: userSubject(actor.userId), before, after: patch });
        }
        return view(tx, actor);
      });
    },

    /** Needs the current password; every other session of the person ends. */
    async changePassword(actor: Actor, sessionId: string | undefined, currentPassword: string, newPassword: string): Promise<void> {
      await db.tenant(actor.orgId, async (tx) => {
        const user = await loadUser(tx, actor.orgId, actor.userId);
        if (!(await checkPassword(user, currentPassword))) {
          throw AppError.validation('auth.wrong_password', 'currentPassword: the current password is wrong', [{ field: 'currentPassword', message: 'the current password is wrong' }]);
        }
        if (currentPassword === newPassword) throw AppError.validation('auth.same_password', 'newPassword: choose a password different from the current one', [{ field: 'newPassword', message: 'same as the current password' }]);
        try {
          assertStrongPassword(newPassword, { email: user.email, name: user.name });
        } catch (e) {
          throw AppError.validation('auth.weak_password', (e as Error).message.replace(/^password:/, 'newPassword:'), [{ field: 'newPassword', message: (e as Error).message.replace(/^password: /, '') }]);
        }
        await setPassword(tx, user, newPassword, { mustChange: false, keepSessionId: sessionId });
        await audit(tx, actor.orgId, auditActorOf(actor), 'account.password_changed', { subject: userSubject(user.id) });
      });
    },

    /** A fresh secret to scan; two-factor sign-in is on only after `confirmTotp` with a code from it. */
    async beginTotp(actor: Actor): Promise<TotpSetupView> {
      return db.tenant(actor.orgId, async (tx) => {
        const user = await loadUser(tx, actor.orgId, actor.userId);
        const sec = await securityOf(tx, actor.orgId, actor.userId);
        if (sec?.totpEnabledAt) throw AppError.conflict('auth.two_factor_already_on', 'Two-factor sign-in is on already; turn it off first to change the authenticator');
        const secret = newTotpSecret();
        await saveSecurity(tx, actor.orgId, actor.userId, { totpPendingEnc: encryptSecret(d.secretKey, secret) });
        return { secret, ...(await totpEnrolment(secret, user.email)) };
      });
    },

    /** Turns two-factor sign-in on and answers the ten recovery codes, shown this once. */
    async confirmTotp(actor: Actor, code: string): Promise<{ recoveryCodes: string[] }> {
      return db.tenant(actor.orgId, async (tx) => {
        const sec = await securityOf(tx, actor.orgId, actor.userId);
        if (sec?.totpEnabledAt) throw AppError.conflict('auth.two_factor_already_on', 'Two-factor sign-in is on already');
        if (!sec?.totpPendingEnc) throw AppError.conflict('auth.two_factor_not_started', 'Start the set-up first: scan a new QR code');
        const secret = decryptSecret(d.secretKey, sec.totpPendingEnc);
        const step = totpStep(secret, code, clock.now());
        if (step === null) throw AppError.validation('auth.bad_two_factor_code', 'code: the code does not match; check the time on the phone and try the next code', [{ field: 'code', message: 'does not match' }]);
        const codes = newRecoveryCodes();
        await saveSecurity(tx, actor.orgId, actor.userId, {
          totpSecretEnc: sec.totpPendingEnc,
          totpPendingEnc: null,
          totpEnabledAt: clock.now(),
          totpLastStep: step,
          recoveryCodeHashes: codes.map(hashRecoveryCode),
        });
        await audit(tx, actor.orgId, auditActorOf(actor), 'account.two_factor_enabled', { subject: userSubject(actor.userId), before: { twoFactor: false }, after: { twoFactor: true } });
        return { recoveryCodes: codes };
      });
    },

    async disableTotp(actor: Actor, password: string, code: string): Promise<void> {
      await db.tenant(actor.orgId, async (tx) => {
        const user = await loadUser(tx, actor.orgId, actor.userId);
        const sec = await securityOf(tx, actor.orgId, actor.userId);
        if (!sec?.totpEnabledAt) throw AppError.conflict('auth.two_factor_off', 'Two-factor sign-in is not on');
        if (!(await checkPassword(user, password))) throw AppError.validation('auth.wrong_password', 'password: the password is wrong', [{ field: 'password', message: 'the password is wrong' }]);
        if (!(await acceptSecondFactor(tx, user, sec, code))) throw AppError.validation('auth.bad_two_factor_code', 'code: the code is wrong or was used already', [{ field: 'code', message: 'wrong or used' }]);
        await saveSecurity(tx, actor.orgId, actor.userId, { totpSecretEnc: null, totpPendingEnc: null, totpEnabledAt: null, totpLastStep: null, recoveryCodeHashes: [] });
        await audit(tx, actor.orgId, auditActorOf(actor), 'account.two_factor_disabled', { subject: userSubject(actor.userId), before: { twoFactor: true }, after: { twoFactor: false } });
      });
    },

    /** New recovery codes (the old ones stop working); needs the password and a current code. */
    async regenerateRecoveryCodes(actor: Actor, password: string, code: string): Promise<{ recoveryCodes: string[] }> {
      return db.tenant(actor.orgId, async (tx) => {
        const user = await loadUser(tx, actor.orgId, actor.userId);
        const sec = await securityOf(tx, actor.orgId, actor.userId);
        if (!sec?.totpEnabledAt) throw AppError.conflict('auth.two_factor_off', 'Two-factor sign-in is not on');
        if (!(await checkPassword(user, password))) throw AppError.validation('auth.wrong_password', 'password: the password is wrong', [{ field: 'password', message: 'the password is wrong' }]);
        if (!(await acceptSecondFactor(tx, user, sec, code))) throw AppError.validation('auth.bad_two_factor_code', 'code: the code is wrong or was used already', [{ field: 'code', message: 'wrong or used' }]);
        const codes = newRecoveryCodes();
        await saveSecurity(tx, actor.orgId, actor.userId, { recoveryCodeHashes: codes.map(hashRecoveryCode) });
        await audit(tx, actor.orgId, auditActorOf(actor), 'account.recovery_codes_regenerated', { subject: userSubject(actor.userId) });
        return { recoveryCodes: codes };
      });
    },

    async listSessions(actor: Actor, currentSessionId: string | undefined): Promise<SessionView[]> {
      return db.tenant(actor.orgId, async (tx) => {
        const rows = await tx
          .select()
          .from(sessions)
          .where(and(eq(sessions.orgId, actor.orgId), eq(sessions.userId, actor.userId), sql`${sessions.expiresAt} > ${clock.now().toISOString()}::timestamptz`))
          .orderBy(desc(sessions.lastSeenAt), desc(sessions.id));
        return rows.map((s) => ({
          id: s.id,
          current: s.id === currentSessionId,
          createdAt: s.createdAt.toISOString(),
          lastSeenAt: s.lastSeenAt.toISOString(),
          expiresAt: s.expiresAt.toISOString(),
          device: summariseUserAgent(s.userAgent),
          network: coarseIp(s.ip),
        }));
      });
    },

    /** Ends one of the person's own sessions (someone else's id is a 404, like a missing one). */
    async revokeSession(actor: Actor, id: string): Promise<void> {
      await db.tenant(actor.orgId, async (tx) => {
        const r = await tx.delete(sessions).where(and(eq(sessions.orgId, actor.orgId), eq(sessions.userId, actor.userId), eq(sessions.id, id))).returning({ id: sessions.id });
        if (!r.length) throw AppError.notFound('session', id);
        await audit(tx, actor.orgId, auditActorOf(actor), 'account.sessions_revoked', { subject: userSubject(actor.userId), context: { sessions: 1 } });
      });
    },

    /** "Sign out everywhere else": every session but this one. */
    async revokeOtherSessions(actor: Actor, currentSessionId: string | undefined): Promise<number> {
      return db.tenant(actor.orgId, async (tx) => {
        const r = await tx
          .delete(sessions)
          .where(and(eq(sessions.orgId, actor.orgId), eq(sessions.userId, actor.userId), ...(currentSessionId ? [ne(sessions.id, currentSessionId)] : [])))
          .returning({ id: sessions.id });
        if (r.length) await audit(tx, actor.orgId, auditActorOf(actor), 'account.sessions_revoked', { subject: userSubject(actor.userId), context: { sessions: r.length } });
        return r.length;
      });
    },

    /**
     * An owner resets a team member's password: a temporary password (shown once; the member must
     * choose a new one at the next sign-in) or a single-use reset link. Either way the member's
     * sessions end.
     */
    async resetMemberPassword(actor: Actor, userId: string, mode: 'temporary_password' | 'link'): Promise<MemberResetView> {
      requireRole(actor, ['owner'], "resetting a team member's password");
      return db.tenant(actor.orgId, async (tx) => {
        const user = await loadUser(tx, actor.orgId, userId);
        if (user.id === actor.userId) throw AppError.conflict('auth.reset_self', 'Change your own password on the Account page');
        await audit(tx, actor.orgId, auditActorOf(actor), 'account.password_reset_by_owner', { subject: userSubject(user.id), context: { mode } });
        if (mode === 'temporary_password') {
          const pw = temporaryPassword();
          await setPassword(tx, user, pw, { mustChange: true });
          return { mode, temporaryPassword: pw, resetUrl: null, expiresAt: null };
        }
        const { token, expiresAt } = await createResetToken(tx, user, actor.userId, OWNER_RESET_LINK_TTL_MS);
        await tx.delete(sessions).where(and(eq(sessions.orgId, actor.orgId), eq(sessions.userId, user.id)));
        return { mode, temporaryPassword: null, resetUrl: resetLink(token), expiresAt: expiresAt.toISOString() };
      });
    },

    /**
     * "Forgot password": the same answer for known and unknown e-mails (nobody learns who has an
     * account); a known, active person gets a mail with a single-use link through the outbox.
     */
    async requestPasswordReset(email: string, meta: ClientMeta): Promise<void> {
      if (!d.mail) throw new AppError('unavailable', 'auth.reset_mail_unavailable', 'This installation cannot send mail yet; ask an owner of your organisation to reset your password');
      const user = await db.system(async (tx) => {
        const [row] = await tx.select().from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
        return row;
      });
      if (!user || !user.active) return;
      await db.tenant(user.orgId, async (tx) => {
        const { token, expiresAt } = await createResetToken(tx, user, null, RESET_TOKEN_TTL_MS);
        await enqueue(
          tx,
          {
            orgId: user.orgId,
            handler: PASSWORD_RESET_MAIL_STEP,
            idempotencyKey: `password-reset:${sha256(token).slice(0, 32)}`,
            payload: { to: user.email, name: user.name, locale: user.uiLocale, linkEnc: encryptSecret(d.secretKey, resetLink(token)), expiresAt: expiresAt.toISOString() },
            subjectType: 'user',
            subjectId: user.id,
          },
          { ids, clock },
        );
        await audit(tx, user.orgId, { type: 'anonymous', id: null, label: null }, 'account.password_reset_requested', { subject: userSubject(user.id), context: context(meta) });
      });
    },

    /** The outbox step that sends the reset mail (registered in app/modules.ts). */
    async sendResetMail(payload: Record<string, unknown>): Promise<void> {
      if (!d.mail) throw new AppError('unavailable', 'auth.reset_mail_unavailable', 'No mail sender configured');
      const p = payload as { to: string; name: string; locale: string; linkEnc: string; expiresAt: string };
      await d.mail.sendPasswordReset({ to: p.to, name: p.name, locale: p.locale, link: decryptSecret(d.secretKey, p.linkEnc), expiresAt: new Date(p.expiresAt) });
    },

    /** Sets the new password with a reset token; the token is used up and every session ends. */
    async completePasswordReset(token: string, password: string): Promise<void> {
      const hit = await db.system(async (tx) => {
        const [r] = await tx.select().from(passwordResets).where(eq(passwordResets.tokenHash, sha256(token)));
        return r;
      });
      const now = clock.now();
      if (!hit || hit.usedAt || hit.expiresAt <= now) throw AppError.validation('auth.reset_token_invalid', 'token: this reset link is invalid, used or expired; ask for a new one', [{ field: 'token', message: 'invalid, used or expired' }]);
      await db.tenant(hit.orgId, async (tx) => {
        const user = await loadUser(tx, hit.orgId, hit.userId);
        if (!user.active) throw AppError.validation('auth.reset_token_invalid', 'token: this reset link is invalid, used or expired', [{ field: 'token', message: 'invalid' }]);
        assertStrongPassword(password, { email: user.email, name: user.name });
        // Used up first, conditionally: two tabs completing the same link cannot both win.
        const used = await tx
          .update(passwordResets)
          .set({ usedAt: now })
          .where(and(eq(passwordResets.orgId, hit.orgId), eq(passwordResets.id, hit.id), isNull(passwordResets.usedAt)))
          .returning({ id: passwordResets.id });
        if (!used.length) throw AppError.validation('auth.reset_token_invalid', 'token: this reset link was used already', [{ field: 'token', message: 'used' }]);
        await setPassword(tx, user, password, { mustChange: false });
        await audit(tx, hit.orgId, { type: 'user', id: user.id, label: user.email }, 'account.password_reset_completed', { subject: userSubject(user.id) });
      });
    },

    async securitySettings(actor: Actor): Promise<SecuritySettingsView> {
      requireRole(actor, ['owner'], 'reading the sign-in rules');
      return db.tenant(actor.orgId, async (tx) => {
        const required = await requiresTwoFactor(tx, actor.orgId);
        const [r] = await tx
          .select({ n: count() })
          .from(users)
          .leftJoin(userSecurity, and(eq(userSecurity.orgId, users.orgId), eq(userSecurity.userId, users.id)))
          .where(and(eq(users.orgId, actor.orgId), eq(users.active, true), isNull(userSecurity.totpEnabledAt)));
        return { requireTwoFactor: required, usersWithoutTwoFactor: r?.n ?? 0 };
      });
    },

    /** Owners require two-factor sign-in; people without it are sent to enrolment at their next request. */
    async setSecuritySettings(actor: Actor, input: { requireTwoFactor: boolean }): Promise<SecuritySettingsView> {
      requireRole(actor, ['owner'], 'changing the sign-in rules');
      await db.tenant(actor.orgId, async (tx) => {
        const before = await requiresTwoFactor(tx, actor.orgId);
        if (input.requireTwoFactor && !before) {
          const sec = await securityOf(tx, actor.orgId, actor.userId);
          if (!sec?.totpEnabledAt) throw AppError.conflict('auth.two_factor_owner_first', 'Turn on two-factor sign-in for yourself first, so requiring it cannot lock you out');
        }
        const now = clock.now();
        await tx
          .insert(orgSecurity)
          .values({ orgId: actor.orgId, requireTwoFactor: input.requireTwoFactor, updatedAt: now })
          .onConflictDoUpdate({ target: orgSecurity.orgId, set: { requireTwoFactor: input.requireTwoFactor, updatedAt: now } });
        if (before !== input.requireTwoFactor) {
          await audit(tx, actor.orgId, auditActorOf(actor), 'security.settings_changed', { subject: { type: 'organisation', id: actor.orgId }, before: { requireTwoFactor: before }, after: { requireTwoFactor: input.requireTwoFactor } });
        }
      });
      return this.securitySettings(actor);
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
