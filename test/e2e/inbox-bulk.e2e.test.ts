import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import type { InboundMessage } from '../../src/modules/helpdesk/index.js';
import { describeE2E, launchBrowser, openPage, screenshot, startE2EServer, type E2EServer, signIn } from '../helpers/e2e.js';
import { actorFor, createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';

const poll = <T,>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });
const MIN = 60_000;


const rowIds = (page: Page) => page.getByTestId('ticket-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ticket-id')));
const rowCheck = (page: Page, id: string) => page.locator(`[data-testid=ticket-row][data-ticket-id="${id}"] [data-testid=row-check]`);

describeE2E('inbox bulk actions and merge (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  let org: TestOrg;
  // In SLA order: the same buyer by e-mail and by TikTok chat about one order (duplicates), then two others.
  const ids = { mail: '', chat: '', wa: '', other: '' };

  const ingest = async (m: Omit<InboundMessage, 'orgId' | 'shopId' | 'direction'>) => {
    const r = await server.ctx.services.helpdesk.ingestInbound({ orgId: org.orgId, shopId: org.shopId, direction: 'inbound', ...m });
    // Nobody owns them yet, whatever routing decided, so the bulk assignment below is a real change.
    await server.ctx.services.helpdesk.assign(actorFor(org, 'supervisor'), r.ticketId, { assigneeId: null });
    return r.ticketId;
  };
  const stored = (id: string) => server.ctx.services.helpdesk.getTicket(actorFor(org, 'owner'), id);

  beforeAll(async () => {
    server = await startE2EServer();
    org = await createTestOrg(server.ctx, { market: 'DE' });
    const now = server.ctx.clock.now().getTime();
    await server.ctx.services.sla.createPolicy(actorFor(org, 'owner'), { name: 'E2E bulk SLA', shopId: org.shopId, firstReplyMinutes: 60, nextReplyMinutes: 120, resolutionMinutes: 1440, mode: 'calendar' });
    ids.mail = await ingest({
      channel: 'email',
      externalThreadId: 'mail-ms-1',
      externalMessageId: 'mail-ms-1-a',
      buyer: { name: 'Mia Schulz', email: 'mia.schulz@example.de', language: 'de' },
      subject: 'Bestellung 5770031 unvollständig',
      text: 'Hallo, in meinem Paket fehlt das Ladekabel für die Lampe. Bestellung 5770031. Bitte um Nachsendung.',
      sentAt: new Date(now - 40 * MIN).toISOString(),
    });
    ids.chat = await ingest({
      channel: 'tiktok_chat',
      externalThreadId: 'conv-ms-1',
      externalMessageId: 'tt-ms-1',
      buyer: { externalId: 'tt-buyer-ms', name: 'Mia Schulz', language: 'de' },
      text: 'Hallo, ich habe Ihnen schon gemailt: bei Bestellung 5770031 fehlt das Ladekabel.',
      sentAt: new Date(now - 30 * MIN).toISOString(),
    });
    ids.wa = await ingest({
      channel: 'whatsapp',
      externalThreadId: 'wa-4917011',
      externalMessageId: 'wa-ms-1',
      buyer: { name: 'Tom Becker', phone: '+49 170 11', language: 'de' },
      text: 'Guten Tag, kann ich die Farbe meiner Bestellung noch ändern?',
      sentAt: new Date(now - 20 * MIN).toISOString(),
    });
    ids.other = await ingest({
      channel: 'tiktok_chat',
      externalThreadId: 'conv-lk-1',
      externalMessageId: 'tt-lk-1',
      buyer: { externalId: 'tt-buyer-lk', name: 'Lena Krause', language: 'de' },
      text: 'Wann wird meine Bestellung versendet?',
      sentAt: new Date(now - 10 * MIN).toISOString(),
    });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('selects tickets by checkbox and keyboard, sets a status in bulk (a closed one reported), assigns in bulk, merges duplicates', async () => {
    const { page, problems } = await openPage(browser, server.baseUrl, { viewport: { width: 1440, height: 900 } });
    onTestFailed(async () => {
      await screenshot(page, 'failed-inbox-bulk');
      console.log('page problems:', problems);
    });
    await page.goto('/inbox?view=queue:general');
    await signIn(page, org.users.supervisor.email);
    await poll(() => rowIds(page)).toEqual([ids.mail, ids.chat, ids.wa, ids.other]);
    expect(await page.getByTestId('bulk-bar').count()).toBe(0);

    // x checks the row under the keyboard cursor (the first one); j still moves it.
    await page.keyboard.press('x');
    await poll(() => rowCheck(page, ids.mail).isChecked()).toBe(true);
    await page.keyboard.press('j');
    await poll(() => page.locator('.ad-inbox-cursor').getAttribute('data-ticket-id')).toBe(ids.chat);
    await page.keyboard.press('x');
    await poll(() => rowCheck(page, ids.chat).isChecked()).toBe(true);
    await page.keyboard.press('x');
    await poll(() => rowCheck(page, ids.chat).isChecked()).toBe(false);
    // A click on a checkbox selects without opening the ticket.
    await rowCheck(page, ids.wa).click();
    await rowCheck(page, ids.other).click();
    expect(new URL(page.url()).pathname).toBe('/inbox');
    await poll(() => page.getByTestId('bulk-count').innerText()).toBe('3 tickets selected');
    await page.getByTestId('bulk-bar').screenshot({ path: '/tmp/inbox-bulk-bar.png' });
    await page.screenshot({ path: '/tmp/inbox-bulk-list.png' });

    // Meanwhile someone closes one of them: the batch goes on, that one is reported.
    await server.ctx.services.helpdesk.setStatus(actorFor(org, 'agent'), ids.other, 'closed');
    await page.getByTestId('bulk-status').click();
    await page.getByTestId('bulk-status-waiting_on_buyer').click();
    await poll(() => page.getByTestId('bulk-summary-counts').innerText()).toBe('2 done, 1 refused:');
    expect(await page.getByTestId('bulk-refused').getAttribute('data-ticket-id')).toBe(ids.other);
    const otherNumber = (await stored(ids.other)).ticket.number;
    expect(await page.getByTestId('bulk-refused').innerText()).toBe(`#${otherNumber} — this status change is not allowed (e.g. the ticket is closed)`);
    await page.screenshot({ path: '/tmp/inbox-bulk-summary.png' });
    expect((await stored(ids.mail)).ticket.status).toBe('waiting_on_buyer');
    expect((await stored(ids.wa)).ticket.status).toBe('waiting_on_buyer');
    expect((await stored(ids.other)).ticket.status).toBe('closed');
    expect((await stored(ids.chat)).ticket.status).toBe('new');
    // The selection is cleared and the list refreshed: the closed ticket left the queue view.
    await poll(() => page.getByTestId('bulk-bar').count()).toBe(0);
    // Waiting on the buyer pauses the clocks, so those two now sort after the ticket that is still due.
    await poll(() => rowIds(page)).toEqual([ids.chat, ...[ids.mail, ids.wa].sort()]);

    // Select all visible, assign them all to the agent.
    await page.getByTestId('select-all').click();
    await poll(() => page.getByTestId('bulk-count').innerText()).toBe('3 tickets selected');
    await page.getByTestId('bulk-assign').click();
    await page.locator(`[data-testid=bulk-assignee][data-user-id="${org.users.agent.id}"]`).click();
    await poll(() => page.getByTestId('bulk-summary-counts').last().innerText()).toBe('Done for all 3 tickets.');
    for (const id of [ids.mail, ids.chat, ids.wa]) expect((await stored(id)).ticket.assigneeId).toBe(org.users.agent.id);
    await poll(() => page.getByTestId('bulk-bar').count()).toBe(0);

    // Merge the chat into the e-mail ticket.
    await rowCheck(page, ids.mail).click();
    expect(await page.getByTestId('bulk-merge').isDisabled()).toBe(true);
    await rowCheck(page, ids.chat).click();
    await poll(() => page.getByTestId('bulk-merge').isDisabled()).toBe(false);
    await page.getByTestId('bulk-merge').click();
    const modal = page.getByRole('dialog');
    await poll(() => modal.getByTestId('merge-target').count()).toBe(2);
    await page.locator(`[data-testid=merge-target][data-ticket-id="${ids.mail}"]`).click();
    const [mailNumber, chatNumber] = [(await stored(ids.mail)).ticket.number, (await stored(ids.chat)).ticket.number];
    await poll(() => page.getByTestId('merge-confirm').innerText()).toBe(`Merge 1 ticket into #${mailNumber}`);
    await page.waitForTimeout(300); // the modal's opening transition
    await page.screenshot({ path: '/tmp/inbox-merge-modal.png' });
    await page.getByTestId('merge-confirm').click();
    await poll(() => page.getByTestId('merge-summary').innerText()).toBe(`#${chatNumber} merged into #${mailNumber}.`);
    await poll(() => rowIds(page)).toEqual([ids.mail, ids.wa].sort());
    expect(await page.getByTestId('bulk-bar').count()).toBe(0);

    // Stored: the duplicate is closed and points at the survivor; its buyer message moved there.
    const merged = await stored(ids.chat);
    expect(merged.ticket).toMatchObject({ status: 'closed', mergedIntoId: ids.mail });
    expect(merged.messages.map((m) => [m.kind, m.body])).toEqual([['note', `Merged into ticket #${mailNumber} (${ids.mail}).\n已合并到工单 #${mailNumber}。`]]);
    const kept = await stored(ids.mail);
    expect(kept.ticket).toMatchObject({ status: 'waiting_on_buyer', mergedIntoId: null, assigneeId: org.users.agent.id });
    expect(kept.messages.map((m) => ({ kind: m.kind, movedFrom: m.movedFromTicketId, text: m.kind === 'note' ? m.body : m.body.slice(0, 30) }))).toEqual([
      { kind: 'public', movedFrom: null, text: 'Hallo, in meinem Paket fehlt d' },
      { kind: 'public', movedFrom: ids.chat, text: 'Hallo, ich habe Ihnen schon ge' },
      { kind: 'note', movedFrom: null, text: `Merged #${chatNumber} into this ticket.\n已将 #${chatNumber} 合并到本工单。` },
    ]);
    expect(kept.ticket.messageCount).toBe(3);

    // Beside an open ticket the compact list has the checkboxes too; selecting never opens another ticket.
    await page.locator(`[data-testid=ticket-row][data-ticket-id="${ids.mail}"]`).click();
    await poll(() => new URL(page.url()).pathname).toBe(`/inbox/${ids.mail}`);
    await poll(() => page.locator('.ad-inbox-item-wrap').count()).toBe(2);
    const waNumber = (await stored(ids.wa)).ticket.number;
    await page.getByRole('checkbox', { name: `Select ticket #${waNumber}` }).click();
    await poll(() => page.getByTestId('bulk-count').innerText()).toBe('1 ticket selected');
    expect(new URL(page.url()).pathname).toBe(`/inbox/${ids.mail}`);
    await page.screenshot({ path: '/tmp/inbox-bulk-compact.png' });
    // Chinese: the bar and the merge dialog switch language.
    await page.getByText('中文', { exact: true }).click();
    await poll(() => page.getByTestId('bulk-count').innerText()).toBe('已选择 1 个工单');
    await page.getByRole('checkbox', { name: `选择工单 #${mailNumber}` }).click();
    await poll(() => page.getByTestId('bulk-count').innerText()).toBe('已选择 2 个工单');
    await page.screenshot({ path: '/tmp/inbox-bulk-compact-zh.png' });
    await page.getByTestId('bulk-merge').click();
    await poll(() => page.getByTestId('merge-confirm').innerText()).toMatch(/^将 1 个工单合并到 #\d+$/);
    await page.waitForTimeout(300);
    await page.screenshot({ path: '/tmp/inbox-merge-modal-zh.png' });
    await page.getByRole('button', { name: '取消', exact: true }).click();
    await page.getByTestId('bulk-clear').click();
    await poll(() => page.getByTestId('bulk-bar').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 180_000);
});
