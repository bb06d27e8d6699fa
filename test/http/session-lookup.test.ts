import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { addBrand, brandScopedUser, createTestOrg, loginCookie, type TestOrg } from '../helpers/org.js';

// The session lookup is one statement (afterdesk_session_auth, migration 0214, after 0211's
// afterdesk_session_user); what the old system transaction decided must still hold: expiry, the
// once-a-minute touch, the actor — and, since 0214, the session's restriction (forced password
// change, two-factor required and not enrolled) comes from the same statement, so the account
// guard runs no query of its own.
const clock = new ManualClock('2026-03-02T09:00:00Z');
let ctx: TestContext;
let org: TestOrg;
let admin: pg.Client;
beforeAll(async () => {
  ctx = await createTestContext({ clock });
  org = await createTestOrg(ctx);
  admin = new pg.Client({ connectionString: ctx.platform.adminUrl });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await ctx?.close();
});

const lastSeen = async (orgId: string) =>
  ((await admin.query('select last_seen_at from sessions where org_id = $1 order by created_at desc limit 1', [orgId])).rows[0] as { last_seen_at: Date }).last_seen_at.toISOString();

describe('session lookup by token', () => {
  it('signs the request in as the session’s user, touches the session at most once a minute, and refuses it once expired', async () => {
    const cookie = await org.cookie('agent');
    const me = await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json().user).toMatchObject({ id: org.users.agent.id, role: 'agent', active: true, createdAt: '2026-03-02T09:00:00.000Z' });
    const first = await lastSeen(org.orgId);

    clock.advance(30_000);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
    expect(await lastSeen(org.orgId)).toBe(first);

    clock.advance(61_000);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
    expect(await lastSeen(org.orgId)).toBe(clock.now().toISOString());

    clock.advance(15 * 24 * 3600_000);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it("carries the person's name read with the session: a reply is authored under it, and a rename shows on the next request", async () => {
    const o = await createTestOrg(ctx);
    const { ticketId } = await ctx.services.helpdesk.ingestInbound({
      orgId: o.orgId,
      shopId: o.shopId,
      channel: 'tiktok_chat',
      externalThreadId: 'sl-name-thread',
      externalMessageId: 'sl-name-msg',
      buyer: { externalId: 'sl-name-buyer' },
      direction: 'inbound',
      text: 'Is my order on its way?',
      sentAt: clock.now().toISOString(),
    });
    const cookie = await o.cookie('agent');
    const reply = async (text: string) => {
      const r = await ctx.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/reply`, headers: { cookie }, payload: { text } });
      expect(r.statusCode).toBe(201);
      return r.json().message.author as { type: string; id: string; name: string };
    };
    const agentName = (await admin.query('select name from users where org_id = $1 and id = $2', [o.orgId, o.users.agent.id])).rows[0].name as string;
    expect(await reply('On its way, tracking follows.')).toEqual({ type: 'user', id: o.users.agent.id, name: agentName });
    const renamed = await ctx.app.inject({ method: 'PATCH', url: '/api/account', headers: { cookie }, payload: { name: 'Renate Umbenannt' } });
    expect(renamed.statusCode).toBe(200);
    expect(await reply('Here is the tracking link.')).toEqual({ type: 'user', id: o.users.agent.id, name: 'Renate Umbenannt' });
    const stored = await admin.query('select author_name from ticket_messages where org_id = $1 and ticket_id = $2 and direction = $3 order by sent_at, id', [o.orgId, ticketId, 'outbound']);
    expect(stored.rows.map((r) => r.author_name)).toEqual([agentName, 'Renate Umbenannt']);
  });

  it('an unknown token signs nobody in', async () => {
    expect((await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: 'afterdesk_session=not-a-token' } })).statusCode).toBe(401);
  });

  it('answers the restriction with the session: the guard asks no second query, and every rule still holds', async () => {
    const other = await createTestOrg(ctx);
    const spy = vi.spyOn(ctx.services.account, 'restrictionOf');
    try {
      const setSecurity = async (sql: string, params: unknown[]) => admin.query(sql, params);
      const agent = await other.cookie('agent');
      const owner = await other.cookie('owner');
      // No security rows at all: not restricted.
      expect((await ctx.app.inject({ method: 'GET', url: '/api/tickets', headers: { cookie: agent } })).statusCode).toBe(200);

      // The organisation requires two-factor sign-in; the agent has not enrolled, the owner has.
      await setSecurity(`insert into org_security (org_id, require_two_factor, updated_at) values ($1, true, now())`, [other.orgId]);
      await setSecurity(`insert into user_security (org_id, user_id, totp_enabled_at, recovery_code_hashes, must_change_password, updated_at) values ($1, $2, now(), '{}', false, now())`, [other.orgId, other.users.owner.id]);
      const blocked = await ctx.app.inject({ method: 'GET', url: '/api/tickets', headers: { cookie: agent } });
      expect(blocked.statusCode).toBe(403);
      expect(blocked.json().code).toBe('auth.two_factor_required');
      // What a restricted session may still do, it may.
      expect((await ctx.app.inject({ method: 'GET', url: '/api/account', headers: { cookie: agent } })).statusCode).toBe(200);
      expect((await ctx.app.inject({ method: 'GET', url: '/api/tickets', headers: { cookie: owner } })).statusCode).toBe(200);

      // A forced password change wins over everything else, also for an enrolled person.
      await setSecurity(`update user_security set must_change_password = true where org_id = $1 and user_id = $2`, [other.orgId, other.users.owner.id]);
      const forced = await ctx.app.inject({ method: 'GET', url: '/api/tickets', headers: { cookie: owner } });
      expect(forced.statusCode).toBe(403);
      expect(forced.json().code).toBe('auth.password_change_required');

      // Another organisation's rule does not reach this one's sessions.
      expect((await ctx.app.inject({ method: 'GET', url: '/api/tickets', headers: { cookie: await loginCookie(ctx, org.users.agent.email) } })).statusCode).toBe(200);

      // The rule lifted: the very next request is free again (nothing is cached between requests).
      await setSecurity(`update org_security set require_two_factor = false where org_id = $1`, [other.orgId]);
      expect((await ctx.app.inject({ method: 'GET', url: '/api/tickets', headers: { cookie: agent } })).statusCode).toBe(200);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('a brand-limited session still carries its brands\' shops only', async () => {
    const { brandId, shopId } = await addBrand(ctx, org);
    const limited = await brandScopedUser(ctx, org, 'agent', [brandId]);
    const hit = await ctx.services.auth.authenticate(decodeURIComponent(limited.cookie.split('=')[1]!.split(';')[0]!));
    expect(hit).toMatchObject({ actor: { orgId: org.orgId, userId: limited.id, role: 'agent' }, shopScope: [shopId], restriction: null });
  });

  // Migration 0215: the lookup keeps its plan between calls (PL/pgSQL, plan_cache_mode=auto for this
  // function alone) and still runs with the owner's rights on a fixed search path.
  it('is a PL/pgSQL function with its own plan_cache_mode and a fixed search path, callable by the app role only', async () => {
    const r = await admin.query(
      `select l.lanname, p.prosecdef, p.proconfig, has_function_privilege('afterdesk_app', p.oid, 'execute') as app, has_function_privilege('public', p.oid, 'execute') as everyone
         from pg_proc p join pg_language l on l.oid = p.prolang where p.proname = 'afterdesk_session_auth'`,
    );
    expect(r.rows).toEqual([{ lanname: 'plpgsql', prosecdef: true, proconfig: ['search_path=pg_catalog, public', 'plan_cache_mode=auto'], app: true, everyone: false }]);
    // A dozen lookups in a row (the plan is reused from the sixth) answer as the first did.
    const cookie = await org.cookie('supervisor');
    for (let i = 0; i < 12; i++) {
      const me = await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
      expect(me.json().user).toMatchObject({ id: org.users.supervisor.id, role: 'supervisor' });
    }
  });
});
