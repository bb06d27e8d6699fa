import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg, type TestOrg } from '../helpers/org.js';

// The API behind the settings screens of issue 12: what each editor reads back after a change.

let ctx: TestContext;
let org: TestOrg;
beforeAll(async () => {
  ctx = await createTestContext();
  org = await createTestOrg(ctx, { market: 'DE' });
});
afterAll(async () => {
  await ctx?.close();
});

const UI = { 'x-requested-with': 'afterdesk' };
async function call(role: 'owner' | 'supervisor' | 'agent' | 'warehouse', method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) {
  return ctx.app.inject({ method, url, headers: { cookie: await org.cookie(role), ...UI }, ...(payload === undefined ? {} : { payload: payload as object }) });
}

describe('settings API', () => {
  it('SLA policies carry a name per language; defaults come with their Chinese names; a bad language is refused naming it', async () => {
    const list = await call('supervisor', 'GET', '/api/sla/policies');
    const general = list.json().items.find((p: { name: string }) => p.name === 'General');
    expect(general.names).toEqual({ 'zh-CN': '通用' });
    const created = await call('supervisor', 'POST', '/api/sla/policies', { name: 'VIP', names: { en: 'VIP buyers', 'zh-CN': '贵宾买家', de: 'VIP-Kunden' }, firstReplyMinutes: 10 });
    expect(created.statusCode).toBe(201);
    expect(created.json().names).toEqual({ en: 'VIP buyers', 'zh-CN': '贵宾买家', de: 'VIP-Kunden' });
    const patched = await call('supervisor', 'PATCH', `/api/sla/policies/${created.json().id}`, { names: { 'zh-CN': '重要买家' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'VIP', names: { 'zh-CN': '重要买家' }, firstReplyMinutes: 10 });
    const bad = await call('supervisor', 'PATCH', `/api/sla/policies/${created.json().id}`, { names: { pt: 'Compradores VIP' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.issues.map((i: { field: string }) => i.field)).toEqual(['names.pt']);
  });

  it('item economics and exchange stock are listed per shop after they are set', async () => {
    expect((await call('supervisor', 'GET', `/api/shops/${org.shopId}/item-economics`)).json()).toEqual({ items: [] });
    await call('supervisor', 'PUT', `/api/shops/${org.shopId}/item-economics`, { key: 'category:Headphones', itemCost: 4200, resalePercent: 60 });
    await call('supervisor', 'PUT', `/api/shops/${org.shopId}/item-economics`, { key: 'product:P-1', itemCost: 9900, resalePercent: 70 });
    const econ = (await call('owner', 'GET', `/api/shops/${org.shopId}/item-economics`)).json().items;
    expect(econ.map((e: { key: string; itemCost: number; resalePercent: number }) => [e.key, e.itemCost, e.resalePercent])).toEqual([
      ['category:headphones', 4200, 60],
      ['product:p-1', 9900, 70],
    ]);
    await call('warehouse', 'PUT', `/api/shops/${org.shopId}/exchange-stock`, { sku: 'RING-52', productId: 'ring', label: 'Ring size 52', available: 3 });
    await call('warehouse', 'PUT', `/api/shops/${org.shopId}/exchange-stock`, { sku: 'RING-50', productId: 'ring', label: 'Ring size 50', available: 0 });
    const stock = await call('warehouse', 'GET', `/api/shops/${org.shopId}/exchange-stock`);
    expect(stock.json().items).toEqual([
      { shopId: org.shopId, sku: 'RING-50', productId: 'ring', label: 'Ring size 50', available: 0, reserved: 0 },
      { shopId: org.shopId, sku: 'RING-52', productId: 'ring', label: 'Ring size 52', available: 3, reserved: 0 },
    ]);
    expect((await call('agent', 'GET', `/api/shops/${org.shopId}/exchange-stock`)).statusCode).toBe(403);
    expect((await call('warehouse', 'GET', '/api/shops/shp_00000000000000000000000000/exchange-stock')).statusCode).toBe(404);
  });

  it('the reason tree keeps its history: saving makes a new version, earlier ones stay readable', async () => {
    const v1 = (await call('owner', 'GET', '/api/returns/reasons')).json();
    const nodes = [...v1.nodes, { code: 'too_late', parent: null, faultOwner: 'carrier', photosRequired: false, labels: { en: 'Arrived too late', de: 'Zu spät', fr: 'Trop tard', it: 'Troppo tardi', es: 'Demasiado tarde', 'zh-CN': '到货太晚' } }];
    const saved = await call('owner', 'PUT', '/api/returns/reasons', { nodes });
    expect(saved.json().version).toBe(v1.version + 1);
    const versions = (await call('supervisor', 'GET', '/api/returns/reasons/versions')).json().items;
    expect(versions.map((v: { version: number; nodeCount: number; createdBy: string }) => [v.version, v.nodeCount, v.createdBy])).toEqual([
      [v1.version + 1, v1.nodes.length + 1, org.users.owner.id],
      [v1.version, v1.nodes.length, org.users.owner.id],
    ]);
    const old = (await call('supervisor', 'GET', `/api/returns/reasons?version=${v1.version}`)).json();
    expect(old).toEqual(v1);
    expect((await call('supervisor', 'GET', '/api/returns/reasons?version=99')).statusCode).toBe(404);
  });

  it("re-routing one person's open tickets runs each through the router and reports where each went", async () => {
    const hd = ctx.services.helpdesk;
    // The tickets sit with the supervisor; the router decides again for each (the answer names who got it).
    const ids: string[] = [];
    for (const n of [1, 2]) {
      const r = await hd.ingestInbound({ orgId: org.orgId, shopId: org.shopId, channel: 'email', externalThreadId: `rr-${n}`, externalMessageId: `rr-${n}`, buyer: { externalId: `b-rr-${n}`, name: 'Rita' }, direction: 'inbound', text: 'Where is my parcel? It has been ten days already.', sentAt: ctx.platform.clock.now().toISOString() });
      ids.push(r.ticketId);
      const a = await call('supervisor', 'POST', `/api/tickets/${r.ticketId}/assign`, { assigneeId: org.users.supervisor.id });
      expect([a.statusCode, a.json().assigneeId]).toEqual([200, org.users.supervisor.id]);
    }
    const res = await call('supervisor', 'POST', `/api/helpdesk/agents/${org.users.supervisor.id}/reroute`, {});
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { ticketId: string; from: string; to: string | null }[];
    expect(items.map((i) => i.ticketId).sort()).toEqual([...ids].sort());
    for (const i of items) expect(i.from).toBe(org.users.supervisor.id);
    // Every ticket now sits with whoever the router chose, as the answer says.
    for (const i of items) expect((await call('supervisor', 'GET', `/api/tickets/${i.ticketId}`)).json().ticket.assigneeId ?? null).toBe(i.to);
    expect((await call('agent', 'POST', `/api/helpdesk/agents/${org.users.supervisor.id}/reroute`, {})).statusCode).toBe(403);
  });
});
