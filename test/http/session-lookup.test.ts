import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg, type TestOrg } from '../helpers/org.js';

// The session lookup is one statement (afterdesk_session_user, migration 0211); what the old
// system transaction decided must still hold: expiry, the once-a-minute touch, the actor.
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

  it('an unknown token signs nobody in', async () => {
    expect((await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: 'afterdesk_session=not-a-token' } })).statusCode).toBe(401);
  });
});
