import crypto from 'node:crypto';
import type { Role } from '../../src/platform/tenancy.js';
import type { TestContext } from './context.js';

export const TEST_PASSWORD = 'correct horse battery';

export interface TestOrg {
  orgId: string;
  brandId: string;
  shopId: string;
  users: Record<Role, { id: string; email: string }>;
  /** Cookie header for a signed-in user of the given role. */
  cookie(role: Role): Promise<string>;
}

export async function loginCookie(ctx: TestContext, email: string, password = TEST_PASSWORD): Promise<string> {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login failed for ${email}: ${res.statusCode} ${res.body}`);
  const c = res.cookies.find((x) => x.name === 'afterdesk_session');
  if (!c) throw new Error('no session cookie');
  return `afterdesk_session=${c.value}`;
}

/** A fresh organisation with a brand, one shop (market given) and one user per role. */
export async function createTestOrg(ctx: TestContext, opts: { market?: string; region?: string } = {}): Promise<TestOrg> {
  const tag = crypto.randomBytes(5).toString('hex');
  const { tenancy, auth } = ctx.services;
  const org = await tenancy.createOrganisation({ name: `Test org ${tag}` });
  const roles: Role[] = ['owner', 'supervisor', 'agent', 'warehouse'];
  const users = {} as TestOrg['users'];
  for (const role of roles) {
    const email = `${role}.${tag}@test.afterdesk.dev`;
    const u = await auth.createUserInOrg(org.orgId, { email, name: `${role} ${tag}`, password: TEST_PASSWORD, role, languages: ['en', 'de'] });
    users[role] = { id: u.id, email };
  }
  const owner = { orgId: org.orgId, userId: users.owner.id, role: 'owner' as const };
  const brand = await tenancy.createBrand(owner, { name: `Brand ${tag}` });
  const shop = await tenancy.createShop(owner, { brandId: brand.id, name: `Shop ${tag}`, market: opts.market ?? 'DE', region: opts.region });
  const cookies = new Map<Role, string>();
  return {
    orgId: org.orgId,
    brandId: brand.id,
    shopId: shop.id,
    users,
    async cookie(role: Role) {
      let c = cookies.get(role);
      if (!c) {
        c = await loginCookie(ctx, users[role].email);
        cookies.set(role, c);
      }
      return c;
    },
  };
}

export function actorFor(org: TestOrg, role: Role) {
  return { orgId: org.orgId, userId: org.users[role].id, role };
}

/** A second brand with one shop in the same organisation (brand scoping). */
export async function addBrand(ctx: TestContext, org: TestOrg, opts: { market?: string; name?: string } = {}): Promise<{ brandId: string; shopId: string }> {
  const tag = crypto.randomBytes(4).toString('hex');
  const owner = actorFor(org, 'owner');
  const brand = await ctx.services.tenancy.createBrand(owner, { name: opts.name ?? `Brand B ${tag}` });
  const shop = await ctx.services.tenancy.createShop(owner, { brandId: brand.id, name: `Shop B ${tag}`, market: opts.market ?? 'FR' });
  return { brandId: brand.id, shopId: shop.id };
}

/** A person of `org` limited to some brands, signed in. */
export async function brandScopedUser(ctx: TestContext, org: TestOrg, role: Exclude<Role, 'owner'>, brandIds: string[]): Promise<{ id: string; email: string; cookie: string }> {
  const email = `${role}.scoped.${crypto.randomBytes(4).toString('hex')}@test.afterdesk.dev`;
  const u = await ctx.services.auth.createUserInOrg(org.orgId, { email, name: `Scoped ${role}`, password: TEST_PASSWORD, role, languages: ['en', 'de', 'fr'], brandIds });
  return { id: u.id, email, cookie: await loginCookie(ctx, email) };
}
