import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { ManualClock } from '../../src/platform/clock.js';
import { RecordingPlatform, seedOrder, seedTicket, settle } from '../helpers/returns.js';
import { describeE2E, launchBrowser, openPage, screenshot, startE2EServer, type E2EServer, signIn } from '../helpers/e2e.js';
import { actorFor, createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';

const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });


describeE2E('remedies and returns (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  let org: TestOrg;
  const platform = new RecordingPlatform();

  beforeAll(async () => {
    server = await startE2EServer();
    await registerModuleWorkers(server.ctx.platform, server.ctx.services);
    platform.register(server.ctx);
    org = await createTestOrg(server.ctx, { market: 'DE' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('agent offers a partial refund over their limit → supervisor approves → refund sent', async () => {
    const ctx = server.ctx;
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 24_900 }] });
    const text = 'Die Farbe ist ganz anders als auf den Fotos';
    const ticketId = await seedTicket(ctx, org, order.orderId, text);

    const agent = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await screenshot(agent.page, 'failed-remedy-agent');
      console.log('agent page problems:', agent.problems);
    });
    await agent.page.goto(`/remedies?orderId=${order.orderId}&ticketId=${ticketId}&text=${encodeURIComponent(text)}`);
    await signIn(agent.page, org.users.agent.email);
    await agent.page.getByTestId('remedy-quote').click();
    const options = agent.page.getByTestId('remedy-options');
    await poll(() => options.isVisible()).toBe(true);
    await poll(() => agent.page.getByTestId('option-t2:partial_refund+coupon').innerText()).toMatch(/needs approval/i);
    await agent.page.getByTestId('option-t2:partial_refund+coupon').click();
    await agent.page.getByTestId('remedy-reason').fill('Buyer keeps the bag at 20 % off');
    await screenshot(agent.page, 'remedy-panel-en');
    await agent.page.getByText('中文', { exact: true }).click();
    await poll(() => agent.page.getByTestId('remedy-offer').innerText()).toBe('提交审批');
    await screenshot(agent.page, 'remedy-panel-zh-CN');
    await agent.page.getByText('EN', { exact: true }).click();
    await poll(() => agent.page.getByTestId('remedy-offer').innerText()).toBe('Ask for approval');
    await agent.page.getByTestId('remedy-offer').click();
    await poll(() => agent.page.getByTestId('remedy-result').innerText()).toContain('Waiting for approval');
    expect(platform.refunds).toHaveLength(0);

    const sup = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await screenshot(sup.page, 'failed-remedy-supervisor');
      console.log('supervisor page problems:', sup.problems);
    });
    await sup.page.goto('/remedies');
    await signIn(sup.page, org.users.supervisor.email);
    const item = sup.page.getByTestId('approval-item');
    await poll(() => item.count()).toBe(1);
    await poll(() => item.getByTestId('approval-reason').innerText()).toBe('«Buyer keeps the bag at 20 % off»');
    await screenshot(sup.page, 'remedy-approvals-en');
    await item.getByTestId('approve').click();
    await poll(() => item.count()).toBe(0);

    await settle(ctx, org.orgId);
    expect(platform.refunds.map((r) => r.payload)).toEqual([expect.objectContaining({ orderId: order.orderId, amount: 4_980, currency: 'EUR' })]);
    await sup.page.getByRole('tab', { name: 'Recent remedies' }).click();
    await poll(() => sup.page.getByTestId('remedy-status').first().innerText()).toBe('DONE');
    await screenshot(sup.page, 'remedy-recent-en');
    const t = await ctx.services.helpdesk.getTicket(actorFor(org, 'agent'), ticketId);
    expect(t.ticket.status).toBe('solved');
    expect(agent.problems).toEqual([]);
    expect(sup.problems).toEqual([]);
    await agent.context.close();
    await sup.context.close();
  });

  it('warehouse receives and passes a return on a tablet → refund sent and ticket resolved', async () => {
    const ctx = server.ctx;
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 64_900 }] });
    const ticketId = await seedTicket(ctx, org, order.orderId, 'Die Uhr ist mir zu groß, ich schicke sie zurück');
    const ret = await ctx.services.returns.create(actorFor(org, 'agent'), { orderId: order.orderId, orderLineIds: order.lineIds, reasonCode: 'size_fit', channel: 'agent', ticketId });
    await settle(ctx, org.orgId);
    // The parcel travels for three days and a half before the warehouse scans it.
    (ctx.clock as ManualClock).advance(84 * 3_600_000);

    const wh = await openPage(browser, server.baseUrl, { viewport: { width: 1024, height: 768 } });
    onTestFailed(async () => {
      await screenshot(wh.page, 'failed-warehouse');
      console.log('warehouse page problems:', wh.problems);
    });
    await wh.page.goto('/warehouse');
    await signIn(wh.page, org.users.warehouse.email);
    await wh.page.getByTestId('scan-input').fill(ret.rma.toLowerCase());
    await wh.page.getByTestId('scan-find').click();
    await poll(() => wh.page.getByTestId('warehouse-status').innerText()).toBe('AWAITING PARCEL');
    await wh.page.getByTestId('receive').click();
    await poll(() => wh.page.getByTestId('warehouse-status').innerText()).toBe('RECEIVED');
    (ctx.clock as ManualClock).advance(50 * 60_000);
    await wh.page.getByTestId('grade-as_new').click();
    await screenshot(wh.page, 'warehouse-grade-tablet-en');
    await wh.page.getByTestId('inspect').click();
    await poll(() => wh.page.getByTestId('inspection-result').innerText()).toContain('Inspection passed');
    await settle(ctx, org.orgId);
    expect(platform.refunds.filter((r) => r.payload.orderId === order.orderId).map((r) => r.payload.amount)).toEqual([64_900]);
    await wh.page.getByTestId('scan-find').click();
    await poll(() => wh.page.getByTestId('warehouse-refund').innerText()).toBe('REFUND SENT · €649.00');
    await screenshot(wh.page, 'warehouse-done-tablet-en');
    const t = await ctx.services.helpdesk.getTicket(actorFor(org, 'agent'), ticketId);
    expect(t.ticket.status).toBe('solved');

    // The agent's view of the same return: lines, steps, cycle time with the slowest step.
    const agent = await openPage(browser, server.baseUrl);
    await agent.page.goto(`/returns/${ret.id}`);
    await signIn(agent.page, org.users.agent.email);
    await poll(() => agent.page.getByTestId('return-status').innerText()).toBe('CLOSED');
    await poll(() => agent.page.getByTestId('refund-status').innerText()).toBe('REFUND SENT');
    await poll(() => agent.page.getByTestId('cycle-time').innerText()).toMatch(/Approval → parcel received\s+3 d 12 h · slowest step/);
    await screenshot(agent.page, 'return-detail-en');
    await agent.page.getByText('中文', { exact: true }).click().catch(() => undefined);
    await agent.page.goto('/returns');
    await poll(() => agent.page.getByTestId('returns-table').isVisible()).toBe(true);
    await poll(() => agent.page.getByTestId('cycle-stats').innerText()).toContain('批准 → 收到包裹');
    await screenshot(agent.page, 'returns-list');
    expect(wh.problems).toEqual([]);
    expect(agent.problems).toEqual([]);
  });
  it('agent opens a return: the policy answers reason by reason before anything is created', async () => {
    const ctx = server.ctx;
    const late = await seedOrder(ctx, org, { deliveredAt: new Date(ctx.clock.now().getTime() - 45 * 86_400_000), lines: [{ unitPrice: 15_900 }] });
    const fresh = await seedOrder(ctx, org, { lines: [{ unitPrice: 15_900 }, { unitPrice: 8_900 }] });
    // The previous test left this agent's interface in Chinese.
    await ctx.services.auth.setUiLocale(actorFor(org, 'agent'), 'en');
    const agent = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await screenshot(agent.page, 'failed-new-return');
      console.log('agent page problems:', agent.problems);
    });
    await agent.page.goto(`/returns?newForOrder=${late.orderId}`);
    await signIn(agent.page, org.users.agent.email);
    const verdict = agent.page.getByTestId('new-return-eligibility');
    await poll(() => verdict.innerText()).toMatch(/Not possible under the shop's policy\s+The 30-day return window ended on \d{4}-\d{2}-\d{2}/);
    expect(await agent.page.getByTestId('new-return-submit').isDisabled()).toBe(true);
    await screenshot(agent.page, 'new-return-outside-window-en');
    // The order is found by the number people have (a picker, never an internal id).
    await agent.page.getByTestId('new-return-order').fill(fresh.externalId);
    await agent.page.getByTestId('hit-order').first().click();
    await poll(() => verdict.innerText()).toContain('Within the policy');
    await agent.page.getByTestId('new-return-submit').click();
    await poll(() => agent.page.getByTestId('return-status').innerText()).toBe('AWAITING PARCEL');
    await poll(() => agent.page.getByTestId('return-lines').innerText()).toContain('€89.00');
    expect(agent.problems).toEqual([]);
  });
  it('a failed inspection shows the payout hold to the supervisor, in English and Chinese, and nothing is paid', async () => {
    const ctx = server.ctx;
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 34_900 }] });
    const ret = await ctx.services.returns.create(actorFor(org, 'agent'), { orderId: order.orderId, orderLineIds: order.lineIds, reasonCode: 'changed_mind', channel: 'agent' });
    await ctx.services.returns.receive(actorFor(org, 'warehouse'), ret.id, {});
    await ctx.services.returns.inspect(actorFor(org, 'warehouse'), ret.id, { grade: 'damaged', note: 'cracked case' });
    await settle(ctx, org.orgId);
    expect(platform.refunds.filter((r) => r.payload.orderId === order.orderId)).toEqual([]);
    await ctx.services.auth.setUiLocale(actorFor(org, 'supervisor'), 'en');
    const sup = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await screenshot(sup.page, 'failed-payout-hold');
      console.log('supervisor page problems:', sup.problems);
    });
    await sup.page.goto(`/returns/${ret.id}`);
    await signIn(sup.page, org.users.supervisor.email);
    await poll(() => sup.page.getByTestId('refund-status').innerText()).toBe('REFUND ON HOLD');
    await poll(() => sup.page.getByTestId('payout-hold').innerText()).toMatch(/Payouts on hold\s+The inspection failed \(since .+\): no refund for this order leaves until a supervisor or owner decides/);
    await screenshot(sup.page, 'return-payout-hold-en');
    await sup.page.getByText('中文', { exact: true }).click();
    await poll(() => sup.page.getByTestId('payout-hold').innerText()).toMatch(/付款已冻结\s+质检未通过/);
    await poll(() => sup.page.getByTestId('refund-status').innerText()).toBe('退款已冻结');
    await screenshot(sup.page, 'return-payout-hold-zh-CN');
    await ctx.services.auth.setUiLocale(actorFor(org, 'supervisor'), 'en');
    expect(sup.problems).toEqual([]);
  });
});
