/**
 * The demo world has an agency login in two organisations (so the switcher shows on the demo) and
 * a brand-limited agent; both are printed with the other logins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_AGENCY_LOGINS, DEMO_CLIENT_ORG_NAME, DEMO_PASSWORD, printLogins, seedDemo } from '../../src/app/seed.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { loginCookie } from '../helpers/org.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

describe('demo agency logins', () => {
  it('the agency login switches between the demo seller and the client; the Voltix agent sees Voltix shops only', async () => {
    const world = await seedDemo(ctx.platform, ctx.services);
    const lines: string[] = [];
    printLogins(world, 'http://localhost:3000', (l) => lines.push(l));
    for (const l of DEMO_AGENCY_LOGINS) expect(lines.join('\n')).toContain(l.email);

    const get = async (cookie: string, url: string) => (await ctx.app.inject({ method: 'GET', url, headers: { cookie } })).json();
    const ana = await loginCookie(ctx, DEMO_AGENCY_LOGINS[0]!.email, DEMO_PASSWORD);
    const orgs = (await get(ana, '/api/auth/organisations')).items as { name: string; role: string }[];
    expect(orgs.map((o) => [o.name, o.role]).sort()).toEqual([[DEMO_CLIENT_ORG_NAME, 'owner'], ['Northwind Goods (demo)', 'supervisor']].sort());
    const overview = (await get(ana, '/api/agency/overview')).items as { name: string; openTickets: number }[];
    expect(overview.find((o) => o.name === DEMO_CLIENT_ORG_NAME)?.openTickets).toBe(3);

    const noah = await loginCookie(ctx, DEMO_AGENCY_LOGINS[1]!.email, DEMO_PASSWORD);
    const shops = (await get(noah, '/api/shops')).items as { name: string }[];
    expect(shops.map((s) => s.name).sort()).toEqual(['Voltix UK', 'Voltix US']);
  }, 120_000);
});
