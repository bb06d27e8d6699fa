import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import { AppError, isAppError } from '../../platform/errors.js';
import { actorOf, EmptyBody, ErrorBody, errors, IdParams, type Http } from '../../platform/http.js';
import {
  AccountView,
  ChangePasswordBody,
  LoginAnswer,
  MemberResetBody,
  MemberResetView,
  PasswordAndCodeBody,
  RecoveryCodesView,
  ResetCompleteBody,
  ResetRequestBody,
  RevokedView,
  SecuritySettingsBody,
  SecuritySettingsView,
  SessionList,
  TotpConfirmBody,
  TotpSetupView,
  TwoFactorLoginBody,
  UpdateAccount,
} from './auth.account.dto.js';
import { ALLOWED_WHILE_RESTRICTED, type Restriction } from './auth.account.rules.js';
import type { AccountService } from './auth.account.js';
import { SESSION_COOKIE } from './auth.rules.js';
import { userView } from './auth.service.js';
import { createLoginThrottle } from './auth.throttle.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Set with the session (one statement: `authenticate`): what the session may not do yet, or
     * null. Unset for requests signed in otherwise (API tokens) or not at all.
     */
    sessionRestriction?: Restriction | null;
  }
}

export interface AccountRouteOptions {
  cookieSecure: (req: FastifyRequest) => boolean;
  loginRateLimit: number;
  clock: Clock;
}

const meta = (req: FastifyRequest) => ({ userAgent: req.headers['user-agent'], ip: req.ip });

/**
 * Sessions that may only change the password or enrol a second factor (an owner's reset, the
 * organisation's two-factor rule) get 403 everywhere else. Runs after the session is read and
 * before the access table; API tokens are never restricted. The answer comes with the session
 * (`authenticate` reads it in the same statement), so the guard costs no query of its own.
 */
export function registerAccountGuard(app: Http, svc: AccountService): void {
  app.addHook('preValidation', async (req) => {
    if (!req.actor || !req.sessionId) return;
    const url = req.routeOptions.url;
    if (!url || !url.startsWith('/api/')) return;
    if (ALLOWED_WHILE_RESTRICTED.has(`${req.method} ${url}`)) return;
    // The session's read already answered it; a session set without that answer is read here.
    const restriction = req.sessionRestriction !== undefined ? req.sessionRestriction : await svc.restrictionOf(req.actor);
    if (restriction === 'two_factor_enrolment') throw AppError.forbidden('auth.two_factor_required', 'Your organisation requires two-factor sign-in: set it up on the Account page first');
    if (restriction === 'password_change') throw AppError.forbidden('auth.password_change_required', 'Choose a new password on the Account page first');
  });
}

export function accountRoutes(app: Http, svc: AccountService, opts: AccountRouteOptions): void {
  const codeThrottle = createLoginThrottle(opts.clock, { perAccountAddress: opts.loginRateLimit });
  // Every reset request counts like a failed sign-in: nobody can fill a colleague's mailbox with links.
  const resetThrottle = createLoginThrottle(opts.clock, { perAccountAddress: opts.loginRateLimit, freeFailures: 3 });
  const setCookie = (req: FastifyRequest, reply: { setCookie: (n: string, v: string, o: Record<string, unknown>) => unknown }, token: string, expiresAt: Date) =>
    reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: opts.cookieSecure(req), expires: expiresAt });

  const tags = ['auth'];
  app.post(
    '/api/auth/login/two-factor',
    {
      schema: {
        operationId: 'auth.loginTwoFactor',
        tags,
        summary: 'Second sign-in step: the authenticator code (or a recovery code) for the challenge the password step gave',
        description: 'Wrong codes are limited like wrong passwords (per address and account), answering 429 with `details.retryAfterSeconds`.',
        body: TwoFactorLoginBody,
        response: { 200: LoginAnswer, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      const userId = svc.challengeUser(req.body.challenge) ?? 'unknown';
      const wait = codeThrottle.check(req.ip, userId);
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        throw new AppError('rate_limited', 'request.rate_limited', `Too many wrong codes; try again in ${seconds} s`, { retryAfterSeconds: seconds });
      }
      try {
        const s = await svc.secondStep(req.body.challenge, req.body.code, meta(req));
        codeThrottle.succeeded(req.ip, userId);
        setCookie(req, reply, s.token, s.expiresAt);
        return { user: userView(s.user) };
      } catch (e) {
        if (isAppError(e) && e.code === 'auth.bad_two_factor_code') codeThrottle.failed(req.ip, userId);
        throw e;
      }
    },
  );

  app.post(
    '/api/auth/password-reset/request',
    {
      schema: {
        operationId: 'auth.requestPasswordReset',
        tags,
        summary: 'Forgot password: mails a single-use link (same answer whether or not the e-mail has an account)',
        description: 'Answers 503 `auth.reset_mail_unavailable` while the installation has no mail server; an owner resets passwords then. Requests are limited per address and e-mail like failed sign-ins (429).',
        body: ResetRequestBody,
        response: { 202: z.object({ accepted: z.literal(true) }), 400: ErrorBody, 429: ErrorBody, 503: ErrorBody },
      },
    },
    async (req, reply) => {
      const wait = resetThrottle.check(req.ip, req.body.email);
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        throw new AppError('rate_limited', 'request.rate_limited', `Too many reset requests; try again in ${seconds} s`, { retryAfterSeconds: seconds });
      }
      resetThrottle.failed(req.ip, req.body.email);
      await svc.requestPasswordReset(req.body.email, meta(req));
      return reply.code(202).send({ accepted: true as const });
    },
  );

  app.post(
    '/api/auth/password-reset/complete',
    { schema: { operationId: 'auth.completePasswordReset', tags, summary: 'Set a new password with a reset link; ends every session', body: ResetCompleteBody, response: { 204: z.null(), 400: ErrorBody } } },
    async (req, reply) => {
      await svc.completePasswordReset(req.body.token, req.body.password);
      return reply.code(204).send(null);
    },
  );

  const atags = ['account'];
  app.get('/api/account', { schema: { operationId: 'account.get', tags: atags, summary: 'My account: profile, two-factor status, what I must do first', response: { 200: AccountView, ...errors() } } }, async (req) => svc.get(actorOf(req)));
  app.patch('/api/account', { schema: { operationId: 'account.update', tags: atags, summary: 'Change my name, UI language and working languages', body: UpdateAccount, response: { 200: AccountView, ...errors() } } }, async (req) =>
    svc.update(actorOf(req), req.body),
  );
  app.post('/api/account/password', { schema: { operationId: 'account.changePassword', tags: atags, summary: 'Change my password (current one required); my other sessions end', body: ChangePasswordBody, response: { 204: z.null(), ...errors() } } }, async (req, reply) => {
    await svc.changePassword(actorOf(req), req.sessionId, req.body.currentPassword, req.body.newPassword);
    return reply.code(204).send(null);
  });
  app.post('/api/account/two-factor/setup', { schema: { operationId: 'account.setupTwoFactor', tags: atags, summary: 'Start two-factor set-up: a new secret and its QR code', body: EmptyBody, response: { 200: TotpSetupView, ...errors(409) } } }, async (req) => svc.beginTotp(actorOf(req)));
  app.post('/api/account/two-factor/confirm', { schema: { operationId: 'account.confirmTwoFactor', tags: atags, summary: 'Turn two-factor sign-in on with a code; answers the recovery codes once', body: TotpConfirmBody, response: { 200: RecoveryCodesView, ...errors(409) } } }, async (req) =>
    svc.confirmTotp(actorOf(req), req.body.code),
  );
  app.post('/api/account/two-factor/disable', { schema: { operationId: 'account.disableTwoFactor', tags: atags, summary: 'Turn two-factor sign-in off (password and a code required)', body: PasswordAndCodeBody, response: { 204: z.null(), ...errors(409) } } }, async (req, reply) => {
    await svc.disableTotp(actorOf(req), req.body.password, req.body.code);
    return reply.code(204).send(null);
  });
  app.post('/api/account/two-factor/recovery-codes', { schema: { operationId: 'account.regenerateRecoveryCodes', tags: atags, summary: 'New recovery codes (the old ones stop working)', body: PasswordAndCodeBody, response: { 200: RecoveryCodesView, ...errors(409) } } }, async (req) =>
    svc.regenerateRecoveryCodes(actorOf(req), req.body.password, req.body.code),
  );
  app.get('/api/account/sessions', { schema: { operationId: 'account.sessions', tags: atags, summary: 'My active sessions', response: { 200: SessionList, ...errors() } } }, async (req) => ({
    items: await svc.listSessions(actorOf(req), req.sessionId),
  }));
  app.delete('/api/account/sessions/:id', { schema: { operationId: 'account.revokeSession', tags: atags, summary: 'End one of my sessions', params: IdParams, response: { 204: z.null(), ...errors(404) } } }, async (req, reply) => {
    await svc.revokeSession(actorOf(req), req.params.id);
    return reply.code(204).send(null);
  });
  app.post('/api/account/sessions/revoke-others', { schema: { operationId: 'account.revokeOtherSessions', tags: atags, summary: 'Sign out everywhere else', body: EmptyBody, response: { 200: RevokedView, ...errors() } } }, async (req) => ({
    revoked: await svc.revokeOtherSessions(actorOf(req), req.sessionId),
  }));

  app.post(
    '/api/users/:id/password-reset',
    { schema: { operationId: 'users.resetPassword', tags: ['users'], summary: "Reset a team member's password: a temporary password or a link, shown once (owner)", params: IdParams, body: MemberResetBody, response: { 200: MemberResetView, ...errors(404, 409) } } },
    async (req) => svc.resetMemberPassword(actorOf(req), req.params.id, req.body.mode),
  );

  const stags = ['security'];
  app.get('/api/security/settings', { schema: { operationId: 'security.get', tags: stags, summary: "The organisation's sign-in rules (owner)", response: { 200: SecuritySettingsView, ...errors() } } }, async (req) => svc.securitySettings(actorOf(req)));
  app.put('/api/security/settings', { schema: { operationId: 'security.update', tags: stags, summary: 'Require two-factor sign-in for everyone (owner)', body: SecuritySettingsBody, response: { 200: SecuritySettingsView, ...errors(409) } } }, async (req) =>
    svc.setSecuritySettings(actorOf(req), req.body),
  );
}
