import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg, type TestOrg } from '../helpers/org.js';

// Requests here are built by hand, as a browser would send them: the shared helper's UI header is off.
let ctx: TestContext;
let org: TestOrg;
const UI = 'http://desk.example.test:3000';
beforeAll(async () => {
  ctx = await createTestContext({ env: { PUBLIC_URL: UI }, uiHeader: false });
  org = await createTestOrg(ctx);
});
afterAll(async () => {
  await ctx?.close();
});

function multipart(bytes: Buffer) {
  const boundary = '----afterdeskcsrf';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, type: `multipart/form-data; boundary=${boundary}` };
}

const me = async (cookie: string) => (await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode;

describe('state-changing requests must come from our UI', () => {
  it('a form on another port of the same host cannot sign the user out or mark a return refunded', async () => {
    const cookie = await org.cookie('owner');
    const sameSite = { cookie, origin: 'http://desk.example.test:8081', 'sec-fetch-site': 'same-site', 'content-type': 'application/x-www-form-urlencoded' };
    const logout = await ctx.app.inject({ method: 'POST', url: '/api/auth/logout', headers: sameSite, payload: '' });
    expect(logout.statusCode).toBe(403);
    expect(logout.json()).toMatchObject({ code: 'request.cross_site' });
    expect(await me(cookie)).toBe(200);
    const refunded = await ctx.app.inject({ method: 'POST', url: '/api/returns/ret_01NOPE/platform-refunded', headers: sameSite, payload: '' });
    expect(refunded.statusCode).toBe(403);
    expect(refunded.json().code).toBe('request.cross_site');
  });

  it('a body-less POST, a text/plain body or a multipart upload without the UI header is refused even with no Origin at all', async () => {
    const cookie = await org.cookie('owner');
    const bare = await ctx.app.inject({ method: 'POST', url: '/api/returns/ret_01NOPE/platform-refunded', headers: { cookie } });
    expect(bare.statusCode).toBe(403);
    const plain = await ctx.app.inject({ method: 'POST', url: '/api/brands', headers: { cookie, 'content-type': 'text/plain' }, payload: '{"name":"Forged"}' });
    expect(plain.statusCode).toBe(403);
    const m = multipart(Buffer.from('hello'));
    const upload = await ctx.app.inject({ method: 'POST', url: '/api/evidence/files', headers: { cookie, 'content-type': m.type }, payload: m.payload });
    expect(upload.statusCode).toBe(403);
    expect(upload.json().code).toBe('request.cross_site');
  });

  it('our UI passes: JSON or the X-Requested-With header, from the PUBLIC_URL origin', async () => {
    const cookie = await org.cookie('owner');
    const json = await ctx.app.inject({ method: 'POST', url: '/api/brands', headers: { cookie, origin: UI, 'sec-fetch-site': 'same-origin' }, payload: { name: `Ours ${Date.now()}` } });
    expect(json.statusCode).toBe(201);
    const m = multipart(Buffer.from('hello'));
    const upload = await ctx.app.inject({ method: 'POST', url: '/api/evidence/files', headers: { cookie, origin: UI, 'sec-fetch-site': 'same-origin', 'x-requested-with': 'afterdesk', 'content-type': m.type }, payload: m.payload });
    expect(upload.statusCode).not.toBe(403);
    // API clients without a browser send neither Origin nor Sec-Fetch-Site.
    const cli = await ctx.app.inject({ method: 'POST', url: '/api/returns/ret_01NOPE/platform-refunded', headers: { cookie, 'x-requested-with': 'afterdesk' } });
    expect(cli.statusCode).toBe(404);
    const own = await createTestOrg(ctx);
    const ownCookie = await own.cookie('agent');
    const logout = await ctx.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: ownCookie, origin: UI, 'x-requested-with': 'afterdesk' } });
    expect(logout.statusCode).toBe(204);
  });

  it('the header does not help a foreign or opaque origin', async () => {
    const cookie = await org.cookie('owner');
    for (const origin of ['http://evil.example', 'null', 'http://desk.example.test:8081', 'https://desk.example.test:3000']) {
      const r = await ctx.app.inject({ method: 'POST', url: '/api/brands', headers: { cookie, origin, 'x-requested-with': 'afterdesk' }, payload: { name: 'Forged' } });
      expect({ origin, status: r.statusCode }).toEqual({ origin, status: 403 });
    }
    const crossSite = await ctx.app.inject({ method: 'POST', url: '/api/brands', headers: { cookie, 'sec-fetch-site': 'cross-site', 'x-requested-with': 'afterdesk' }, payload: { name: 'Forged' } });
    expect(crossSite.statusCode).toBe(403);
  });

  it('reads and signed webhooks are not checked', async () => {
    const cookie = await org.cookie('owner');
    expect((await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } })).statusCode).toBe(200);
    const hook = await ctx.app.inject({ method: 'POST', url: '/webhooks/tiktok', headers: { 'content-type': 'application/json', authorization: 'bad' }, payload: '{}' });
    expect(hook.statusCode).toBe(401);
  });
});

describe('without PUBLIC_URL the request’s own host is the expected origin', () => {
  it('accepts the same host and port, refuses another port', async () => {
    const local = await createTestContext({ uiHeader: false });
    try {
      const o = await createTestOrg(local);
      const cookie = await o.cookie('owner');
      const post = (origin: string) => local.app.inject({ method: 'POST', url: '/api/brands', headers: { cookie, host: '127.0.0.1:4100', origin }, payload: { name: `B ${origin} ${Date.now()}` } });
      expect((await post('http://127.0.0.1:4100')).statusCode).toBe(201);
      expect((await post('http://127.0.0.1:4101')).statusCode).toBe(403);
    } finally {
      await local.close();
    }
  });
});
