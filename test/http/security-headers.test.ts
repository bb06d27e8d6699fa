import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const directives = (csp: string) => Object.fromEntries(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => [d.split(/\s+/)[0], d.split(/\s+/).slice(1).join(' ')]));

describe('security headers', () => {
  it('the API and the web UI routes carry CSP, frame protection, nosniff and a Referrer-Policy', async () => {
    for (const url of ['/healthz', '/api/auth/me', '/inbox', '/no-such-asset.js']) {
      const res = await ctx.app.inject({ method: 'GET', url });
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['referrer-policy'], url).toBe('same-origin');
      const csp = directives(String(res.headers['content-security-policy']));
      expect(csp, url).toMatchObject({
        'default-src': "'self'",
        'script-src': "'self'",
        'script-src-attr': "'none'",
        'object-src': "'none'",
        'frame-ancestors': "'none'",
        'connect-src': "'self'",
      });
      // Plain http here: no https upgrade, no HSTS.
      expect(csp, url).not.toHaveProperty('upgrade-insecure-requests');
      expect(res.headers['strict-transport-security'], url).toBeUndefined();
    }
  });

  it('the webhook receivers (server to server) send no browser security headers; a 404 next to them does', async () => {
    const tiktok = await ctx.app.inject({ method: 'POST', url: '/webhooks/tiktok', headers: { 'content-type': 'application/json', authorization: 'bad' }, payload: '{}' });
    const whatsapp = await ctx.app.inject({ method: 'GET', url: '/webhooks/whatsapp/no-such-number?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1' });
    for (const [name, res] of [['tiktok', tiktok], ['whatsapp', whatsapp]] as const) {
      expect(res.statusCode, name).toBeGreaterThanOrEqual(400);
      expect(res.headers['content-security-policy'], name).toBeUndefined();
      expect(res.headers['x-frame-options'], name).toBeUndefined();
      expect(res.headers['x-content-type-options'], name).toBeUndefined();
    }
    const missing = await ctx.app.inject({ method: 'GET', url: '/api/no-such-route' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['x-frame-options']).toBe('DENY');
  });

  it('/docs keeps Swagger UI’s own policy but may not be framed either', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    const csp = directives(String(res.headers['content-security-policy']));
    expect(csp['frame-ancestors']).toBe("'none'");
    expect(csp['img-src']).toContain('data:');
    expect(csp['script-src']).not.toContain('unsafe-inline');
    expect(csp['style-src']).toBe("'self' 'unsafe-inline'");
    expect(csp).not.toHaveProperty('upgrade-insecure-requests');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('an https PUBLIC_URL adds HSTS and the https upgrade', async () => {
    const https = await createTestContext({ env: { PUBLIC_URL: 'https://desk.example.com' } });
    try {
      const res = await https.app.inject({ method: 'GET', url: '/healthz' });
      expect(res.headers['strict-transport-security']).toBe('max-age=15552000');
      expect(String(res.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
      const docs = await https.app.inject({ method: 'GET', url: '/docs' });
      expect(String(docs.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
    } finally {
      await https.close();
    }
  });
});
