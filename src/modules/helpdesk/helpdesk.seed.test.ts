import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { seedDemo } from '../../app/seed.js';
import { systemActor } from '../../platform/tenancy.js';
import { seedHelpdeskDemo } from './helpdesk.seed.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

describe('helpdesk demo data', () => {
  it('seeds e-mail, WhatsApp and livestream tickets in five languages, once', async () => {
    const world = await seedDemo(ctx.platform, ctx.services);
    const deps = { helpdesk: ctx.services.helpdesk, tenancy: ctx.services.tenancy, auth: ctx.services.auth, clock: ctx.platform.clock };
    // seedDemo may already have run it through app/modules.ts (seedModuleDemo); either way the
    // totals below hold and a further run adds nothing.
    const first = await seedHelpdeskDemo(deps, world.orgId);
    expect(first).toEqual(first.ticketsCreated ? { macros: 5, ticketsCreated: 10, messages: 12 } : { macros: 0, ticketsCreated: 0, messages: 0 });
    const second = await seedHelpdeskDemo(deps, world.orgId);
    expect(second).toEqual({ macros: 0, ticketsCreated: 0, messages: 0 });
    expect((await ctx.services.helpdesk.listMacros(systemActor(world.orgId))).length).toBe(5);
    const all = await ctx.services.helpdesk.list(systemActor(world.orgId), { view: 'all', limit: 50 });
    expect(all.items.length).toBe(10);
    const langs = new Set(all.items.map((t) => t.language));
    expect([...langs].sort()).toEqual(['de', 'en', 'es', 'fr', 'it']);
    expect(new Set(all.items.map((t) => t.channel))).toEqual(new Set(['email', 'whatsapp', 'livestream']));
    expect(all.items.find((t) => t.channel === 'livestream')).toMatchObject({ queue: 'livestream', priority: 'high' });
    expect(all.items.filter((t) => t.status === 'solved').length).toBe(1);
  });
});
