/**
 * Agencies: one login in several organisations (switching, leaving), invitations, brand-limited
 * people, and the agency overview — all through HTTP, as the web app uses them.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, addBrand, brandScopedUser, createTestOrg, loginCookie, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';
import { seedOrder, seedTicket } from '../helpers/returns.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

async function call(cookie: string | undefined, method: string, url: string, payload?: unknown) {
  const res = await ctx.app.inject({ method: method as 'GET', url, headers: cookie ? { cookie } : {}, ...(payload !== undefined ? { payload: payload as object } : {}) });
  return { status: res.statusCode, body: res.body ? res.json() : null, cookie: res.cookies.find((c) => c.name === 'afterdesk_session') };
}

/** A login that is a supervisor in `a` and owner of `b` (added to b as a membership of the same login). */
async function agencyLogin(a: TestOrg, b: TestOrg): Promise<{ email: string; cookie: string; idIn: Record<string, string> }> {
  const email = `agency.${crypto.randomBytes(4).toString('hex')}@test.afterdesk.dev`;
  const ua = await ctx.services.auth.createUserInOrg(a.orgId, { email, name: 'Ana Agency', password: TEST_PASSWORD, role: 'supervisor' });
  const ub = await ctx.services.auth.addMembership(b.orgId, email, { role: 'owner' });
  return { email, cookie: await loginCookie(ctx, email), idIn: { [a.orgId]: ua.id, [b.orgId]: ub.id } };
}

describe('memberships and switching', () => {
  it('one login works in two organisations, one at a time; a stranger organisation is a 404', async () => {
    const a = await createTestOrg(ctx);
    const b = await createTestOrg(ctx);
    const c = await createTestOrg(ctx);
    const ta = await seedTicket(ctx, a, (await seedOrder(ctx, a, { lines: [{ unitPrice: 1000 }] })).orderId, 'Ticket in A');
    const tb = await seedTicket(ctx, b, (await seedOrder(ctx, b, { lines: [{ unitPrice: 1000 }] })).orderId, 'Ticket in B');
    const ag = await agencyLogin(a, b);

    const orgs = await call(ag.cookie, 'GET', '/api/auth/organisations');
    expect(orgs.status).toBe(200);
    expect(orgs.body.items.map((o: { id: string; role: string; current: boolean }) => [o.id, o.role, o.current]).sort()).toEqual(
      [
        [a.orgId, 'supervisor', true],
        [b.orgId, 'owner', false],
      ].sort(),
    );
    // In A: A's ticket, not B's.
    expect((await call(ag.cookie, 'GET', '/api/tickets?view=all')).body.items.map((t: { id: string }) => t.id)).toEqual([ta]);
    expect((await call(ag.cookie, 'GET', `/api/tickets/${tb}`)).status).toBe(404);

    const sw = await call(ag.cookie, 'POST', '/api/auth/switch', { orgId: b.orgId });
    expect(sw.status).toBe(200);
    expect(sw.body.user).toMatchObject({ id: ag.idIn[b.orgId], role: 'owner' });
    expect((await call(ag.cookie, 'GET', '/api/auth/me')).body.user.id).toBe(ag.idIn[b.orgId]);
    expect((await call(ag.cookie, 'GET', '/api/tickets?view=all')).body.items.map((t: { id: string }) => t.id)).toEqual([tb]);
    expect((await call(ag.cookie, 'GET', `/api/tickets/${ta}`)).status).toBe(404);
    // Owner-only routes follow the role of the current membership.
    expect((await call(ag.cookie, 'GET', '/api/invitations')).status).toBe(200);

    // Not a member of C: the same answer as an organisation that exists nowhere.
    const stranger = await call(ag.cookie, 'POST', '/api/auth/switch', { orgId: c.orgId });
    const nowhere = await call(ag.cookie, 'POST', '/api/auth/switch', { orgId: 'org_01aaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(stranger.status).toBe(404);
    expect(JSON.stringify({ ...stranger.body, requestId: '' }).replaceAll(c.orgId, '<id>')).toEqual(JSON.stringify({ ...nowhere.body, requestId: '' }).replaceAll('org_01aaaaaaaaaaaaaaaaaaaaaaaa', '<id>'));
    // The next sign-in lands where the login worked last.
    const again = await loginCookie(ctx, ag.email);
    expect((await call(again, 'GET', '/api/auth/me')).body.user.id).toBe(ag.idIn[b.orgId]);
  });

  it("removing a membership ends that login's sessions there, not elsewhere", async () => {
    const a = await createTestOrg(ctx);
    const b = await createTestOrg(ctx);
    const ag = await agencyLogin(a, b);
    const inA = ag.cookie;
    const inB = await loginCookie(ctx, ag.email);
    await call(inB, 'POST', '/api/auth/switch', { orgId: b.orgId });
    // Back in A for the first session (login lands in B now, where it worked last).
    await call(inA, 'POST', '/api/auth/switch', { orgId: a.orgId });

    const removed = await call(await a.cookie('owner'), 'PATCH', `/api/users/${ag.idIn[a.orgId]}`, { active: false });
    expect(removed.status).toBe(200);
    expect((await call(inA, 'GET', '/api/auth/me')).status).toBe(401);
    expect((await call(inB, 'GET', '/api/auth/me')).status).toBe(200);
    expect((await call(inB, 'GET', '/api/auth/organisations')).body.items.map((o: { id: string }) => o.id)).toEqual([b.orgId]);
    expect((await call(inB, 'POST', '/api/auth/switch', { orgId: a.orgId })).status).toBe(404);
  });

  it("one organisation's owner cannot set the password of a login shared with another organisation", async () => {
    const a = await createTestOrg(ctx);
    const b = await createTestOrg(ctx);
    const ag = await agencyLogin(a, b);
    const r = await call(await a.cookie('owner'), 'PATCH', `/api/users/${ag.idIn[a.orgId]}`, { password: 'a brand new passphrase 42' });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('users.shared_login');
    // The password still works.
    await loginCookie(ctx, ag.email);
  });
});

describe('invitations', () => {
  it('a new person accepts once with a name and password; the link is single use', async () => {
    const a = await createTestOrg(ctx);
    const extra = await addBrand(ctx, a);
    const owner = await a.cookie('owner');
    const email = `new.${crypto.randomBytes(4).toString('hex')}@test.afterdesk.dev`;
    const made = await call(owner, 'POST', '/api/invitations', { email, role: 'agent', brandIds: [extra.brandId] });
    expect(made.status).toBe(201);
    expect(made.body.link).toMatch(/\/invite#[A-Za-z0-9_-]{43}$/);
    const token = made.body.token as string;
    expect(made.body.invitation).toMatchObject({ email, role: 'agent', brandIds: [extra.brandId], status: 'pending' });

    expect((await call(undefined, 'POST', '/api/invitations/preview', { token })).body).toEqual({ organisationName: expect.stringContaining('Test org'), email, role: 'agent', hasLogin: false });
    const weak = await call(undefined, 'POST', '/api/invitations/accept', { token, name: 'New Person', password: 'password12' });
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe('auth.weak_password');
    const noName = await call(undefined, 'POST', '/api/invitations/accept', { token, password: TEST_PASSWORD });
    expect(noName.status).toBe(400);

    const ok = await call(undefined, 'POST', '/api/invitations/accept', { token, name: 'New Person', password: TEST_PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ email, role: 'agent', brandIds: [extra.brandId] });
    const cookie = `afterdesk_session=${ok.cookie!.value}`;
    expect((await call(cookie, 'GET', '/api/shops')).body.items.map((s: { id: string }) => s.id)).toEqual([extra.shopId]);

    expect((await call(undefined, 'POST', '/api/invitations/accept', { token, name: 'Again', password: TEST_PASSWORD })).status).toBe(404);
    expect((await call(undefined, 'POST', '/api/invitations/preview', { token })).status).toBe(404);
    const listed = await call(owner, 'GET', '/api/invitations');
    expect(listed.body.items[0]).toMatchObject({ email, status: 'accepted' });
    // Stored as a hash only.
    const raw = await ctx.platform.db.system((tx) => tx.execute(`select token_hash from invitations where email = '${email}'` as never));
    expect(JSON.stringify(raw.rows)).not.toContain(token);
  });

  it('an e-mail with a login joins by giving its password; revoked and expired links are dead', async () => {
    const a = await createTestOrg(ctx);
    const b = await createTestOrg(ctx);
    const owner = await b.cookie('owner');
    const email = a.users.agent.email;
    const made = await call(owner, 'POST', '/api/invitations', { email, role: 'supervisor' });
    expect((await call(undefined, 'POST', '/api/invitations/preview', { token: made.body.token })).body.hasLogin).toBe(true);
    const wrong = await call(undefined, 'POST', '/api/invitations/accept', { token: made.body.token, password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    const ok = await call(undefined, 'POST', '/api/invitations/accept', { token: made.body.token, password: TEST_PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.body.user.role).toBe('supervisor');
    const cookie = `afterdesk_session=${ok.cookie!.value}`;
    expect((await call(cookie, 'GET', '/api/auth/organisations')).body.items.map((o: { id: string; current: boolean }) => [o.id, o.current]).sort()).toEqual(
      [
        [a.orgId, false],
        [b.orgId, true],
      ].sort(),
    );
    // Already a member: a second invitation is refused.
    expect((await call(owner, 'POST', '/api/invitations', { email, role: 'agent' })).body.code).toBe('invitations.already_member');

    const other = await call(owner, 'POST', '/api/invitations', { email: `later.${crypto.randomBytes(3).toString('hex')}@test.afterdesk.dev`, role: 'agent' });
    expect((await call(owner, 'POST', `/api/invitations/${other.body.invitation.id}/revoke`, {})).body.status).toBe('revoked');
    expect((await call(undefined, 'POST', '/api/invitations/accept', { token: other.body.token, name: 'X', password: TEST_PASSWORD })).status).toBe(404);
    expect((await call(await b.cookie('agent'), 'POST', '/api/invitations', { email: 'x@test.afterdesk.dev', role: 'agent' })).status).toBe(403);
    // An owner cannot be limited to brands.
    expect((await call(owner, 'POST', '/api/invitations', { email: 'y@test.afterdesk.dev', role: 'owner', brandIds: [b.brandId] })).body.code).toBe('users.owner_unscoped');
  });
});

describe('brand scope through HTTP', () => {
  it('a brand-limited agent sees only their brand: shops, brands, tickets, search, counts, orders', async () => {
    const org = await createTestOrg(ctx, { market: 'DE' });
    const b = await addBrand(ctx, org, { market: 'FR' });
    const orgB: TestOrg = { ...org, brandId: b.brandId, shopId: b.shopId };
    const oa = await seedOrder(ctx, org, { lines: [{ unitPrice: 1000 }] });
    const ob = await seedOrder(ctx, orgB, { lines: [{ unitPrice: 1000 }] });
    const ta = await seedTicket(ctx, org, oa.orderId, 'Zerkratztes Gehäuse leuchtturm');
    const tb = await seedTicket(ctx, orgB, ob.orderId, 'Boîtier rayé leuchtturm');
    const agent = await brandScopedUser(ctx, org, 'agent', [org.brandId]);

    const get = (url: string) => call(agent.cookie, 'GET', url);
    expect((await get('/api/shops')).body.items.map((s: { id: string }) => s.id)).toEqual([org.shopId]);
    expect((await get('/api/brands')).body.items.map((s: { id: string }) => s.id)).toEqual([org.brandId]);
    expect((await get('/api/tickets?view=all')).body.items.map((t: { id: string }) => t.id)).toEqual([ta]);
    expect((await get(`/api/tickets/${tb}`)).status).toBe(404);
    expect((await get(`/api/tickets/${ta}`)).status).toBe(200);
    expect((await get('/api/tickets/search?q=leuchtturm')).body.items.map((h: { ticket: { id: string } }) => h.ticket.id)).toEqual([ta]);
    expect((await get(`/api/orders/${ob.orderId}`)).status).toBe(404);
    expect((await get(`/api/orders/${oa.orderId}`)).status).toBe(200);
    const counts = (await get('/api/tickets/counts')).body;
    const all = (await call(await org.cookie('supervisor'), 'GET', '/api/tickets/counts')).body;
    expect(JSON.stringify(counts)).not.toEqual(JSON.stringify(all));
    // The unlimited supervisor sees both.
    expect((await call(await org.cookie('supervisor'), 'GET', '/api/tickets?view=all')).body.items.map((t: { id: string }) => t.id).sort()).toEqual([ta, tb].sort());
    // Writing into the other brand is refused like a missing ticket.
    expect((await call(agent.cookie, 'POST', `/api/tickets/${tb}/notes`, { text: 'peek' })).status).toBe(404);
  });

  it('the agency overview counts per organisation, each in its own scope, and only member organisations', async () => {
    const a = await createTestOrg(ctx);
    const b = await createTestOrg(ctx);
    const c = await createTestOrg(ctx);
    const extra = await addBrand(ctx, a);
    await seedTicket(ctx, a, (await seedOrder(ctx, a, { lines: [{ unitPrice: 1000 }] })).orderId, 'one');
    await seedTicket(ctx, { ...a, shopId: extra.shopId, brandId: extra.brandId }, (await seedOrder(ctx, { ...a, shopId: extra.shopId, brandId: extra.brandId }, { lines: [{ unitPrice: 1000 }] })).orderId, 'two');
    await seedTicket(ctx, b, (await seedOrder(ctx, b, { lines: [{ unitPrice: 1000 }] })).orderId, 'three');
    await seedTicket(ctx, c, (await seedOrder(ctx, c, { lines: [{ unitPrice: 1000 }] })).orderId, 'four');
    const email = `ov.${crypto.randomBytes(4).toString('hex')}@test.afterdesk.dev`;
    await ctx.services.auth.createUserInOrg(a.orgId, { email, name: 'Overview', password: TEST_PASSWORD, role: 'agent', brandIds: [a.brandId] });
    await ctx.services.auth.addMembership(b.orgId, email, { role: 'supervisor' });
    const cookie = await loginCookie(ctx, email);
    const r = await call(cookie, 'GET', '/api/agency/overview');
    expect(r.status).toBe(200);
    const byOrg = Object.fromEntries(r.body.items.map((i: { id: string }) => [i.id, i]));
    expect(Object.keys(byOrg).sort()).toEqual([a.orgId, b.orgId].sort());
    // In A the login is limited to one brand: one of A's two tickets.
    expect(byOrg[a.orgId]).toMatchObject({ openTickets: 1, brandLimited: true, role: 'agent', current: true });
    expect(byOrg[b.orgId]).toMatchObject({ openTickets: 1, brandLimited: false, role: 'supervisor', current: false, returnsWaiting: 0, approvalsWaiting: 0 });
    // The same counts from B's side: the request's own scope (A's brand limit) does not carry over.
    await call(cookie, 'POST', '/api/auth/switch', { orgId: b.orgId });
    const again = Object.fromEntries((await call(cookie, 'GET', '/api/agency/overview')).body.items.map((i: { id: string }) => [i.id, i]));
    expect(again[a.orgId].openTickets).toBe(1);
    expect(again[b.orgId].openTickets).toBe(1);
    // The service on its own agrees for an unscoped owner of A: two open tickets.
    const owner = actorFor(a, 'owner');
    expect((await ctx.services.helpdesk.list(owner, { view: 'all' } as never)).items.length).toBe(2);
  });
});

describe('brand scope refusals', () => {
  it('a brand-limited supervisor cannot create an organisation-wide SLA policy: 403, not a 500', async () => {
    const org = await createTestOrg(ctx);
    // The organisation's default (organisation-wide) policies exist once anyone has loaded them.
    expect((await call(await org.cookie('owner'), 'GET', '/api/sla/policies')).status).toBe(200);
    const sup = await brandScopedUser(ctx, org, 'supervisor', [org.brandId]);
    const wide = await call(sup.cookie, 'POST', '/api/sla/policies', { name: 'Everything fast', firstReplyMinutes: 30 });
    expect(wide.status).toBe(403);
    expect(wide.body.code).toBe('auth.outside_scope');
    const own = await call(sup.cookie, 'POST', '/api/sla/policies', { name: 'Our shop fast', shopId: org.shopId, firstReplyMinutes: 30 });
    expect(own.status).toBe(201);
  });

  it("another brand's shop is missing to a brand-limited supervisor on the TikTok sync route, exactly like a shop that exists nowhere", async () => {
    const org = await createTestOrg(ctx);
    const other = await addBrand(ctx, org, { market: 'FR' });
    const sup = await brandScopedUser(ctx, org, 'supervisor', [org.brandId]);
    const theirs = await call(sup.cookie, 'POST', `/api/tiktok/shops/${other.shopId}/sync`, {});
    const nowhere = await call(sup.cookie, 'POST', '/api/tiktok/shops/shp_00000000000000000000000000/sync', {});
    expect([theirs.status, theirs.body.code]).toEqual([404, nowhere.body.code]);
    expect(nowhere.status).toBe(404);
  });
});

describe('routing and brand limits', () => {
  it('a new ticket is routed only to people whose brand limit covers its shop', async () => {
    const org = await createTestOrg(ctx);
    const other = await addBrand(ctx, org, { market: 'DE' });
    const owner = actorFor(org, 'owner');
    for (const role of ['agent', 'supervisor'] as const) await ctx.services.auth.updateUser(owner, org.users[role].id, { active: false });
    const scoped = await brandScopedUser(ctx, org, 'agent', [org.brandId]);
    const assignee = async (shopId: string) => {
      const r = await ctx.services.helpdesk.ingestInbound({
        orgId: org.orgId,
        shopId,
        channel: 'email',
        externalThreadId: `thr-${crypto.randomUUID()}`,
        externalMessageId: `msg-${crypto.randomUUID()}`,
        buyer: { email: `b.${crypto.randomBytes(3).toString('hex')}@example.de`, name: 'B', language: 'en' },
        direction: 'inbound',
        text: 'Where is my parcel? It has been ten days.',
        sentAt: ctx.clock.now().toISOString(),
      });
      return (await ctx.services.helpdesk.getTicket(owner, r.ticketId)).ticket.assigneeId;
    };
    expect(await assignee(org.shopId)).toBe(scoped.id);
    expect(await assignee(other.shopId)).toBeNull();
  });
});
