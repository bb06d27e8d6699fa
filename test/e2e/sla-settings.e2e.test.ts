import type { Browser, Page } from 'playwright-core';
import type { ManualClock } from '../../src/platform/clock.js';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { describeE2E, launchBrowser, openPage, screenshot, startE2EServer, type E2EServer, signIn } from '../helpers/e2e.js';
import { actorFor, createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';

const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });
const MIN = 60_000;


const rowCells = (page: Page, name: string) => page.getByTestId('sla-policies-table').locator('tbody tr', { has: page.getByRole('cell', { name, exact: true }) }).locator('td').allInnerTexts();
const tableNames = (page: Page) => page.getByTestId('sla-policies-table').locator('tbody tr td:first-child').allInnerTexts();

// The three policies every organisation starts with, as the table shows them.
const DEFAULT_ROWS = [
  ['General', 'All shops', 'Any', 'Any', 'Any', '1 h', '2 h', '27 h', 'Business hours', '50%, 80%', 'Active', ''],
  ['High-ticket orders (≥ 200.00)', 'All shops', 'Any', 'Any', '200.00 (order currency)', '15 min', '30 min', '9 h', 'Business hours', '50%, 80%', 'Active', ''],
  ['Livestream channel', 'All shops', 'Livestream', 'Any', 'Any', '24 h', '24 h', '72 h', 'Calendar time', '50%, 80%', 'Active', ''],
];

describeE2E('Settings → SLA policies (browser)', () => {
  let server: E2EServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startE2EServer();
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const policiesOf = (org: TestOrg) => server.ctx.services.sla.listPolicies(actorFor(org, 'supervisor'));
  const policyNamed = async (org: TestOrg, name: string) => (await policiesOf(org)).find((p) => p.name === name);

  it('lists the default policies; a supervisor creates, edits (with field errors) and deactivates a policy', async () => {
    const org = await createTestOrg(server.ctx, { market: 'DE' });
    const shopName = (await server.ctx.services.tenancy.listShops(actorFor(org, 'owner')))[0]!.name;
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await screenshot(page, 'failed-sla-settings');
      console.log('page problems:', problems);
    });
    await page.goto('/settings/sla');
    await signIn(page, org.users.supervisor.email);
    await poll(() => page.getByRole('tab', { name: 'SLA policies' }).getAttribute('aria-selected')).toBe('true');
    expect(new URL(page.url()).pathname).toBe('/settings/sla');

    // The defaults, seeded on first read, with their exact targets.
    await poll(() => tableNames(page)).toEqual(DEFAULT_ROWS.map((r) => r[0]));
    for (const row of DEFAULT_ROWS) expect(await rowCells(page, row[0]!)).toEqual(row);
    const defaults = await policiesOf(org);
    expect(defaults.map(({ name, shopId, channel, priority, minOrderAmount, minOrderCurrency, firstReplyMinutes, nextReplyMinutes, resolutionMinutes, mode, warningPercents, active }) => ({ name, shopId, channel, priority, minOrderAmount, minOrderCurrency, firstReplyMinutes, nextReplyMinutes, resolutionMinutes, mode, warningPercents, active }))).toEqual([
      { name: 'General', shopId: null, channel: null, priority: null, minOrderAmount: null, minOrderCurrency: null, firstReplyMinutes: 60, nextReplyMinutes: 120, resolutionMinutes: 1620, mode: 'business', warningPercents: [50, 80], active: true },
      { name: 'High-ticket orders (≥ 200.00)', shopId: null, channel: null, priority: null, minOrderAmount: 20000, minOrderCurrency: null, firstReplyMinutes: 15, nextReplyMinutes: 30, resolutionMinutes: 540, mode: 'business', warningPercents: [50, 80], active: true },
      { name: 'Livestream channel', shopId: null, channel: 'livestream', priority: null, minOrderAmount: null, minOrderCurrency: null, firstReplyMinutes: 1440, nextReplyMinutes: 1440, resolutionMinutes: 4320, mode: 'calendar', warningPercents: [50, 80], active: true },
    ]);
    // No clocks yet: the attainment card says so instead of drawing an empty chart.
    await poll(() => page.getByTestId('sla-attainment').getByText('No SLA clocks started in this period.').count()).toBe(1);

    // Create "VIP DE" for the one shop with a 10-minute first reply (a minute later, so it lists after the defaults).
    (server.ctx.clock as ManualClock).advance(MIN);
    await page.getByRole('button', { name: 'Add policy' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Policy name' }).fill('VIP DE');
    await dialog.getByLabel('Shop', { exact: true }).click();
    await page.getByRole('option', { name: shopName }).click();
    await dialog.getByRole('textbox', { name: 'First reply' }).fill('10');
    await dialog.getByRole('button', { name: 'Create policy' }).click();
    await poll(() => dialog.count()).toBe(0);
    await poll(() => tableNames(page)).toEqual([...DEFAULT_ROWS.map((r) => r[0]), 'VIP DE']);
    expect(await rowCells(page, 'VIP DE')).toEqual(['VIP DE', shopName, 'Any', 'Any', 'Any', '10 min', '—', '—', 'Business hours', '50%, 80%', 'Active', '']);
    const created = await policyNamed(org, 'VIP DE');
    expect(created).toEqual({
      id: expect.stringMatching(/^slp_/),
      name: 'VIP DE',
      names: {},
      shopId: org.shopId,
      channel: null,
      priority: null,
      minOrderAmount: null,
      minOrderCurrency: null,
      firstReplyMinutes: 10,
      nextReplyMinutes: null,
      resolutionMinutes: null,
      mode: 'business',
      warningPercents: [50, 80],
      active: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });

    // A second policy named like an existing one is a 409, said on the name field.
    await page.getByRole('button', { name: 'Add policy' }).click();
    await dialog.getByRole('textbox', { name: 'Policy name' }).fill('General');
    await dialog.getByRole('textbox', { name: 'First reply' }).fill('5');
    await dialog.getByRole('button', { name: 'Create policy' }).click();
    await poll(() => dialog.getByText('A policy with this name already exists.').count()).toBe(1);
    expect(await dialog.getByRole('textbox', { name: 'Policy name' }).getAttribute('aria-invalid')).toBe('true');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await poll(() => dialog.count()).toBe(0);
    expect((await policiesOf(org)).length).toBe(4);

    // Edit: the modal says running clocks keep their targets; 0 minutes is refused on the field.
    await page.getByTestId('sla-policies-table').getByRole('cell', { name: 'VIP DE', exact: true }).click();
    await poll(() => dialog.getByTestId('sla-running-clocks-note').innerText()).toBe('Running clocks keep the targets they started with. Your changes apply to clocks that start after you save.');
    const firstReply = dialog.getByRole('textbox', { name: 'First reply' });
    expect(await firstReply.inputValue()).toBe('10 min');
    await firstReply.fill('0');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await poll(() => firstReply.getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.getByText('Must be at least 1', { exact: true }).count()).toBe(1);
    expect(await dialog.getByTestId('form-error').innerText()).toBe('Some fields need attention; they are marked below.');
    expect(await policyNamed(org, 'VIP DE')).toEqual(created);
    await page.screenshot({ path: '/tmp/sla-policy-edit-error-en.png', animations: 'disabled' });

    await firstReply.fill('20');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await poll(() => dialog.count()).toBe(0);
    await poll(() => rowCells(page, 'VIP DE')).toEqual(['VIP DE', shopName, 'Any', 'Any', 'Any', '20 min', '—', '—', 'Business hours', '50%, 80%', 'Active', '']);
    const edited = await policyNamed(org, 'VIP DE');
    expect(edited).toEqual({ ...created, firstReplyMinutes: 20, updatedAt: expect.any(String) });
    expect(Date.parse(edited!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created!.updatedAt));

    // Deactivate (after a confirmation); the row stays, marked inactive, for the clocks' audit.
    await page.getByRole('button', { name: 'Deactivate: VIP DE' }).click();
    await poll(() => dialog.getByText('Deactivate VIP DE?').count()).toBe(1);
    await dialog.getByRole('button', { name: 'Deactivate', exact: true }).click();
    await poll(() => dialog.count()).toBe(0);
    await poll(() => rowCells(page, 'VIP DE')).toEqual(['VIP DE', shopName, 'Any', 'Any', 'Any', '20 min', '—', '—', 'Business hours', '50%, 80%', 'Inactive', '']);
    expect(await page.getByRole('button', { name: 'Deactivate: VIP DE' }).count()).toBe(0);
    expect(await policyNamed(org, 'VIP DE')).toEqual({ ...edited, active: false, updatedAt: expect.any(String) });
    const res = await server.ctx.app.inject({ method: 'GET', url: '/api/sla/policies', headers: { cookie: await org.cookie('supervisor') } });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { items: { name: string; active: boolean; firstReplyMinutes: number | null }[] }).items.map((p) => [p.name, p.active, p.firstReplyMinutes])).toEqual([
      ['General', true, 60],
      ['High-ticket orders (≥ 200.00)', true, 15],
      ['Livestream channel', true, 1440],
      ['VIP DE', false, 20],
    ]);
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  it('draws attainment per shop and metric from real clocks, in English and Chinese', async () => {
    const org = await createTestOrg(server.ctx, { market: 'DE' });
    const { ctx } = server;
    const shopName = (await ctx.services.tenancy.listShops(actorFor(org, 'owner')))[0]!.name;
    // Calendar time, so met and breached do not depend on the hour the test runs at. The defaults
    // are seeded first and the clock moved on, so the shop's policy lists after them.
    await ctx.services.sla.listPolicies(actorFor(org, 'owner'));
    (ctx.clock as ManualClock).advance(MIN);
    await ctx.services.sla.createPolicy(actorFor(org, 'owner'), { name: 'E2E shop SLA', shopId: org.shopId, firstReplyMinutes: 30, resolutionMinutes: 1440, mode: 'calendar' });
    const now = ctx.clock.now().getTime();
    const ticket = async (n: number, minutesAgo: number) =>
      (
        await ctx.services.helpdesk.ingestInbound({
          orgId: org.orgId,
          shopId: org.shopId,
          direction: 'inbound',
          channel: 'email',
          externalThreadId: `sla-e2e-${n}`,
          externalMessageId: `sla-e2e-${n}-a`,
          buyer: { name: `Buyer ${n}`, email: `buyer${n}@example.de`, language: 'de' },
          text: 'Wo bleibt meine Bestellung?',
          sentAt: new Date(now - minutesAgo * MIN).toISOString(),
        })
      ).ticketId;
    // Answered after 20 and 10 minutes (met), and one 90 minutes old that nobody answered (breached).
    const answered = [await ticket(1, 20), await ticket(2, 10)];
    await ticket(3, 90);
    for (const id of answered) await ctx.services.helpdesk.reply(actorFor(org, 'supervisor'), id, { text: 'Wir kümmern uns darum.' });
    // The timer sweep records the breach of the unanswered one (its clock arrived overdue).
    await ctx.services.sla.runDueTimers({ orgId: org.orgId });

    const rows = await ctx.services.sla.attainment(actorFor(org, 'supervisor'), { from: new Date(now - 24 * 60 * MIN).toISOString(), to: new Date(now + MIN).toISOString() });
    expect(rows).toEqual([
      { shopId: org.shopId, metric: 'first_reply', count: 3, met: 2, breached: 1, open: 0, attainmentPercent: 66.7, p50FirstReplyMinutes: 15, p90FirstReplyMinutes: 19 },
      { shopId: org.shopId, metric: 'resolution', count: 3, met: 0, breached: 0, open: 3, attainmentPercent: null, p50FirstReplyMinutes: null, p90FirstReplyMinutes: null },
    ]);

    const { page, context, problems } = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await screenshot(page, 'failed-sla-attainment');
      console.log('page problems:', problems);
    });
    await page.goto('/settings/sla');
    await signIn(page, org.users.supervisor.email);
    const chart = page.getByTestId('sla-attainment-chart');
    await poll(() => chart.locator('svg.recharts-surface').count()).toBeGreaterThan(0);
    // One bar: first reply at 66.7 % (resolution has no finished clocks yet, so no bar).
    await poll(() => chart.locator('.recharts-bar-rectangle path').count()).toBe(1);
    await poll(() => chart.locator('.recharts-label-list text').allTextContents()).toEqual(['66.7%']);
    const tableRows = () => page.getByTestId('sla-attainment-row').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td as HTMLElement).innerText)));
    await poll(tableRows).toEqual([
      [shopName, 'First reply', '2', '1', '0', '66.7%', '15 min', '19 min'],
      ['Resolution', '0', '0', '3', '—', '', ''],
    ]);
    // The period control asks the API again; the same clocks fall in the last 7 days.
    await page.getByRole('radiogroup', { name: 'Period' }).getByText('7 days').click();
    await poll(tableRows).toEqual([
      [shopName, 'First reply', '2', '1', '0', '66.7%', '15 min', '19 min'],
      ['Resolution', '0', '0', '3', '—', '', ''],
    ]);
    await poll(() => tableNames(page)).toEqual([...DEFAULT_ROWS.map((r) => r[0]), 'E2E shop SLA']);
    await page.screenshot({ path: '/tmp/sla-settings-en.png', fullPage: true, animations: 'disabled' });

    await page.getByText('中文', { exact: true }).click();
    await poll(() => page.getByRole('tab', { name: 'SLA 策略' }).getAttribute('aria-selected')).toBe('true');
    await poll(tableRows).toEqual([
      [shopName, '首次回复', '2', '1', '0', '66.7%', '15 分钟', '19 分钟'],
      ['解决', '0', '0', '3', '—', '', ''],
    ]);
    // The default policy carries its Chinese name; the one unique name stays beside it.
    const general = page.getByTestId('sla-policies-table').locator('tbody tr', { hasText: '通用' }).locator('td');
    expect(await general.allInnerTexts()).toEqual(['通用\n\nGeneral', '全部店铺', '任意', '任意', '任意', '1 小时', '2 小时', '27 小时', '营业时间', '50%, 80%', '启用', '']);
    await page.screenshot({ path: '/tmp/sla-settings-zh-CN.png', fullPage: true, animations: 'disabled' });
    await page.getByRole('button', { name: '编辑策略: E2E shop SLA' }).click();
    await poll(() => page.getByRole('dialog').getByTestId('sla-running-clocks-note').innerText()).toBe('正在计时的时钟沿用开始时的目标；修改只对保存之后开始的时钟生效。');
    await page.screenshot({ path: '/tmp/sla-policy-editor-zh-CN.png', fullPage: false, animations: 'disabled' });
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  it('offers the tab only to owners and supervisors: an agent cannot open it', async () => {
    const org = await createTestOrg(server.ctx, { market: 'DE' });
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    await page.goto('/settings/sla');
    await signIn(page, org.users.agent.email);
    await poll(() => page.getByText('You do not have access').count()).toBe(1);
    expect(await page.getByTestId('sla-policies-table').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Settings' }).count()).toBe(0);
    // And the API refuses the agent's changes whatever the UI shows.
    const res = await server.ctx.app.inject({ method: 'POST', url: '/api/sla/policies', headers: { cookie: await org.cookie('agent') }, payload: { name: 'Agent policy', firstReplyMinutes: 5 } });
    expect(res.statusCode).toBe(403);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
