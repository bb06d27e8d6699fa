import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_USERS } from '../../src/app/seed.js';
import { passwordWeakness } from '../../src/modules/auth/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg, loginCookie, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';

let ctx: TestContext;
let org: TestOrg;
beforeAll(async () => {
  ctx = await createTestContext();
  org = await createTestOrg(ctx);
});
afterAll(async () => {
  await ctx?.close();
});

describe('password rules', () => {
  it.each(['aaaaaaaaaa', '          ', 'password123', '1234567890', 'qwertyuiop'])('refuses %j when a user is added, naming the password field', async (password) => {
    const cookie = await org.cookie('owner');
    const res = await ctx.app.inject({ method: 'POST', url: '/api/users', headers: { cookie }, payload: { email: `weak.${Date.now()}@t.dev`, name: 'Weak', password, role: 'agent' } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('auth.weak_password');
    expect(body.details.issues).toEqual([{ field: 'password', message: expect.stringMatching(/^too easy to guess\. /) }]);
  });

  it('refuses a password made of the person’s own name or e-mail', async () => {
    const cookie = await org.cookie('owner');
    const res = await ctx.app.inject({ method: 'POST', url: '/api/users', headers: { cookie }, payload: { email: 'margarethe.vogel@t.dev', name: 'Margarethe Vogel', password: 'margarethevogel', role: 'agent' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.issues[0].field).toBe('password');
  });

  it('refuses a weak password on a password change and keeps the old one working', async () => {
    const cookie = await org.cookie('owner');
    const res = await ctx.app.inject({ method: 'PATCH', url: `/api/users/${org.users.warehouse.id}`, headers: { cookie }, payload: { password: 'aaaaaaaaaa' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'auth.weak_password', details: { issues: [{ field: 'password' }] } });
    await loginCookie(ctx, org.users.warehouse.email, TEST_PASSWORD);
    const ok = await ctx.app.inject({ method: 'PATCH', url: `/api/users/${org.users.warehouse.id}`, headers: { cookie }, payload: { password: 'quiet-otter-ledger' } });
    expect(ok.statusCode).toBe(200);
    await loginCookie(ctx, org.users.warehouse.email, 'quiet-otter-ledger');
  });

  it('refuses weak passwords in the service too (seeding, CLI), and the demo and test passwords pass', async () => {
    await expect(ctx.services.auth.createUserInOrg(org.orgId, { email: `svc.${Date.now()}@t.dev`, name: 'Svc', password: '          ', role: 'agent' })).rejects.toMatchObject({ code: 'auth.weak_password' });
    for (const u of DEMO_USERS) expect(passwordWeakness(DEMO_PASSWORD, u), u.email).toBeNull();
    expect(passwordWeakness(TEST_PASSWORD)).toBeNull();
    expect(passwordWeakness('afterdesk-demo')).toMatch(/too easy to guess/);
  });
});

describe('session cookie Secure flag', () => {
  async function cookieVia(c: TestContext, email: string, remoteAddress: string, headers: Record<string, string> = {}) {
    const res = await c.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress, headers, payload: { email, password: TEST_PASSWORD } });
    expect(res.statusCode).toBe(200);
    return res.cookies.find((x) => x.name === 'afterdesk_session')!;
  }

  it('is set when a trusted proxy says the request was https, and not when anyone else says so', async () => {
    const proxied = await createTestContext({ env: { TRUST_PROXY: '10.0.0.1' } });
    try {
      const o = await createTestOrg(proxied);
      expect((await cookieVia(proxied, o.users.agent.email, '10.0.0.1', { 'x-forwarded-proto': 'https' })).secure).toBe(true);
      expect((await cookieVia(proxied, o.users.agent.email, '10.0.0.1', { 'x-forwarded-proto': 'http' })).secure).toBeUndefined();
      expect((await cookieVia(proxied, o.users.agent.email, '203.0.113.4', { 'x-forwarded-proto': 'https' })).secure).toBeUndefined();
    } finally {
      await proxied.close();
    }
  });

  it('is always set when PUBLIC_URL is https', async () => {
    const https = await createTestContext({ env: { PUBLIC_URL: 'https://desk.example.com' } });
    try {
      const o = await createTestOrg(https);
      expect((await cookieVia(https, o.users.agent.email, '203.0.113.4')).secure).toBe(true);
    } finally {
      await https.close();
    }
  });
});
