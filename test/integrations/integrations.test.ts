import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ACCESS } from '../../src/app/access.js';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { requiredScope, TOKEN_SCOPES, verifyWebhookSignature } from '../../src/modules/integrations/index.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg, type TestOrg } from '../helpers/org.js';
import { seedOrder, seedTicket } from '../helpers/returns.js';

const clock = new ManualClock(Date.parse('2026-05-04T08:00:00Z'));
const UI = 'http://desk.example.test:3000';
let ctx: TestContext;
let receiver: http.Server;
let port: number;
/** What the local receiver got; `answer` decides its status code. */
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
let answer = 200;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(answer).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  port = (receiver.address() as AddressInfo).port;
  // Requests are built by hand here (no UI header), as a script would send them.
  ctx = await createTestContext({ clock, uiHeader: false, env: { PUBLIC_URL: UI, OUTBOUND_ALLOW: `127.0.0.1:${port}` }, overrides: { webhookAutoDisableAfter: 3 } });
  await registerModuleWorkers(ctx.platform, ctx.services);
});
afterAll(async () => {
  await ctx?.close();
  await new Promise((r) => receiver?.close(r));
});

const json = { 'content-type': 'application/json' };
async function ownerCall(org: TestOrg, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
  return ctx.app.inject({ method, url, headers: { cookie: await org.cookie('owner'), ...json, origin: UI }, ...(payload !== undefined ? { payload: payload as object } : method === 'GET' || method === 'DELETE' ? {} : { payload: {} }) });
}
async function newToken(org: TestOrg, scopes: string[], expiresAt?: string): Promise<{ token: string; id: string; prefix: string }> {
  const res = await ownerCall(org, 'POST', '/api/integrations/tokens', { name: `script ${scopes.join(' ')}`, scopes, ...(expiresAt ? { expiresAt } : {}) });
  expect(res.statusCode).toBe(201);
  return { token: res.json().token, id: res.json().item.id, prefix: res.json().item.prefix };
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('API tokens', () => {
  it('shown once, stored as a hash, listed by prefix; a bearer request needs no cookie', async () => {
    const org = await createTestOrg(ctx);
    const { token, prefix } = await newToken(org, ['tickets:read']);
    expect(token.startsWith(`${prefix}_`)).toBe(true);
    const list = await ownerCall(org, 'GET', '/api/integrations/tokens');
    expect(list.body).not.toContain(token);
    expect(list.json().items[0]).toMatchObject({ prefix, scopes: ['tickets:read'], status: 'active', lastUsedAt: null });
    const rows = await ctx.platform.db.system((tx) => tx.execute(`select token_hash from api_tokens where org_id = '${org.orgId}'`));
    expect(JSON.stringify(rows.rows)).not.toContain(token.slice(prefix.length + 1));

    const res = await ctx.app.inject({ method: 'GET', url: '/api/tickets', headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    expect((await ownerCall(org, 'GET', '/api/integrations/tokens')).json().items[0].lastUsedAt).toBe(clock.now().toISOString());
  });

  it('every route outside the scopes answers 403 auth.token_scope; inside them the token acts', async () => {
    const org = await createTestOrg(ctx);
    const { token } = await newToken(org, ['tickets:read', 'sla:read']);
    const refused: string[] = [];
    const allowed: string[] = [];
    for (const key of Object.keys(ROUTE_ACCESS).filter((k) => k.includes(' /api/'))) {
      const [method, path] = key.split(' ') as [string, string];
      const url = path.replace(/:(\w+)/g, (_m, n: string) => (n === 'sha256' ? 'a'.repeat(64) : n === 'step' ? 'refund' : 'nope_00000000000000000000000000'));
      const hasBody = method !== 'GET' && method !== 'DELETE';
      const res = await ctx.app.inject({ method: method as 'GET', url, headers: { ...bearer(token), ...(hasBody ? json : {}) }, ...(hasBody ? { payload: '{}' } : {}) });
      const scope = requiredScope(method, path);
      if (scope === 'tickets:read' || scope === 'sla:read') {
        // Inside its scopes the token is never refused for its scope (the supervisor role may still be, on owner-only routes).
        expect(res.json().code, key).not.toBe('auth.token_scope');
        if (res.statusCode !== 403) allowed.push(key);
      } else {
        expect(res.statusCode, key).toBe(403);
        expect(res.json().code, key).toBe('auth.token_scope');
        refused.push(key);
      }
    }
    expect(allowed).toContain('GET /api/tickets');
    expect(allowed).toContain('GET /api/sla/policies');
    for (const k of ['GET /api/auth/me', 'POST /api/tickets/:id/reply', 'GET /api/returns', 'GET /api/integrations/tokens', 'POST /api/users', 'GET /api/audit']) expect(refused).toContain(k);
    expect(TOKEN_SCOPES).toContain('returns:write');
  });

  it('writes inside a write scope, acting as the token', async () => {
    const org = await createTestOrg(ctx);
    const { token } = await newToken(org, ['sla:read', 'tickets:write']);
    // No X-Requested-With, no Origin: a script. The CSRF rule does not apply to bearer requests.
    const res = await ctx.app.inject({ method: 'POST', url: '/api/tickets/bulk', headers: { ...bearer(token), ...json }, payload: { ticketIds: [], action: { type: 'status', status: 'solved' } } });
    expect(res.json().code).not.toBe('request.cross_site');
    expect(res.json().code).not.toBe('auth.token_scope');
  });

  it('revoked and expired tokens answer 401; a bad bearer never falls back to the cookie', async () => {
    const org = await createTestOrg(ctx);
    const { token, id } = await newToken(org, ['tickets:read']);
    const short = await newToken(org, ['tickets:read'], new Date(clock.now().getTime() + 3600_000).toISOString());
    expect((await ctx.app.inject({ method: 'GET', url: '/api/tickets', headers: bearer(short.token) })).statusCode).toBe(200);
    expect((await ownerCall(org, 'POST', `/api/integrations/tokens/${id}/revoke`)).json().status).toBe('revoked');
    const revoked = await ctx.app.inject({ method: 'GET', url: '/api/tickets', headers: bearer(token) });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().code).toBe('auth.bad_token');
    clock.advance(3601_000);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/tickets', headers: bearer(short.token) })).statusCode).toBe(401);
    // A valid owner cookie beside a dead token: still 401, the cookie is not read.
    const mixed = await ctx.app.inject({ method: 'GET', url: '/api/tickets', headers: { ...bearer(token), cookie: await org.cookie('owner') } });
    expect(mixed.statusCode).toBe(401);
    const past = await ownerCall(org, 'POST', '/api/integrations/tokens', { name: 'old', scopes: ['tickets:read'], expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.json()).toMatchObject({ code: 'integrations.expiry_past', details: { issues: [{ field: 'expiresAt' }] } });
  });

  it('the CSRF exemption holds only for bearer requests', async () => {
    const org = await createTestOrg(ctx);
    const { token } = await newToken(org, ['tickets:write']);
    const form = { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' };
    const withCookie = await ctx.app.inject({ method: 'POST', url: '/api/tickets/bulk', headers: { ...form, cookie: await org.cookie('owner') }, payload: 'a=b' });
    expect(withCookie.statusCode).toBe(403);
    expect(withCookie.json().code).toBe('request.cross_site');
    const withBearer = await ctx.app.inject({ method: 'POST', url: '/api/tickets/bulk', headers: { ...form, ...bearer(token) }, payload: 'a=b' });
    expect(withBearer.json().code).not.toBe('request.cross_site');
    // "Bearer" with nothing after it is no token: the request gets no exemption.
    const empty = await ctx.app.inject({ method: 'POST', url: '/api/tickets/bulk', headers: { ...form, authorization: 'Bearer ', cookie: await org.cookie('owner') }, payload: 'a=b' });
    expect(empty.json().code).toBe('request.cross_site');
  });

  it('only owners manage tokens; the audit log names the token', async () => {
    const org = await createTestOrg(ctx);
    const sup = await ctx.app.inject({ method: 'POST', url: '/api/integrations/tokens', headers: { cookie: await org.cookie('supervisor'), ...json }, payload: { name: 'x', scopes: ['tickets:read'] } });
    expect(sup.statusCode).toBe(403);
    const { id } = await newToken(org, ['orders:read']);
    const audit = (await ownerCall(org, 'GET', '/api/audit?action=integrations.token_created')).json().items;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ subjectId: id, actorId: org.users.owner.id });
    expect(audit[0].changes).toContainEqual({ path: 'scopes', before: null, after: ['orders:read'] });
  });
});

describe('outgoing webhooks', () => {
  const url = () => `http://127.0.0.1:${port}/hook`;

  it('internal addresses are refused unless the outbound allow list names them', async () => {
    const org = await createTestOrg(ctx);
    const res = await ownerCall(org, 'POST', '/api/integrations/webhooks', { url: 'http://127.0.0.1:1/hook', events: ['remedy.completed'] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'integrations.url_refused', details: { issues: [{ field: 'url' }] } });
    const meta = await ownerCall(org, 'POST', '/api/integrations/webhooks', { url: 'http://169.254.169.254/latest', events: ['remedy.completed'] });
    expect(meta.json().code).toBe('integrations.url_refused');
  });

  it('delivers signed events once per endpoint and event, logs each attempt, and test-sends', async () => {
    const org = await createTestOrg(ctx);
    const created = await ownerCall(org, 'POST', '/api/integrations/webhooks', { url: url(), events: ['remedy.completed', 'sla.breached'], description: 'chat alerts' });
    expect(created.statusCode).toBe(201);
    const { secret, item } = created.json();
    expect(secret).toMatch(/^whsec_/);
    expect((await ownerCall(org, 'GET', '/api/integrations/webhooks')).body).not.toContain(secret);
    const other = await ownerCall(org, 'POST', '/api/integrations/webhooks', { url: url(), events: ['sla.breached'] });
    expect(other.statusCode).toBe(201);

    received.length = 0;
    answer = 200;
    const event = { orgId: org.orgId, type: 'remedy.completed' as const, key: `remedy.completed:rem_test_${org.orgId}`, data: { remedyId: 'rem_x', refundAmount: 1250, currency: 'EUR' } };
    expect(await ctx.services.integrations.emitNow(event)).toBe(1);
    expect(await ctx.services.integrations.emitNow(event)).toBe(1);
    await ctx.platform.dispatcher.drain(10, org.orgId);
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.headers['afterdesk-event']).toBe('remedy.completed');
    expect(verifyWebhookSignature(secret, String(got.headers['afterdesk-signature']), got.body, Math.floor(clock.now().getTime() / 1000))).toBe(true);
    expect(verifyWebhookSignature(secret, String(got.headers['afterdesk-signature']), got.body.replace('1250', '9999'), Math.floor(clock.now().getTime() / 1000))).toBe(false);
    expect(JSON.parse(got.body)).toMatchObject({ type: 'remedy.completed', id: expect.stringMatching(/^evt_/), data: { refundAmount: 1250 } });

    const test = await ownerCall(org, 'POST', `/api/integrations/webhooks/${item.id}/test`);
    expect(test.statusCode).toBe(202);
    await ctx.platform.dispatcher.drain(10, org.orgId);
    expect(received.map((r) => r.headers['afterdesk-event'])).toEqual(['remedy.completed', 'webhook.test']);
    const log = (await ownerCall(org, 'GET', `/api/integrations/webhooks/${item.id}/deliveries`)).json().items;
    expect(log.map((d: { eventType: string; ok: boolean; httpStatus: number }) => [d.eventType, d.ok, d.httpStatus])).toEqual([
      ['webhook.test', true, 200],
      ['remedy.completed', true, 200],
    ]);
  });

  it('a new ticket is an event, queued in the transaction that opens it', async () => {
    const org = await createTestOrg(ctx);
    const { secret } = (await ownerCall(org, 'POST', '/api/integrations/webhooks', { url: url(), events: ['ticket.created'] })).json();
    received.length = 0;
    answer = 200;
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 1500 }] });
    const ticketId = await seedTicket(ctx, org, order.orderId, 'Wo bleibt mein Paket?');
    await ctx.platform.dispatcher.drain(10, org.orgId);
    expect(received).toHaveLength(1);
    const body = JSON.parse(received[0]!.body);
    expect(body).toMatchObject({ type: 'ticket.created', data: { ticketId, shopId: org.shopId, channel: 'email', orderId: order.orderId } });
    expect(received[0]!.body).not.toContain('Paket');
    expect(received[0]!.body).not.toContain('Anna');
    expect(verifyWebhookSignature(secret, String(received[0]!.headers['afterdesk-signature']), received[0]!.body, Math.floor(clock.now().getTime() / 1000))).toBe(true);
  });

  it('retries failures with backoff through the outbox, then turns the endpoint off with a notice', async () => {
    const org = await createTestOrg(ctx);
    const { item } = (await ownerCall(org, 'POST', '/api/integrations/webhooks', { url: url(), events: ['sla.breached'] })).json();
    received.length = 0;
    answer = 500;
    await ctx.services.integrations.emitNow({ orgId: org.orgId, type: 'sla.breached', key: `sla.breached:clk_${org.orgId}`, data: { ticketId: 'tkt_x' } });
    const first = await ctx.platform.dispatcher.drain(10, org.orgId);
    expect(first).toMatchObject({ claimed: 1, retried: 1 });
    // Not due again before its backoff.
    expect((await ctx.platform.dispatcher.drain(10, org.orgId)).claimed).toBe(0);
    for (let i = 0; i < 2; i++) {
      clock.advance(15 * 60_000);
      await ctx.platform.dispatcher.drain(10, org.orgId);
    }
    expect(received).toHaveLength(3);
    const ep = (await ownerCall(org, 'GET', '/api/integrations/webhooks')).json().items[0];
    expect(ep).toMatchObject({ id: item.id, active: false, consecutiveFailures: 3, disabledReason: expect.stringContaining('3 failed deliveries in a row (last: HTTP 500)') });
    const log = (await ownerCall(org, 'GET', `/api/integrations/webhooks/${item.id}/deliveries`)).json().items;
    expect(log.map((d: { attempt: number; ok: boolean }) => [d.attempt, d.ok])).toEqual([[3, false], [2, false], [1, false]]);
    const outbox = await ctx.platform.db.system((tx) => tx.execute(`select status from outbox where org_id = '${org.orgId}' and handler = 'webhooks.deliver'`));
    expect(outbox.rows).toEqual([{ status: 'failed' }]);
    expect((await ownerCall(org, 'GET', '/api/audit?action=integrations.webhook_auto_disabled')).json().items).toHaveLength(1);

    // No further events go to it until an owner turns it on again.
    answer = 200;
    expect(await ctx.services.integrations.emitNow({ orgId: org.orgId, type: 'sla.breached', key: `sla.breached:clk2_${org.orgId}`, data: {} })).toBe(0);
    const on = await ownerCall(org, 'PATCH', `/api/integrations/webhooks/${item.id}`, { active: true });
    expect(on.json()).toMatchObject({ active: true, consecutiveFailures: 0, disabledReason: null });
    expect(await ctx.services.integrations.emitNow({ orgId: org.orgId, type: 'sla.breached', key: `sla.breached:clk3_${org.orgId}`, data: {} })).toBe(1);
  });
});
