/**
 * The access table is the role rule of every route. This proves, for every route and every role,
 * that the table and the server agree: a refused role gets 403 `auth.role_forbidden` before its
 * body is even validated, an allowed role is never refused on its role (not by the table, not by
 * the service behind it), and no session gets 401.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ACCESS, type Access } from '../../src/app/access.js';
import { ROLES, type Role } from '../../src/platform/tenancy.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg, loginCookie, type TestOrg } from '../helpers/org.js';

let ctx: TestContext;
let org: TestOrg;
const cookies = new Map<Role, string>();
beforeAll(async () => {
  ctx = await createTestContext();
  org = await createTestOrg(ctx, { market: 'US' });
  for (const r of ROLES) cookies.set(r, await org.cookie(r));
});
afterAll(async () => {
  await ctx?.close();
});

function specRoutes(): string[] {
  const spec = ctx.app.swagger() as { paths: Record<string, Record<string, unknown>> };
  const out: string[] = [];
  for (const [p, ops] of Object.entries(spec.paths)) for (const m of Object.keys(ops)) out.push(`${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`);
  return out.sort();
}

function urlOf(path: string, params: Record<string, string> = {}): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => params[name] ?? (name === 'sha256' ? 'a'.repeat(64) : name === 'step' ? 'refund' : 'nope_00000000000000000000000000'));
}

async function call(key: string, role: Role | null, params: Record<string, string> = {}) {
  const [method, path] = key.split(' ') as [string, string];
  const hasBody = method !== 'GET' && method !== 'DELETE';
  // Signing out ends the session it is sent with: use a throwaway one.
  const cookie = role ? (key === 'POST /api/auth/logout' ? await loginCookie(ctx, org.users[role].email) : cookies.get(role)!) : null;
  return ctx.app.inject({
    method: method as 'GET',
    url: urlOf(path, params),
    headers: { ...(cookie ? { cookie } : {}), ...(hasBody ? { 'content-type': 'application/json' } : {}) },
    ...(hasBody ? { payload: '{}' } : {}),
  });
}

function allowed(access: Access, role: Role): boolean {
  if (typeof access === 'string') return true;
  return access.roles.includes(role);
}

describe('the access table', () => {
  it('names every route of the API, and only those', () => {
    expect(Object.keys(ROUTE_ACCESS).sort()).toEqual(specRoutes());
  });

  it('a route without a rule stops the server from booting', async () => {
    const Fastify = (await import('fastify')).default;
    const { registerAccess } = await import('../../src/app/access.js');
    const app = Fastify();
    registerAccess(app as never, { 'GET /api/known': 'signed_in' });
    app.get('/api/known', async () => ({}));
    expect(() => app.get('/api/unknown', async () => ({}))).toThrow('Route GET /api/unknown has no access rule in src/app/access.ts');
    await app.close();
  });

  const keys = Object.keys(ROUTE_ACCESS).sort();
  for (const key of keys) {
    const access = ROUTE_ACCESS[key]!;
    it(`${key}: ${typeof access === 'string' ? access : access.roles.join(', ')}`, async () => {
      const anon = await call(key, null);
      if (access === 'public' || access === 'webhook') {
        expect(anon.statusCode).not.toBe(403);
        if (access === 'webhook') expect(anon.statusCode).toBe(401); // no signature
        return;
      }
      expect(anon.statusCode).toBe(401);
      for (const role of ROLES) {
        const res = await call(key, role);
        const body = (res.body && res.headers['content-type']?.toString().includes('json') ? res.json() : {}) as { code?: string };
        if (allowed(access, role)) {
          // Past the role rule: the session is known and no layer refused the role.
          expect({ role, status: res.statusCode }).not.toEqual({ role, status: 401 });
          expect({ role, code: body.code }).not.toEqual({ role, code: 'auth.role_forbidden' });
        } else {
          expect({ role, status: res.statusCode, code: body.code }).toEqual({ role, status: 403, code: 'auth.role_forbidden' });
        }
      }
    });
  }

  it('a person reaches their own record where the rule allows it, and no one else\'s', async () => {
    const agentId = org.users.agent.id;
    expect((await call('GET /api/users/:id', 'agent', { id: agentId })).statusCode).toBe(200);
    expect((await call('GET /api/users/:id', 'agent', { id: org.users.supervisor.id })).statusCode).toBe(403);
    const put = (id: string) =>
      ctx.app.inject({ method: 'PUT', url: `/api/helpdesk/agents/${id}/schedule`, headers: { cookie: cookies.get('agent')! }, payload: { timeZone: 'America/New_York', hours: { mon: [{ start: '09:00', end: '17:00' }] } } });
    expect((await put(agentId)).statusCode).not.toBe(403);
    expect((await put(org.users.supervisor.id)).json()).toMatchObject({ code: 'auth.role_forbidden' });
  });
});
