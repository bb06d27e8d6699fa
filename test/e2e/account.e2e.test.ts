import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { totpCode } from '../../src/modules/auth/index.js';
import { verifyWebhookSignature } from '../../src/modules/integrations/index.js';
import type { ManualClock } from '../../src/platform/clock.js';
import { describeE2E, launchBrowser, openPage, screenshot, startE2EServer, type E2EServer, signIn, SIGN_IN_ZH } from '../helpers/e2e.js';
import { createTestOrg, TEST_PASSWORD } from '../helpers/org.js';

const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });
const SHOTS = process.env.SHOTS_DIR ?? '/work/shots/account';

async function shot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
}


async function typeCode(page: Page, testId: string, code: string) {
  await page.getByTestId(testId).locator('input').first().click();
  await page.keyboard.type(code);
}

describeE2E('Account and two-factor sign-in (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  // A local webhook receiver (allowed through OUTBOUND_ALLOW), answering `status`.
  let receiver: http.Server;
  let receiverPort: number;
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let status = 200;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverPort = (receiver.address() as AddressInfo).port;
    server = await startE2EServer({ env: { OUTBOUND_ALLOW: `127.0.0.1:${receiverPort}` }, overrides: { webhookAutoDisableAfter: 2 } });
    await registerModuleWorkers(server.ctx.platform, server.ctx.services);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((r) => receiver?.close(r));
  });

  it('an owner turns on two-factor sign-in and signs in with a code; the audit log and integrations show it', async () => {
    const clock = server.ctx.clock as ManualClock;
    const org = await createTestOrg(server.ctx, { market: 'DE' });
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await screenshot(page, 'failed-account');
      console.log('page problems:', problems);
    });
    await page.goto('/inbox');
    await signIn(page, org.users.owner.email);
    await page.getByTestId('user-menu').click();
    await page.getByTestId('menu-account').click();
    await poll(() => new URL(page.url()).pathname).toBe('/account');
    await poll(() => page.getByTestId('two-factor-status').innerText()).toBe('OFF');

    // Enrol: scan (here: read) the secret, enter the code the app would show.
    await page.getByTestId('two-factor-start').click();
    const secret = (await page.getByTestId('totp-secret').innerText()).trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await shot(page, 'account-enrol-en-desktop');
    await typeCode(page, 'totp-code', totpCode(secret, clock.now()));
    await page.getByTestId('two-factor-confirm').click();
    await poll(() => page.getByTestId('recovery-codes').locator('code').count()).toBe(10);
    await shot(page, 'account-recovery-codes-en-desktop');
    await page.getByTestId('codes-done').click();
    await poll(() => page.getByTestId('two-factor-status').innerText()).toBe('ON');
    await shot(page, 'account-en-desktop');

    // Sign out and in again: password, then the code.
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await signIn(page, org.users.owner.email, { shell: false });
    await poll(() => page.getByText('Enter the 6-digit code from your authenticator app.').count()).toBe(1);
    await shot(page, 'signin-code-en-desktop');
    // A fresh time step: the enrolment code may not be used twice.
    clock.advance(30_000);
    await typeCode(page, 'login-code', totpCode(secret, clock.now()));
    await poll(() => page.getByTestId('user-menu').count()).toBe(1);

    // Owners require it for everyone; the audit log shows what happened, before → after.
    await page.goto('/settings/security');
    const requireSwitch = page.getByRole('switch', { name: 'Require two-factor sign-in for everyone' });
    await poll(() => requireSwitch.isEnabled()).toBe(true);
    await requireSwitch.click({ force: true });
    await poll(() => requireSwitch.isChecked()).toBe(true);
    await poll(() => page.getByText('People without two-factor sign-in: 3').count()).toBe(1);
    await shot(page, 'settings-security-en-desktop');
    await page.goto('/settings/audit');
    await poll(() => page.getByTestId('audit-table').getByText('Two-factor sign-in turned on').count()).toBe(1);
    await poll(() => page.getByTestId('audit-table').getByText('Sign-in rules changed').count()).toBe(1);
    await shot(page, 'settings-audit-en-desktop');

    // An API token, shown once.
    await page.goto('/settings/integrations');
    await page.getByTestId('token-new').click();
    await page.getByRole('dialog').getByLabel('Name').fill('ERP sync');
    await page.getByRole('dialog').getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByTestId('shown-once').innerText()).trim();
    expect(token).toMatch(/^adk_/);
    const viaToken = await fetch(`${server.baseUrl}/api/tickets`, { headers: { authorization: `Bearer ${token}` } });
    expect(viaToken.status).toBe(200);
    await page.getByRole('button', { name: 'Done, I have stored it' }).click();
    await shot(page, 'settings-integrations-en-desktop');

    // An agent of the organisation is now sent to enrolment and can do nothing else.
    const agent = await openPage(browser, server.baseUrl, { viewport: { width: 390, height: 844 } });
    await agent.page.goto('/inbox');
    await signIn(agent.page, org.users.agent.email, { shell: false });
    await poll(() => agent.page.getByTestId('restriction').count()).toBe(1);
    await shot(agent.page, 'restricted-enrolment-en-phone');
    await agent.context.close();

    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('an owner adds a webhook, sends a test, and sees it turned off with a notice after failures', async () => {
    const org = await createTestOrg(server.ctx, { market: 'DE' });
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await screenshot(page, 'failed-webhooks');
      console.log('page problems:', problems);
    });
    await page.goto('/settings/integrations');
    await signIn(page, org.users.owner.email);
    await page.getByTestId('webhook-new').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Address').fill(`http://127.0.0.1:${receiverPort}/alerts`);
    await dialog.getByLabel('Description').fill('Team chat alerts');
    await dialog.getByRole('button', { name: 'Add webhook' }).click();
    const secret = (await page.getByTestId('shown-once').innerText()).trim();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Done, I have stored it' }).click();

    received.length = 0;
    status = 200;
    await page.getByRole('button', { name: 'Send test' }).click();
    await poll(async () => (await server.ctx.platform.dispatcher.drain(5, org.orgId), received.length)).toBe(1);
    expect(received[0]!.headers['afterdesk-event']).toBe('webhook.test');
    expect(verifyWebhookSignature(secret, String(received[0]!.headers['afterdesk-signature']), received[0]!.body, Math.floor(server.ctx.clock.now().getTime() / 1000))).toBe(true);

    // The receiver breaks: two failed attempts in a row turn the endpoint off (threshold lowered for the test).
    status = 503;
    await server.ctx.services.integrations.emitNow({ orgId: org.orgId, type: 'sla.breached', key: `sla.breached:e2e_${org.orgId}`, data: { ticketId: 'tkt_e2e' } });
    await server.ctx.platform.dispatcher.drain(5, org.orgId);
    (server.ctx.clock as ManualClock).advance(10 * 60_000);
    await server.ctx.platform.dispatcher.drain(5, org.orgId);
    await page.reload();
    await poll(() => page.getByTestId('webhook-notice').count()).toBe(1);
    await shot(page, 'settings-webhooks-disabled-en-desktop');
    await page.getByRole('button', { name: 'Delivery log' }).click();
    await poll(() => page.getByRole('dialog').locator('tbody tr').count()).toBe(3);
    await shot(page, 'settings-webhook-log-en-desktop');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('looks right in zh-CN on a phone and a desktop', async () => {
    const org = await createTestOrg(server.ctx, { market: 'DE' });
    await server.ctx.services.account.update({ orgId: org.orgId, userId: org.users.owner.id, role: 'owner' }, { uiLocale: 'zh-CN' });
    for (const [viewport, tag] of [
      [{ width: 390, height: 844 }, 'phone'],
      [{ width: 1366, height: 860 }, 'desktop'],
    ] as const) {
      const { page, context, problems } = await openPage(browser, server.baseUrl, { viewport, locale: 'zh-CN' });
      await page.goto('/account');
      await signIn(page, org.users.owner.email, { labels: SIGN_IN_ZH });
      await poll(() => page.getByText('两步验证登录').first().count()).toBe(1);
      await shot(page, `account-zh-${tag}`);
      await page.goto('/settings/audit');
      await poll(() => page.getByTestId('audit-table').count()).toBe(1);
      await shot(page, `settings-audit-zh-${tag}`);
      await page.goto('/settings/integrations');
      await poll(() => page.getByTestId('token-new').count()).toBe(1);
      await shot(page, `settings-integrations-zh-${tag}`);
      if (tag === 'phone') {
        await page.goto('/account');
        await poll(() => page.getByTestId('sessions').count()).toBe(1);
      }
      expect(problems).toEqual([]);
      await context.close();
    }
    // English on a phone too.
    const { page, context } = await openPage(browser, server.baseUrl, { viewport: { width: 390, height: 844 } });
    await page.goto('/account');
    await signIn(page, org.users.agent.email);
    await poll(() => page.getByTestId('two-factor').count()).toBe(1);
    await shot(page, 'account-en-phone');
    await context.close();
  }, 120_000);
});
