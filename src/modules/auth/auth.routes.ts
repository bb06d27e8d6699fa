import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import { AppError, isAppError } from '../../platform/errors.js';
import { actorOf, EmptyBody, ErrorBody, errors, IdParams, type Http } from '../../platform/http.js';
import { AcceptInvitation, CreatedInvitation, CreateInvitation, CreateUser, InvitationPreview, InvitationToken, InvitationView, LoginBody, MembershipView, SwitchBody, UpdateMe, UpdateUser, UserView } from './auth.dto.js';
import { SESSION_COOKIE } from './auth.rules.js';
import { invitationView, userView, type AuthService } from './auth.service.js';
import { createLoginThrottle } from './auth.throttle.js';
import type { AccountService } from './auth.account.js';
import { LoginAnswer } from './auth.account.dto.js';

export interface AuthRouteOptions {
  /** Whether this request's session cookie gets `Secure` (https public URL, or https at a trusted proxy). */
  cookieSecure: (req: FastifyRequest) => boolean;
  loginRateLimit: number;
  clock: Clock;
  /** The sign-in steps around the password (two-factor challenge, audit). */
  account: AccountService;
  /** Where invitation links point (the web app's /invite page). */
  publicUrl: string;
  /** The installation can send mail: invitations are e-mailed as well as shown. */
  mailInvitations?: boolean;
}

export function authRoutes(app: Http, svc: AuthService, opts: AuthRouteOptions): void {
  const throttle = createLoginThrottle(opts.clock, { perAccountAddress: opts.loginRateLimit });
  const tags = ['auth'];
  app.post(
    '/api/auth/login',
    {
      schema: { operationId: 'auth.login',
        tags,
        summary: 'Sign in with e-mail and password; sets the session cookie, or answers a two-factor challenge',
        description:
          'Failed attempts are limited per client address and account, and an account under attack answers 429 with `details.retryAfterSeconds` to addresses it was not used from before. With two-factor sign-in on, the answer is `{twoFactor: {challenge}}` and no cookie: send the challenge and a code to `/api/auth/login/two-factor`.',
        body: LoginBody,
        response: { 200: LoginAnswer, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      // req.ip is the socket address unless a configured proxy (TRUST_PROXY) forwarded the request.
      const address = req.ip;
      const wait = throttle.check(address, req.body.email);
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        throw new AppError('rate_limited', 'request.rate_limited', `Too many failed sign-ins; try again in ${seconds} s`, { retryAfterSeconds: seconds });
      }
      let step: Awaited<ReturnType<AccountService['passwordStep']>>;
      try {
        step = await opts.account.passwordStep(req.body.email, req.body.password, { userAgent: req.headers['user-agent'], ip: address });
      } catch (e) {
        if (isAppError(e) && e.code === 'auth.bad_credentials') throttle.failed(address, req.body.email);
        throw e;
      }
      throttle.succeeded(address, req.body.email);
      if (step.kind === 'challenge') return { twoFactor: { challenge: step.challenge, expiresAt: step.expiresAt.toISOString() } };
      const { token, user, expiresAt } = step;
      reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: opts.cookieSecure(req), expires: expiresAt });
      return { user: userView(user) };
    },
  );

  app.post('/api/auth/logout', { schema: { operationId: 'auth.logout', tags, summary: 'Sign out this session', body: EmptyBody, response: { 204: z.null().describe('Signed out; the cookie is cleared'), ...errors() } } }, async (req, reply) => {
    const actor = actorOf(req);
    await svc.logout(actor, req.sessionId!);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send(null);
  });

  app.get('/api/auth/me', { schema: { operationId: 'auth.me', tags, summary: 'The signed-in user', response: { 200: z.object({ user: UserView }), ...errors() } } }, async (req) => {
    const actor = actorOf(req);
    return { user: userView(await svc.getUser(actor, actor.userId)) };
  });

  app.patch('/api/auth/me', { schema: { operationId: 'auth.updateMe', tags, summary: 'Change own preferences (UI language)', body: UpdateMe, response: { 200: z.object({ user: UserView }), ...errors() } } }, async (req) => ({
    user: userView(await svc.setUiLocale(actorOf(req), req.body.uiLocale)),
  }));

  const utags = ['users'];
  app.get('/api/users', { schema: { operationId: 'users.list', tags: utags, summary: 'List the team', response: { 200: z.object({ items: z.array(UserView) }), ...errors() } } }, async (req) => ({
    items: (await svc.listUsers(actorOf(req))).map(userView),
  }));
  app.get('/api/users/:id', { schema: { operationId: 'users.get', tags: utags, params: IdParams, response: { 200: UserView, ...errors(404) } } }, async (req) => userView(await svc.getUser(actorOf(req), req.params.id)));
  app.post('/api/users', { schema: { operationId: 'users.create', tags: utags, summary: 'Add a user (owner only)', body: CreateUser, response: { 201: UserView, ...errors(409) } } }, async (req, reply) => {
    reply.code(201);
    return userView(await svc.createUser(actorOf(req), req.body));
  });
  app.patch('/api/users/:id', { schema: { operationId: 'users.update', tags: utags, summary: 'Change a user (owner only)', params: IdParams, body: UpdateUser, response: { 200: UserView, ...errors(404, 409) } } }, async (req) =>
    userView(await svc.updateUser(actorOf(req), req.params.id, req.body)),
  );

  // --- memberships: one login, several organisations --------------------------------------------
  app.get('/api/auth/organisations', { schema: { operationId: 'auth.organisations', tags, summary: 'The organisations the signed-in login belongs to (for the switcher)', response: { 200: z.object({ items: z.array(MembershipView) }), ...errors() } } }, async (req) => {
    const actor = actorOf(req);
    const items = await svc.memberships(req.loginId!, actor.orgId);
    return { items: items.map(({ userId: _u, brandIds: _b, ...m }) => m) };
  });
  app.post(
    '/api/auth/switch',
    {
      schema: {
        operationId: 'auth.switch',
        tags,
        summary: 'Work in another organisation of this login',
        description: 'Moves this session to the membership of the same login in `orgId`; every later request runs there. An organisation the login does not belong to answers 404.',
        body: SwitchBody,
        response: { 200: z.object({ user: UserView }), ...errors(404) },
      },
    },
    async (req) => {
      actorOf(req);
      return { user: userView(await svc.switchOrganisation(req.sessionId!, req.loginId!, req.body.orgId)) };
    },
  );

  // --- invitations -------------------------------------------------------------------------------
  const itags = ['invitations'];
  const linkOf = (token: string) => `${opts.publicUrl.replace(/\/$/, '')}/invite#${token}`;
  app.get('/api/invitations', { schema: { operationId: 'invitations.list', tags: itags, summary: 'Invitations of this organisation (owner)', response: { 200: z.object({ items: z.array(InvitationView) }), ...errors() } } }, async (req) => ({
    items: (await svc.listInvitations(actorOf(req))).map((r) => invitationView(r, opts.clock.now())),
  }));
  app.post(
    '/api/invitations',
    {
      schema: {
        operationId: 'invitations.create',
        tags: itags,
        summary: 'Invite a person by e-mail (owner)',
        description: 'Answers the single-use link once (only its hash is stored; valid 7 days). Until the installation sends mail, the owner passes the link on.',
        body: CreateInvitation,
        response: { 201: CreatedInvitation, ...errors(404, 409) },
      },
    },
    async (req, reply) => {
      const { row, token, mailed } = await svc.createInvitation(actorOf(req), req.body, opts.mailInvitations ? { link: linkOf, locale: req.body.locale ?? 'en' } : undefined);
      reply.code(201);
      return { invitation: invitationView(row, opts.clock.now()), link: linkOf(token), token, mailed };
    },
  );
  app.post('/api/invitations/:id/revoke', { schema: { operationId: 'invitations.revoke', tags: itags, summary: 'Revoke a pending invitation (owner)', params: IdParams, body: EmptyBody, response: { 200: InvitationView, ...errors(404, 409) } } }, async (req) =>
    invitationView(await svc.revokeInvitation(actorOf(req), req.params.id), opts.clock.now()),
  );
  app.post('/api/invitations/preview', { schema: { operationId: 'invitations.preview', tags: itags, summary: 'What an invitation link offers (no session needed)', security: [], body: InvitationToken, response: { 200: InvitationPreview, 400: ErrorBody, 404: ErrorBody } } }, async (req) =>
    svc.previewInvitation(req.body.token),
  );
  app.post(
    '/api/invitations/accept',
    {
      schema: {
        operationId: 'invitations.accept',
        tags: itags,
        summary: 'Accept an invitation; sets the session cookie',
        description: 'A new e-mail sets `name` and `password`; an e-mail that already has a login gives that login\'s password. The link works once.',
        security: [],
        body: AcceptInvitation,
        response: { 200: z.object({ user: UserView }), 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      const address = req.ip;
      const key = `invite:${req.body.token.slice(0, 16)}`;
      const wait = throttle.check(address, key);
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        throw new AppError('rate_limited', 'request.rate_limited', `Too many failed attempts; try again in ${seconds} s`, { retryAfterSeconds: seconds });
      }
      let session: Awaited<ReturnType<AuthService['acceptInvitation']>>;
      try {
        session = await svc.acceptInvitation(req.body, { userAgent: req.headers['user-agent'], ip: address });
      } catch (e) {
        if (isAppError(e) && e.code === 'auth.bad_credentials') throttle.failed(address, key);
        throw e;
      }
      throttle.succeeded(address, key);
      reply.setCookie(SESSION_COOKIE, session.token, { path: '/', httpOnly: true, sameSite: 'lax', secure: opts.cookieSecure(req), expires: session.expiresAt });
      return { user: userView(session.user) };
    },
  );
}
