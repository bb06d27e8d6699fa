import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg, type TestOrg } from '../helpers/org.js';

let ctx: TestContext;
let org: TestOrg;
beforeAll(async () => {
  ctx = await createTestContext();
  org = await createTestOrg(ctx, { market: 'GB' });
});
afterAll(async () => {
  await ctx?.close();
});

// Postgres refuses NUL in text and lone surrogates in jsonb; such strings must never reach it.
const NUL = 'bad\u0000name';
const LONE = 'bad\ud800name';

describe('strings Postgres cannot store are refused at the edge with a 400 naming the field', () => {
  it.each([
    ['NUL', NUL],
    ['a lone surrogate', LONE],
  ])('%s in body fields (nested too), the search query, a list filter and a path parameter', async (_what, bad) => {
    const cookie = await org.cookie('owner');
    const cases: { method: 'GET' | 'POST' | 'PATCH'; url: string; payload?: unknown; field: string }[] = [
      { method: 'POST', url: '/api/brands', payload: { name: bad }, field: 'name' },
      { method: 'POST', url: '/api/shops', payload: { brandId: org.brandId, name: bad, market: 'DE' }, field: 'name' },
      { method: 'PATCH', url: `/api/users/${org.users.agent.id}`, payload: { skills: ['returns', bad] }, field: 'skills.1' },
      { method: 'POST', url: '/api/macros', payload: { key: 'greet', name: 'Greet', bodies: { en: 'Hello', de: bad } }, field: 'bodies.de' },
    ];
    // A URL carries bytes: a lone surrogate cannot be percent-encoded into one, NUL can.
    if (bad === NUL) {
      cases.push(
        { method: 'GET', url: `/api/tickets/search?q=${encodeURIComponent(bad)}`, field: 'querystring.q' },
        { method: 'GET', url: `/api/tickets?view=all&tag=${encodeURIComponent(bad)}`, field: 'querystring.tag' },
        { method: 'GET', url: `/api/tickets/tkt_${encodeURIComponent(bad)}`, field: 'params.id' },
      );
    }
    for (const c of cases) {
      const res = await ctx.app.inject({ method: c.method, url: c.url, headers: { cookie }, payload: c.payload as never });
      expect({ url: c.url, status: res.statusCode }).toEqual({ url: c.url, status: 400 });
      const body = res.json();
      expect(body.code).toBe('request.invalid');
      expect(body.details.issues).toEqual([{ field: c.field, message: expect.stringMatching(/NUL|surrogate/) }]);
    }
  });

  it('an unknown object key holding NUL is refused too, and a clean request still works', async () => {
    const cookie = await org.cookie('owner');
    const res = await ctx.app.inject({ method: 'POST', url: '/api/brands', headers: { cookie }, payload: { ['na\u0000me']: 'x' } });
    expect(res.statusCode).toBe(400);
    const ok = await ctx.app.inject({ method: 'POST', url: '/api/brands', headers: { cookie }, payload: { name: 'Ünïcødé 品牌 😀' } });
    expect(ok.statusCode).toBe(201);
  });
});
