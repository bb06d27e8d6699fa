import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg, loginCookie, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ jobs: true });
});
afterAll(async () => {
  await ctx?.close();
});

describe('health and docs', () => {
  it('GET /healthz reports database and job queue', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', database: 'up', jobs: 'up', version: '0.1.0' });
    expect(res.headers['x-request-id']).toMatch(/^req_/);
  });

  it('serves the OpenAPI document and the browsable page', async () => {
    const json = await ctx.app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.statusCode).toBe(200);
    const doc = json.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/api/auth/login', '/api/shops', '/api/users']));
    const page = await ctx.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger');
  });
});

describe('login, sessions, roles', () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createTestOrg(ctx);
  });

  it('a missing session gets 401', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/api/shops' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'auth.unauthenticated' });
  });

  it('wrong password gets 401 with no hint which part was wrong', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: org.users.agent.email, password: 'nope-nope-nope' } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'auth.bad_credentials', message: 'E-mail or password is wrong' });
  });

  it('login sets an httpOnly cookie; me works; logout ends the session', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: org.users.agent.email.toUpperCase(), password: TEST_PASSWORD } });
    expect(res.statusCode).toBe(200);
    const c = res.cookies.find((x) => x.name === 'afterdesk_session')!;
    expect(c.httpOnly).toBe(true);
    expect(c.sameSite).toBe('Lax');
    const cookie = `afterdesk_session=${c.value}`;
    const me = await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
    expect(me.json().user).toMatchObject({ email: org.users.agent.email, role: 'agent' });
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } })).statusCode).toBe(204);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('a wrong role gets 403', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/brands', headers: { cookie: await org.cookie('agent') }, payload: { name: 'Nope' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'auth.role_forbidden' });
    const users = await ctx.app.inject({ method: 'GET', url: '/api/users', headers: { cookie: await org.cookie('warehouse') } });
    expect(users.statusCode).toBe(403);
  });

  it('the UI language preference persists on the user', async () => {
    const cookie = await org.cookie('supervisor');
    const res = await ctx.app.inject({ method: 'PATCH', url: '/api/auth/me', headers: { cookie }, payload: { uiLocale: 'zh-CN' } });
    expect(res.json().user.uiLocale).toBe('zh-CN');
    const me = await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
    expect(me.json().user.uiLocale).toBe('zh-CN');
  });

  it('login is rate limited per address and account', async () => {
    const limited = await createTestContext({ env: { LOGIN_RATE_LIMIT: '3' } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await limited.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: org.users.agent.email, password: 'wrong-wrong' } });
        codes.push(r.statusCode);
      }
      expect(codes).toEqual([401, 401, 401, 429, 429]);
      const body = (await limited.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: org.users.agent.email, password: TEST_PASSWORD } })).json();
      expect(body.code).toBe('request.rate_limited');
    } finally {
      await limited.close();
    }
  });
});

describe('shops and users management', () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createTestOrg(ctx, { market: 'US' });
  });

  it('creates a shop with market defaults and its holidays', async () => {
    const cookie = await org.cookie('owner');
    const res = await ctx.app.inject({ method: 'POST', url: '/api/shops', headers: { cookie }, payload: { brandId: org.brandId, name: 'Bavaria', market: 'DE', region: 'BY' } });
    expect(res.statusCode).toBe(201);
    const shop = res.json();
    expect(shop).toMatchObject({ market: 'DE', region: 'BY', currency: 'EUR', timeZone: 'Europe/Berlin', languages: ['de', 'en'] });
    expect(shop.returnPolicy).toMatchObject({ windowDays: 30, refundTrigger: 'on_inspection_pass' });
    const hol = await ctx.app.inject({ method: 'GET', url: `/api/shops/${shop.id}/holidays?year=2026`, headers: { cookie } });
    const dates = hol.json().items.map((h: { date: string }) => h.date);
    expect(dates).toContain('2026-01-06'); // Epiphany: public in Bavaria
    expect(dates).toContain('2026-10-03');
  });

  it('bad input gets 400 naming the field; unknown fields are rejected', async () => {
    const cookie = await org.cookie('owner');
    const bad = await ctx.app.inject({ method: 'POST', url: '/api/shops', headers: { cookie }, payload: { brandId: org.brandId, name: 'X', market: 'Germany', timeZone: 'Mars/Base' } });
    expect(bad.statusCode).toBe(400);
    const fields = bad.json().details.issues.map((i: { field: string }) => i.field).sort();
    expect(fields).toEqual(['market', 'timeZone']);
    const unknown = await ctx.app.inject({ method: 'POST', url: '/api/brands', headers: { cookie }, payload: { name: 'Ok', colour: 'red' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().details.issues).toEqual([{ field: 'colour', message: 'unknown field' }]);
    const wrongType = await ctx.app.inject({ method: 'POST', url: '/api/users', headers: { cookie }, payload: { email: 'a@b.co', name: 'A', password: 'longenough1', role: 'agent', languages: 'en' } });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().details.issues[0].field).toBe('languages');
    const badJson = await ctx.app.inject({ method: 'POST', url: '/api/brands', headers: { cookie, 'content-type': 'application/json' }, payload: '{"name":' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().code).toBe('request.bad_json');
  });

  it('a duplicate shop, brand or user gets 409', async () => {
    const cookie = await org.cookie('owner');
    const payload = { brandId: org.brandId, name: 'Twice', market: 'GB' };
    expect((await ctx.app.inject({ method: 'POST', url: '/api/shops', headers: { cookie }, payload })).statusCode).toBe(201);
    const dup = await ctx.app.inject({ method: 'POST', url: '/api/shops', headers: { cookie }, payload });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'shops.duplicate_name', details: { field: 'name' } });
    const dupUser = await ctx.app.inject({ method: 'POST', url: '/api/users', headers: { cookie }, payload: { email: org.users.agent.email, name: 'Again', password: 'longenough1', role: 'agent' } });
    expect(dupUser.statusCode).toBe(409);
    expect(dupUser.json().code).toBe('users.duplicate_email');
    const brandName = (await ctx.app.inject({ method: 'GET', url: `/api/brands/${org.brandId}`, headers: { cookie } })).json().name;
    expect((await ctx.app.inject({ method: 'POST', url: '/api/brands', headers: { cookie }, payload: { name: brandName } })).statusCode).toBe(409);
  });

  it('owners add users who can sign in, and deactivating ends their sessions', async () => {
    const cookie = await org.cookie('owner');
    const email = `new.${org.orgId.slice(-6)}@test.afterdesk.dev`;
    const res = await ctx.app.inject({ method: 'POST', url: '/api/users', headers: { cookie }, payload: { email, name: 'New Agent', password: 'longenough1', role: 'agent', languages: ['fr'], skills: ['jewellery'] } });
    expect(res.statusCode).toBe(201);
    const u = res.json();
    expect(u.remedyLimits).toEqual({ percent: 30, amounts: { USD: 5000, CAD: 6500, GBP: 4000, EUR: 4500, MXN: 90000 } });
    const theirCookie = await loginCookie(ctx, email, 'longenough1');
    const off = await ctx.app.inject({ method: 'PATCH', url: `/api/users/${u.id}`, headers: { cookie }, payload: { active: false } });
    expect(off.json().active).toBe(false);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: theirCookie } })).statusCode).toBe(401);
  });
});

describe('tenant isolation through the HTTP API', () => {
  it('a user of one organisation gets 404 for every kind of object of another', async () => {
    const a = await createTestOrg(ctx);
    const b = await createTestOrg(ctx);
    const cookieA = await a.cookie('owner');
    const urls = [`/api/shops/${b.shopId}`, `/api/shops/${b.shopId}/holidays`, `/api/brands/${b.brandId}`, `/api/users/${b.users.agent.id}`, `/api/users/${b.users.owner.id}`];
    for (const url of urls) {
      const res = await ctx.app.inject({ method: 'GET', url, headers: { cookie: cookieA } });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
    }
    const patch = await ctx.app.inject({ method: 'PATCH', url: `/api/shops/${b.shopId}`, headers: { cookie: cookieA }, payload: { name: 'stolen' } });
    expect(patch.statusCode).toBe(404);
    const patchUser = await ctx.app.inject({ method: 'PATCH', url: `/api/users/${b.users.agent.id}`, headers: { cookie: cookieA }, payload: { name: 'stolen' } });
    expect(patchUser.statusCode).toBe(404);
    const listed = (await ctx.app.inject({ method: 'GET', url: '/api/shops', headers: { cookie: cookieA } })).json().items.map((s: { id: string }) => s.id);
    expect(listed).toEqual([a.shopId]);
    const createInOther = await ctx.app.inject({ method: 'POST', url: '/api/shops', headers: { cookie: cookieA }, payload: { brandId: b.brandId, name: 'Sneaky', market: 'US' } });
    expect(createInOther.statusCode).toBe(400);
    expect(createInOther.json().details.issues[0].field).toBe('brandId');
  });
});
