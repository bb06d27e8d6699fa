import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';
import { describeE2E, launchBrowser, openPage, screenshot, startE2EServer, type E2EServer, signIn, SIGN_IN_ZH } from '../helpers/e2e.js';

// Waits for the UI to settle on a value (page loads and API calls take a moment on a busy machine).
const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });

const NAV_EN = ['Inbox', 'Returns', 'Orders', 'Customers', 'Remedies', 'Warehouse', 'Evidence', 'Coupons', 'Analytics', 'Settings', 'After-sales cards', 'Playbooks', 'Proactive notices', 'Catalogue', 'Listing gaps', 'Incidents'];
const NAV_ZH = ['收件箱', '退货', '订单', '客户', '补救方案', '仓库', '证据', '优惠券', '数据分析', '设置', '售后卡', '服务手册', '主动提醒', '商品目录', '商品页缺失', '事件'];

async function navLabels(page: Page): Promise<string[]> {
  return (await page.getByRole('navigation', { name: /Main navigation|主导航/ }).getByRole('link').allInnerTexts()).map((s) => s.trim());
}


describeE2E('web shell (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  let org: TestOrg;

  beforeAll(async () => {
    // A low sign-in limit so the 429 path is reachable; the key is address + e-mail, so only the
    // account we hammer is affected.
    server = await startE2EServer({ env: { LOGIN_RATE_LIMIT: '3' } });
    org = await createTestOrg(server.ctx, { market: 'DE' });
    browser = await launchBrowser();
  });

  const ownerActor = () => ({ orgId: org.orgId, userId: org.users.owner.id, role: 'owner' as const });
  const brandName = async () => (await server.ctx.services.tenancy.getBrand(ownerActor(), org.brandId)).name;

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows wrong-password and rate-limit errors on the login page, in English and Chinese', async () => {
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    await page.goto('/');
    await poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign in');
    await screenshot(page, 'login-en');

    await signIn(page, org.users.supervisor.email, { password: 'not the password', shell: false });
    await poll(() => page.getByTestId('login-error').innerText()).toBe('Sign-in failed\nWrong e-mail or password.');
    await screenshot(page, 'login-error-en');

    await page.getByText('中文', { exact: true }).click();
    await poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('登录');
    await signIn(page, org.users.supervisor.email, { password: 'still not it', labels: SIGN_IN_ZH, shell: false });
    await poll(() => page.getByTestId('login-error').innerText()).toBe('登录失败\n邮箱或密码错误。');
    await screenshot(page, 'login-error-zh-CN');

    // Third wrong attempt is the last one allowed from this address; the fourth is refused with 429.
    await signIn(page, org.users.supervisor.email, { password: 'third wrong', labels: SIGN_IN_ZH, shell: false });
    await poll(() => page.getByTestId('login-error').innerText()).toBe('登录失败\n邮箱或密码错误。');
    await page.getByText('EN', { exact: true }).click();
    await signIn(page, org.users.supervisor.email, { shell: false });
    await poll(() => page.getByTestId('login-error').innerText()).toBe('Sign-in failed\nToo many failed sign-ins. Wait a few minutes and try again.');
    await page.reload();
    await poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign in');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('signs in, shows the frame, switches to Chinese (persisted), creates a shop and adds a user', async () => {
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await screenshot(page, 'failed-shell');
      console.log('page problems:', problems);
    });
    const tag = org.orgId.slice(-6).toLowerCase();
    await page.goto('/settings');
    await signIn(page, org.users.owner.email);

    // The frame: the navigation items of an owner, organisation and user in the header.
    await poll(() => navLabels(page)).toEqual(NAV_EN);
    const orgName = (await server.ctx.services.tenancy.getOrganisation(ownerActor())).name;
    await poll(() => page.getByTestId('org-name').innerText()).toBe(orgName);
    const ownerName = (await server.ctx.services.auth.getUser(ownerActor(), org.users.owner.id)).name;
    await poll(() => page.getByTestId('user-menu').locator('.ad-user-text p').allInnerTexts()).toEqual([ownerName, 'Owner']);
    await poll(() => new URL(page.url()).pathname).toBe('/settings/shops');

    // Settings → Shops lists the org's shop; create another one through the UI.
    await poll(() => page.getByTestId('shops-table').locator('tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: 'Inbox' }).click();
    await poll(() => page.getByTestId('list-title').innerText()).toBe('All open'); // owners land on the whole desk (issue 13)
    await screenshot(page, 'frame-en');
    await page.getByRole('link', { name: 'Settings' }).click();
    await poll(() => page.getByTestId('shops-table').locator('tbody tr').count()).toBe(1);

    const shopName = `Paris flagship ${tag}`;
    await page.getByRole('button', { name: 'Add shop' }).click();
    await page.getByRole('dialog').getByLabel('Market', { exact: true }).click();
    await page.getByRole('option', { name: 'France (FR)' }).click();
    await page.getByRole('textbox', { name: 'Shop name' }).fill(shopName);
    await page.getByRole('button', { name: 'Create shop' }).click();
    const shopRow = page.getByTestId('shops-table').locator('tbody tr', { hasText: shopName });
    const brand = await brandName();
    await poll(() => shopRow.locator('td').allInnerTexts()).toEqual([shopName, brand, 'France FR', 'EUR', 'Europe/Paris', 'FR\nEN', 'Not connected']);
    await poll(() => page.getByRole('dialog').count()).toBe(0);
    await screenshot(page, 'settings-shops-en');

    // The same name again is a 409, shown on the name field.
    await page.getByRole('button', { name: 'Add shop' }).click();
    await page.getByRole('dialog').getByLabel('Market', { exact: true }).click();
    await page.getByRole('option', { name: 'Spain (ES)' }).click();
    await page.getByRole('textbox', { name: 'Shop name' }).fill(shopName);
    await page.getByRole('button', { name: 'Create shop' }).click();
    await poll(() => page.getByRole('dialog').getByText('A shop with this name already exists.').count()).toBe(1);
    await page.getByRole('button', { name: 'Cancel' }).click();

    // Edit: open the shop, set a return warehouse and a bad e-mail (400 lands on the field), then fix it.
    await shopRow.click();
    await page.getByRole('tab', { name: 'Support contacts' }).click();
    await page.getByRole('textbox', { name: 'Support e-mail' }).fill('not-an-email');
    await page.getByRole('textbox', { name: 'Return warehouse' }).fill('12 Rue du Retour, 75011 Paris');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await poll(() => page.getByRole('dialog').getByText('Enter a valid e-mail address').count()).toBe(1);
    await page.getByRole('textbox', { name: 'Support e-mail' }).fill('support@paris.example');
    await page.getByRole('tab', { name: 'Public holidays' }).click();
    await poll(() => page.getByTestId('holidays-table').locator('tbody tr').count()).toBeGreaterThan(5);
    await screenshot(page, 'shop-editor-holidays-en');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await poll(() => page.getByRole('dialog').count()).toBe(0);
    const shops = await server.ctx.services.tenancy.listShops(ownerActor());
    expect(shops.find((s) => s.name === shopName)?.supportContacts).toEqual({ email: 'support@paris.example', returnWarehouse: '12 Rue du Retour, 75011 Paris' });

    // Team: add a user; a short password is refused on the password field first.
    await page.getByRole('tab', { name: 'Team' }).click();
    await poll(() => page.getByTestId('users-table').locator('tbody tr').count()).toBe(4);
    const email = `lena.${tag}@test.afterdesk.dev`;
    await page.getByRole('button', { name: 'Add user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'E-mail' }).fill(email);
    await dialog.getByLabel('Initial password').fill('short');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Lena Vogel');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await poll(() => dialog.getByText('Must be at least 10 characters').count()).toBe(1);
    await dialog.getByLabel('Initial password').fill('a-long-enough-password');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    const userRow = page.getByTestId(`user-row-${email}`);
    await poll(() => userRow.locator('td').allInnerTexts()).toEqual(['Lena Vogel\n\n' + email, 'Agent', '', '—', '≤ 30% · $50.00, CA$65.00, MX$900.00, £40.00, €45.00', 'Active', '']);
    await screenshot(page, 'settings-team-en');

    // Edit her limits: amounts are typed in major units and stored as integer minor units.
    await page.getByRole('button', { name: 'Edit user Lena Vogel' }).click();
    await dialog.getByRole('textbox', { name: 'Max share of the order' }).fill('20');
    await dialog.getByRole('textbox', { name: 'USD', exact: true }).fill('75.5');
    await dialog.getByRole('textbox', { name: 'EUR', exact: true }).fill('');
    await screenshot(page, 'settings-user-edit-en');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await poll(() => userRow.locator('td').nth(4).innerText()).toBe('≤ 20% · $75.50, CA$65.00, MX$900.00, £40.00');
    const lena = (await server.ctx.services.auth.listUsers(ownerActor())).find((u) => u.email === email)!;
    expect(lena.remedyLimits).toEqual({ percent: 20, amounts: { USD: 7550, CAD: 6500, MXN: 90000, GBP: 4000 } });

    // Brands: create one; the same name again is a 409 on the name field.
    await page.getByRole('tab', { name: 'Brands' }).click();
    await page.getByRole('textbox', { name: 'Brand name' }).fill(`Maison ${tag}`);
    await page.getByRole('button', { name: 'Add brand' }).click();
    await poll(() => page.getByTestId('brands-table').locator('tbody tr', { hasText: `Maison ${tag}` }).locator('td').nth(1).innerText()).toBe('0');
    await page.getByRole('textbox', { name: 'Brand name' }).fill(`Maison ${tag}`);
    await page.getByRole('button', { name: 'Add brand' }).click();
    await poll(() => page.getByText('A brand with this name already exists.').count()).toBe(1);
    await page.getByRole('tab', { name: 'Team' }).click();

    // Language: switch to Chinese, which is saved on the account and survives a reload.
    await page.getByText('中文', { exact: true }).click();
    await poll(() => navLabels(page)).toEqual(NAV_ZH);
    await poll(() => page.title()).toBe('设置 · Afterdesk');
    await poll(async () => (await server.ctx.services.auth.getUser(ownerActor(), org.users.owner.id)).uiLocale).toBe('zh-CN');
    await page.reload();
    await poll(() => navLabels(page)).toEqual(NAV_ZH);
    await poll(() => page.getByRole('tab', { selected: true }).innerText()).toBe('团队');
    await poll(() => userRow.locator('td').nth(1).innerText()).toBe('客服');
    await screenshot(page, 'settings-team-zh-CN');
    await page.getByRole('tab', { name: '店铺' }).click();
    await poll(() => shopRow.locator('td').nth(2).innerText()).toBe('法国 FR');
    await screenshot(page, 'settings-shops-zh-CN');
    await shopRow.click();
    await page.getByRole('tab', { name: '营业时间' }).click();
    await page.getByRole('textbox', { name: '周一 结束' }).fill('08:00');
    await page.getByRole('button', { name: '保存更改' }).click();
    await poll(() => page.getByRole('dialog').getByText('结束时间必须晚于开始时间').count()).toBe(1);
    await screenshot(page, 'shop-editor-hours-zh-CN');
    await page.getByRole('button', { name: '取消' }).click();
    await page.getByRole('link', { name: '收件箱' }).click();
    await poll(() => page.getByTestId('list-title').innerText()).toBe('全部未结');
    await screenshot(page, 'frame-zh-CN');
    // Tablet: navigation stays beside the page; narrower, it folds behind the burger.
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.getByRole('link', { name: '设置' }).click();
    await page.getByRole('tab', { name: '团队' }).click();
    await screenshot(page, 'tablet-settings-team-zh-CN');
    await page.setViewportSize({ width: 600, height: 900 });
    await page.getByRole('button', { name: '打开导航' }).click();
    await screenshot(page, 'narrow-nav-zh-CN');
    await page.getByRole('link', { name: '收件箱' }).click();
    await poll(() => page.getByTestId('inbox').isVisible()).toBe(true);
    await page.setViewportSize({ width: 1366, height: 860 });

    // A fresh browser (no localStorage) still opens in Chinese: the account's language wins.
    const second = await openPage(browser, server.baseUrl);
    await second.page.goto('/');
    await signIn(second.page, org.users.owner.email);
    await poll(() => navLabels(second.page)).toEqual(NAV_ZH);

    // Sign out from the user menu.
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: '退出登录' }).click();
    await poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('登录');

    expect(problems).toEqual([]);
    expect(second.problems).toEqual([]);
    await second.context.close();
    await context.close();
  }, 240_000);

  it('shows each role only its pages: agents get no settings, supervisors view settings read-only', async () => {
    const agent = await openPage(browser, server.baseUrl);
    await agent.page.goto('/');
    await signIn(agent.page, org.users.agent.email);
    await poll(() => navLabels(agent.page)).toEqual(['Inbox', 'Returns', 'Orders', 'Customers', 'Remedies', 'Evidence', 'Coupons', 'Catalogue', 'Incidents']);
    expect(new URL(agent.page.url()).pathname).toBe('/inbox');
    await agent.page.goto('/settings/team');
    await poll(() => agent.page.getByText('You do not have access', { exact: true }).count()).toBe(1);
    expect(await agent.page.getByText('Page not found', { exact: true }).count()).toBe(0);
    // An address that is no page at all still says so.
    await agent.page.goto('/no-such-page');
    await poll(() => agent.page.getByText('Page not found', { exact: true }).count()).toBe(1);
    expect(agent.problems).toEqual([]);
    await agent.context.close();

    // The org's supervisor was locked out by the rate-limit test above; use a second one.
    const supEmail = `sup2.${org.orgId.slice(-6).toLowerCase()}@test.afterdesk.dev`;
    await server.ctx.services.auth.createUserInOrg(org.orgId, { email: supEmail, name: 'Second Supervisor', password: TEST_PASSWORD, role: 'supervisor' });
    const sup = await openPage(browser, server.baseUrl);
    await sup.page.goto('/settings/team');
    await signIn(sup.page, supEmail);
    await poll(() => navLabels(sup.page)).toEqual(NAV_EN);
    await poll(() => sup.page.getByText('You can view the team; only owners can add or change users.').count()).toBe(1);
    await poll(() => sup.page.getByTestId('users-table').locator('tbody tr').count()).toBeGreaterThanOrEqual(4);
    expect(await sup.page.getByRole('button', { name: 'Add user' }).count()).toBe(0);
    await sup.page.getByRole('tab', { name: 'Shops' }).click();
    expect(await sup.page.getByRole('button', { name: 'Add shop' }).count()).toBe(0);
    await sup.page.getByTestId('shops-table').locator('tbody tr').first().click();
    expect(await sup.page.getByRole('textbox', { name: 'Shop name' }).isDisabled()).toBe(true);
    expect(await sup.page.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
    await sup.page.getByRole('tab', { name: 'Public holidays' }).click();
    await poll(() => sup.page.getByTestId('holidays-table').locator('tbody tr').count()).toBeGreaterThan(5);
    await screenshot(sup.page, 'shop-editor-readonly-supervisor-en');
    expect(sup.problems).toEqual([]);
    await sup.context.close();
  }, 120_000);
});
