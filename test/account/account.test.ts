import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { totpCode } from '../../src/modules/auth/index.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg, loginCookie, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';

const clock = new ManualClock(Date.parse('2026-05-04T08:00:00Z'));
const mails: { to: string; link: string }[] = [];
let ctx: TestContext;
let noMail: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ clock, env: { LOGIN_RATE_LIMIT: '4', PUBLIC_URL: 'https://desk.example.test' }, overrides: { mail: { sendPasswordReset: async (m) => void mails.push({ to: m.to, link: m.link }) } } });
  noMail = await createTestContext({ clock });
  await registerModuleWorkers(ctx.platform, ctx.services);
});
afterAll(async () => {
  await ctx?.close();
  await noMail?.close();
});

const NEW_PASSWORD = 'velvet tractor nimbly orbits';
const inject = (o: { method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'; url: string; cookie?: string; payload?: unknown }) =>
  ctx.app.inject({ method: o.method, url: o.url, headers: o.cookie ? { cookie: o.cookie } : {}, ...(o.payload !== undefined ? { payload: o.payload as object } : {}) });
const cookieOf = (res: { cookies: { name: string; value: string }[] }) => {
  const c = res.cookies.find((x) => x.name === 'afterdesk_session');
  return c ? `afterdesk_session=${c.value}` : undefined;
};
async function actions(org: TestOrg, action?: string) {
  const res = await inject({ method: 'GET', url: `/api/audit?limit=200${action ? `&action=${action}` : ''}`, cookie: await org.cookie('owner') });
  expect(res.statusCode).toBe(200);
  return res.json().items as { action: string; actorId: string | null; subjectId: string | null; changes: { path: string; before: unknown; after: unknown }[]; context: Record<string, unknown> }[];
}

/** Turns two-factor sign-in on for a signed-in person; returns the secret and the recovery codes. */
async function enrol(cookie: string): Promise<{ secret: string; codes: string[] }> {
  const setup = await inject({ method: 'POST', url: '/api/account/two-factor/setup', cookie, payload: {} });
  expect(setup.statusCode).toBe(200);
  const { secret, uri, qrDataUrl } = setup.json();
  expect(uri).toMatch(/^otpauth:\/\/totp\/Afterdesk:/);
  expect(qrDataUrl).toMatch(/^data:image\/png;base64,/);
  const confirm = await inject({ method: 'POST', url: '/api/account/two-factor/confirm', cookie, payload: { code: totpCode(secret, clock.now()) } });
  expect(confirm.statusCode).toBe(200);
  return { secret, codes: confirm.json().recoveryCodes };
}

describe('password change', () => {
  it('needs the current password and the strength rule, ends the other sessions and keeps this one', async () => {
    const org = await createTestOrg(ctx);
    const email = org.users.agent.email;
    const here = await loginCookie(ctx, email);
    const elsewhere = await loginCookie(ctx, email);

    const wrong = await inject({ method: 'POST', url: '/api/account/password', cookie: here, payload: { currentPassword: 'nope', newPassword: NEW_PASSWORD } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ code: 'auth.wrong_password', details: { issues: [{ field: 'currentPassword' }] } });
    const weak = await inject({ method: 'POST', url: '/api/account/password', cookie: here, payload: { currentPassword: TEST_PASSWORD, newPassword: 'password123' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ code: 'auth.weak_password', details: { issues: [{ field: 'newPassword' }] } });

    const ok = await inject({ method: 'POST', url: '/api/account/password', cookie: here, payload: { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD } });
    expect(ok.statusCode).toBe(204);
    expect((await inject({ method: 'GET', url: '/api/auth/me', cookie: here })).statusCode).toBe(200);
    expect((await inject({ method: 'GET', url: '/api/auth/me', cookie: elsewhere })).statusCode).toBe(401);
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: TEST_PASSWORD } })).statusCode).toBe(401);
    expect(cookieOf(await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: NEW_PASSWORD } }))).toBeDefined();

    const changed = await actions(org, 'account.password_changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ actorId: org.users.agent.id, subjectId: org.users.agent.id });
  });

  it('profile: name, UI language and working languages, audited field by field', async () => {
    const org = await createTestOrg(ctx);
    const cookie = await org.cookie('agent');
    const res = await inject({ method: 'PATCH', url: '/api/account', cookie, payload: { name: 'Mei Lin', uiLocale: 'zh-CN', languages: ['zh-CN', 'en'] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ name: 'Mei Lin', uiLocale: 'zh-CN', languages: ['zh-CN', 'en'] });
    const [ev] = await actions(org, 'account.profile_changed');
    expect(ev!.changes.map((c) => c.path).sort()).toEqual(['languages', 'name', 'uiLocale']);
    expect(ev!.changes.find((c) => c.path === 'name')).toEqual({ path: 'name', before: expect.stringMatching(/^agent /), after: 'Mei Lin' });
  });
});

describe('two-factor sign-in', () => {
  it('enrol with a code; sign-in becomes password → challenge → code; a code works once; recovery codes work once', async () => {
    const org = await createTestOrg(ctx);
    const email = org.users.supervisor.email;
    const cookie = await loginCookie(ctx, email);
    const { secret, codes } = await enrol(cookie);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const acc = (await inject({ method: 'GET', url: '/api/account', cookie })).json();
    expect(acc.twoFactor).toMatchObject({ enabled: true, required: false, recoveryCodesLeft: 10 });

    // The password alone gives a challenge and no cookie.
    const step1 = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: TEST_PASSWORD } });
    expect(step1.statusCode).toBe(200);
    expect(cookieOf(step1)).toBeUndefined();
    const { challenge } = step1.json().twoFactor;
    expect(step1.json().user).toBeUndefined();

    const bad = await ctx.app.inject({ method: 'POST', url: '/api/auth/login/two-factor', payload: { challenge, code: '000000' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().code).toBe('auth.bad_two_factor_code');
    // The code used at enrolment is spent: the same time step cannot sign in again.
    const replay = await ctx.app.inject({ method: 'POST', url: '/api/auth/login/two-factor', payload: { challenge, code: totpCode(secret, clock.now()) } });
    expect(replay.statusCode).toBe(401);

    clock.advance(30_000);
    const good = await ctx.app.inject({ method: 'POST', url: '/api/auth/login/two-factor', payload: { challenge, code: totpCode(secret, clock.now()) } });
    expect(good.statusCode).toBe(200);
    expect(good.json().user.email).toBe(email);
    expect((await inject({ method: 'GET', url: '/api/auth/me', cookie: cookieOf(good) })).statusCode).toBe(200);

    const step1b = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: TEST_PASSWORD } });
    const rc = await ctx.app.inject({ method: 'POST', url: '/api/auth/login/two-factor', payload: { challenge: step1b.json().twoFactor.challenge, code: codes[3]!.toUpperCase() } });
    expect(rc.statusCode).toBe(200);
    const again = await ctx.app.inject({ method: 'POST', url: '/api/auth/login/two-factor', payload: { challenge: step1b.json().twoFactor.challenge, code: codes[3] } });
    expect(again.statusCode).toBe(401);
    expect((await inject({ method: 'GET', url: '/api/account', cookie })).json().twoFactor.recoveryCodesLeft).toBe(9);

    // A forged or expired challenge is refused.
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/login/two-factor', payload: { challenge: `${challenge.split('.')[0]}.forgedmacxxxxxxxxxxxx`, code: '123456' } })).json().code).toBe('auth.challenge_expired');
    clock.advance(6 * 60_000);
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/login/two-factor', payload: { challenge: step1b.json().twoFactor.challenge, code: totpCode(secret, clock.now()) } })).json().code).toBe('auth.challenge_expired');

    const audit = (await actions(org)).map((a) => a.action);
    expect(audit.filter((a) => a === 'account.two_factor_enabled')).toHaveLength(1);
    expect(audit.filter((a) => a === 'auth.two_factor_failed')).toHaveLength(3);
    expect(audit.filter((a) => a === 'auth.two_factor_passed')).toHaveLength(2);
    const passed = await actions(org, 'auth.two_factor_passed');
    expect(passed.map((p) => p.context.method).sort()).toEqual(['recovery', 'totp']);
    expect(passed[0]!.context.network).toMatch(/\.0\/24$|::\/48$/);
  });

  it('wrong codes are throttled like wrong passwords', async () => {
    const org = await createTestOrg(ctx);
    const email = org.users.warehouse.email;
    const { secret } = await enrol(await loginCookie(ctx, email));
    const { challenge } = (await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: TEST_PASSWORD } })).json().twoFactor;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await ctx.app.inject({ method: 'POST', url: '/api/auth/login/two-factor', payload: { challenge, code: '111111' } })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    clock.advance(30_000);
    const blocked = await ctx.app.inject({ method: 'POST', url: '/api/auth/login/two-factor', payload: { challenge, code: totpCode(secret, clock.now()) } });
    expect(blocked.statusCode).toBe(429);
    clock.advance(61_000);
    const { challenge: fresh } = (await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: TEST_PASSWORD } })).json().twoFactor;
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/login/two-factor', payload: { challenge: fresh, code: totpCode(secret, clock.now()) } })).statusCode).toBe(200);
  });

  it('turning it off needs the password and a code', async () => {
    const org = await createTestOrg(ctx);
    const cookie = await org.cookie('agent');
    const { secret } = await enrol(cookie);
    clock.advance(30_000);
    const noPw = await inject({ method: 'POST', url: '/api/account/two-factor/disable', cookie, payload: { password: 'wrong one', code: totpCode(secret, clock.now()) } });
    expect(noPw.json().code).toBe('auth.wrong_password');
    const noCode = await inject({ method: 'POST', url: '/api/account/two-factor/disable', cookie, payload: { password: TEST_PASSWORD, code: '123456' } });
    expect(noCode.json().code).toBe('auth.bad_two_factor_code');
    const ok = await inject({ method: 'POST', url: '/api/account/two-factor/disable', cookie, payload: { password: TEST_PASSWORD, code: totpCode(secret, clock.now()) } });
    expect(ok.statusCode).toBe(204);
    const login = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: org.users.agent.email, password: TEST_PASSWORD } });
    expect(login.json().user).toBeDefined();
  });

  it('the secret is stored encrypted, the recovery codes only as hashes', async () => {
    const org = await createTestOrg(ctx);
    const { secret, codes } = await enrol(await org.cookie('agent'));
    const r = await ctx.platform.db.system((tx) => tx.execute(`select totp_secret_enc, recovery_code_hashes from user_security where org_id = '${org.orgId}'`));
    const row = r.rows[0] as { totp_secret_enc: string; recovery_code_hashes: string[] };
    expect(row.totp_secret_enc).toMatch(/^v1\./);
    expect(row.totp_secret_enc).not.toContain(secret);
    expect(row.recovery_code_hashes).toHaveLength(10);
    for (const c of codes) expect(row.recovery_code_hashes.join()).not.toContain(c.replace(/-/g, ''));
  });

  it('an owner can require it: people without it may only enrol until they have', async () => {
    const org = await createTestOrg(ctx);
    const owner = await org.cookie('owner');
    const agent = await org.cookie('agent');
    const first = await inject({ method: 'PUT', url: '/api/security/settings', cookie: owner, payload: { requireTwoFactor: true } });
    expect(first.statusCode).toBe(409);
    expect(first.json().code).toBe('auth.two_factor_owner_first');
    await enrol(owner);
    const on = await inject({ method: 'PUT', url: '/api/security/settings', cookie: owner, payload: { requireTwoFactor: true } });
    expect(on.json()).toEqual({ requireTwoFactor: true, usersWithoutTwoFactor: 3 });

    const tickets = await inject({ method: 'GET', url: '/api/tickets', cookie: agent });
    expect(tickets.statusCode).toBe(403);
    expect(tickets.json().code).toBe('auth.two_factor_required');
    const acc = await inject({ method: 'GET', url: '/api/account', cookie: agent });
    expect(acc.json()).toMatchObject({ restriction: 'two_factor_enrolment', twoFactor: { enabled: false, required: true } });
    await enrol(agent);
    expect((await inject({ method: 'GET', url: '/api/tickets', cookie: agent })).statusCode).toBe(200);
    const [ev] = await actions(org, 'security.settings_changed');
    expect(ev!.changes).toEqual([{ path: 'requireTwoFactor', before: false, after: true }]);
  });
});

describe('sessions', () => {
  it('lists my sessions with device and network only, ends one, and signs out everywhere else', async () => {
    const org = await createTestOrg(ctx);
    const email = org.users.agent.email;
    const a = await loginCookie(ctx, email);
    const b = await loginCookie(ctx, email);
    const c = await loginCookie(ctx, email);
    const list = (await ctx.app.inject({ method: 'GET', url: '/api/account/sessions', headers: { cookie: a, 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/126.0 Safari/537.36' } })).json().items;
    expect(list).toHaveLength(3);
    expect(list.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    for (const s of list) expect(s.network).toBe('127.0.0.0/24');
    const other = list.find((s: { current: boolean }) => !s.current);
    expect((await inject({ method: 'DELETE', url: `/api/account/sessions/${other.id}`, cookie: a })).statusCode).toBe(204);
    expect((await inject({ method: 'DELETE', url: `/api/account/sessions/${other.id}`, cookie: a })).statusCode).toBe(404);
    const rest = await inject({ method: 'POST', url: '/api/account/sessions/revoke-others', cookie: a, payload: {} });
    expect(rest.json()).toEqual({ revoked: 1 });
    expect((await inject({ method: 'GET', url: '/api/auth/me', cookie: a })).statusCode).toBe(200);
    expect((await inject({ method: 'GET', url: '/api/auth/me', cookie: b })).statusCode).toBe(401);
    expect((await inject({ method: 'GET', url: '/api/auth/me', cookie: c })).statusCode).toBe(401);
  });

  it("someone else's session id is a 404 like a missing one", async () => {
    const org = await createTestOrg(ctx);
    await org.cookie('supervisor');
    const theirs = (await inject({ method: 'GET', url: '/api/account/sessions', cookie: await org.cookie('supervisor') })).json().items[0].id;
    const res = await inject({ method: 'DELETE', url: `/api/account/sessions/${theirs}`, cookie: await org.cookie('agent') });
    expect(res.statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: '/api/auth/me', cookie: await org.cookie('supervisor') })).statusCode).toBe(200);
  });
});

describe('password resets', () => {
  it('an owner sets a temporary password: the member is signed out, then may only choose a new password', async () => {
    const org = await createTestOrg(ctx);
    const before = await org.cookie('agent');
    const res = await inject({ method: 'POST', url: `/api/users/${org.users.agent.id}/password-reset`, cookie: await org.cookie('owner'), payload: { mode: 'temporary_password' } });
    expect(res.statusCode).toBe(200);
    const temp = res.json().temporaryPassword as string;
    expect(temp).toMatch(/^[\w]{5}-[\w]{5}-[\w]{5}-[\w]{5}$/);
    expect((await inject({ method: 'GET', url: '/api/auth/me', cookie: before })).statusCode).toBe(401);
    const cookie = await loginCookie(ctx, org.users.agent.email, temp);
    const blocked = await inject({ method: 'GET', url: '/api/tickets', cookie });
    expect(blocked.json().code).toBe('auth.password_change_required');
    expect((await inject({ method: 'POST', url: '/api/account/password', cookie, payload: { currentPassword: temp, newPassword: NEW_PASSWORD } })).statusCode).toBe(204);
    expect((await inject({ method: 'GET', url: '/api/tickets', cookie })).statusCode).toBe(200);
    expect(await actions(org, 'account.password_reset_by_owner')).toHaveLength(1);
    const notOwner = await inject({ method: 'POST', url: `/api/users/${org.users.agent.id}/password-reset`, cookie: await org.cookie('supervisor'), payload: { mode: 'link' } });
    expect(notOwner.statusCode).toBe(403);
  });

  it('an owner hands out a single-use link instead', async () => {
    const org = await createTestOrg(ctx);
    const res = await inject({ method: 'POST', url: `/api/users/${org.users.warehouse.id}/password-reset`, cookie: await org.cookie('owner'), payload: { mode: 'link' } });
    const url = new URL(res.json().resetUrl);
    expect(url.origin + url.pathname).toBe('https://desk.example.test/reset-password');
    const token = url.searchParams.get('token')!;
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/password-reset/complete', payload: { token, password: NEW_PASSWORD } })).statusCode).toBe(204);
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/password-reset/complete', payload: { token, password: NEW_PASSWORD } })).json().code).toBe('auth.reset_token_invalid');
    await loginCookie(ctx, org.users.warehouse.email, NEW_PASSWORD);
  });

  it('by e-mail: the same answer for known and unknown addresses; the mail goes through the outbox; the link works once and expires', async () => {
    const org = await createTestOrg(ctx);
    mails.length = 0;
    const known = await ctx.app.inject({ method: 'POST', url: '/api/auth/password-reset/request', payload: { email: org.users.agent.email.toUpperCase() } });
    const unknown = await ctx.app.inject({ method: 'POST', url: '/api/auth/password-reset/request', payload: { email: 'nobody.here@test.afterdesk.dev' } });
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(known.json()).toEqual(unknown.json());
    expect(mails).toHaveLength(0);
    await ctx.platform.dispatcher.drain(10, org.orgId);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toBe(org.users.agent.email);
    const token = new URL(mails[0]!.link).searchParams.get('token')!;
    // The outbox row does not hold the link readable.
    const r = await ctx.platform.db.system((tx) => tx.execute(`select payload::text as p from outbox where org_id = '${org.orgId}' and handler = 'auth.password_reset_mail'`));
    expect((r.rows[0] as { p: string }).p).not.toContain(token);

    const weak = await ctx.app.inject({ method: 'POST', url: '/api/auth/password-reset/complete', payload: { token, password: 'aaaaaaaaaaaa' } });
    expect(weak.json().code).toBe('auth.weak_password');
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/password-reset/complete', payload: { token, password: NEW_PASSWORD } })).statusCode).toBe(204);
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/password-reset/complete', payload: { token, password: NEW_PASSWORD } })).statusCode).toBe(400);

    mails.length = 0;
    await ctx.app.inject({ method: 'POST', url: '/api/auth/password-reset/request', payload: { email: org.users.supervisor.email } });
    await ctx.platform.dispatcher.drain(10, org.orgId);
    const late = new URL(mails[0]!.link).searchParams.get('token')!;
    clock.advance(61 * 60_000);
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/password-reset/complete', payload: { token: late, password: NEW_PASSWORD } })).json().code).toBe('auth.reset_token_invalid');
  });

  it('reset requests for one address are limited', async () => {
    const email = `limited.${Date.now()}@test.afterdesk.dev`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await ctx.app.inject({ method: 'POST', url: '/api/auth/password-reset/request', payload: { email } })).statusCode);
    expect(statuses).toEqual([202, 202, 202, 429, 429, 429]);
  });

  it('without a mail server the request says so, clearly', async () => {
    const res = await noMail.app.inject({ method: 'POST', url: '/api/auth/password-reset/request', payload: { email: 'someone@test.afterdesk.dev' } });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('auth.reset_mail_unavailable');
  });
});

describe('audit log', () => {
  it('records sign-ins and people changes with before and after; owners only; filters and pages', async () => {
    const org = await createTestOrg(ctx);
    const owner = await org.cookie('owner');
    await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: org.users.agent.email, password: 'not it at all' } });
    const patch = await inject({ method: 'PATCH', url: `/api/users/${org.users.agent.id}`, cookie: owner, payload: { remedyLimits: { percent: 50, amounts: { EUR: 9000 } } } });
    expect(patch.statusCode).toBe(200);
    await inject({ method: 'PATCH', url: `/api/users/${org.users.warehouse.id}`, cookie: owner, payload: { active: false } });
    const created = await inject({ method: 'POST', url: '/api/users', cookie: owner, payload: { email: `new.${org.orgId}@test.afterdesk.dev`, name: 'New Person', password: NEW_PASSWORD, role: 'agent' } });
    expect(created.statusCode).toBe(201);

    const [upd] = await actions(org, 'users.updated');
    expect(upd!.changes).toEqual([
      { path: 'remedyLimits.amounts.CAD', before: 6500, after: null },
      { path: 'remedyLimits.amounts.EUR', before: 4500, after: 9000 },
      { path: 'remedyLimits.amounts.GBP', before: 4000, after: null },
      { path: 'remedyLimits.amounts.MXN', before: 90000, after: null },
      { path: 'remedyLimits.amounts.USD', before: 5000, after: null },
      { path: 'remedyLimits.percent', before: 30, after: 50 },
    ]);
    expect((await actions(org, 'users.deactivated'))[0]!.changes).toEqual([{ path: 'active', before: true, after: false }]);
    expect(await actions(org, 'users.created')).toHaveLength(1);
    const failed = await actions(org, 'auth.sign_in_failed');
    expect(failed).toHaveLength(1);
    expect(JSON.stringify(failed[0])).not.toContain('127.0.0.1');
    expect((await actions(org, 'auth.sign_in')).length).toBeGreaterThanOrEqual(1);

    const byActor = (await inject({ method: 'GET', url: `/api/audit?actorId=${org.users.owner.id}&limit=200`, cookie: owner })).json().items as { actorId: string }[];
    expect(byActor.length).toBeGreaterThanOrEqual(3);
    expect(byActor.every((e) => e.actorId === org.users.owner.id)).toBe(true);
    const p1 = (await inject({ method: 'GET', url: '/api/audit?limit=2', cookie: owner })).json();
    expect(p1.items).toHaveLength(2);
    const p2 = (await inject({ method: 'GET', url: `/api/audit?limit=2&cursor=${p1.nextCursor}`, cookie: owner })).json();
    expect(p2.items[0].id).not.toBe(p1.items[1].id);
    const future = (await inject({ method: 'GET', url: '/api/audit?from=2030-01-01', cookie: owner })).json();
    expect(future.items).toEqual([]);
    expect((await inject({ method: 'GET', url: '/api/audit', cookie: await org.cookie('supervisor') })).statusCode).toBe(403);
  });

  it('settings that move money or promises: remedy ladder, item economics, SLA policies, return policy', async () => {
    const org = await createTestOrg(ctx);
    const owner = await org.cookie('owner');
    expect((await inject({ method: 'PATCH', url: `/api/shops/${org.shopId}/remedy-settings`, cookie: owner, payload: { defaultCostPercent: 37 } })).statusCode).toBe(200);
    expect((await inject({ method: 'PUT', url: `/api/shops/${org.shopId}/item-economics`, cookie: owner, payload: { key: 'product:mug', itemCost: 300, resalePercent: 40 } })).statusCode).toBe(200);
    const pol = await inject({ method: 'POST', url: '/api/sla/policies', cookie: owner, payload: { name: 'VIP', firstReplyMinutes: 30 } });
    expect(pol.statusCode).toBe(201);
    expect((await inject({ method: 'PATCH', url: `/api/sla/policies/${pol.json().id}`, cookie: owner, payload: { firstReplyMinutes: 20 } })).statusCode).toBe(200);
    const shop = (await inject({ method: 'GET', url: `/api/shops/${org.shopId}`, cookie: owner })).json();
    expect((await inject({ method: 'PATCH', url: `/api/shops/${org.shopId}`, cookie: owner, payload: { returnPolicy: { ...shop.returnPolicy, windowDays: shop.returnPolicy.windowDays + 7 } } })).statusCode).toBe(200);

    const all = await actions(org);
    const find = (a: string) => all.filter((e) => e.action === a);
    expect(find('remedies.settings_changed')[0]!.changes).toEqual([{ path: 'defaultCostPercent', before: expect.any(Number), after: 37 }]);
    expect(find('remedies.item_economics_changed')[0]!.changes).toEqual([{ path: 'itemCost', before: null, after: 300 }, { path: 'key', before: null, after: 'product:mug' }, { path: 'resalePercent', before: null, after: 40 }]);
    expect(find('sla.policy_created')).toHaveLength(1);
    expect(find('sla.policy_changed')[0]!.changes).toEqual([{ path: 'firstReplyMinutes', before: 30, after: 20 }]);
    expect(find('shops.return_policy_changed')[0]!.changes).toEqual([{ path: 'windowDays', before: shop.returnPolicy.windowDays, after: shop.returnPolicy.windowDays + 7 }]);
  });

  it('the table is append-only for the app role', async () => {
    const org = await createTestOrg(ctx);
    await org.cookie('owner');
    for (const q of [`update audit_events set action = 'x' where org_id = '${org.orgId}'`, `delete from audit_events where org_id = '${org.orgId}'`]) {
      const e = await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(q)).then(() => null, (err: Error & { cause?: Error }) => err);
      expect(String(e?.cause?.message ?? e?.message)).toMatch(/permission denied/);
    }
  });
});
