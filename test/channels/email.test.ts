import { and, eq } from 'drizzle-orm';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailboxes, createInstallationMail } from '../../src/integrations/email/index.js';
import { tickets, ticketMessages } from '../../src/modules/helpdesk/helpdesk.schema.js';
import { mailboxes } from '../../src/integrations/email/email.schema.js';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg, type TestOrg } from '../helpers/org.js';
import { mailServersAvailable, startMailServers, type MailServers } from '../helpers/mail-servers.js';

const run = mailServersAvailable();
const SHOP = { user: 'support', pass: 'mailbox-pass-7', address: 'support@voltix.test' };
const BUYER = { user: 'anna', pass: 'buyer-pass-7', address: 'anna@buyer.test' };
// A 1×1 PNG: the attachment must arrive as the same bytes in the evidence store.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

function raw(o: { id: string; from?: string; subject: string; text: string; inReplyTo?: string; references?: string; headers?: string[]; attach?: boolean; date?: string }): string {
  const boundary = 'b-afterdesk-test';
  const head = [
    `From: ${o.from ?? 'Anna Weber <anna@buyer.test>'}`,
    `To: ${SHOP.address}`,
    `Subject: ${o.subject}`,
    `Message-ID: ${o.id}`,
    `Date: ${o.date ?? new Date().toUTCString()}`,
    ...(o.inReplyTo ? [`In-Reply-To: ${o.inReplyTo}`] : []),
    ...(o.references ? [`References: ${o.references}`] : []),
    ...(o.headers ?? []),
    'MIME-Version: 1.0',
  ];
  if (!o.attach) return [...head, 'Content-Type: text/plain; charset=utf-8', '', o.text, ''].join('\n');
  return [
    ...head,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    o.text,
    `--${boundary}`,
    'Content-Type: image/png; name="strap.png"',
    'Content-Disposition: attachment; filename="strap.png"',
    'Content-Transfer-Encoding: base64',
    '',
    PNG.toString('base64'),
    `--${boundary}--`,
    '',
  ].join('\n');
}

describe.skipIf(!run)('a shop mailbox over real IMAP and SMTP (dovecot + smtp-server)', () => {
  let ctx: TestContext;
  let org: TestOrg;
  let mail: MailServers;

  beforeAll(async () => {
    mail = await startMailServers([SHOP, BUYER]);
    ctx = await createTestContext({ env: { OUTBOUND_ALLOW: '127.0.0.1', SMTP_URL: `smtp://${SHOP.user}:${SHOP.pass}@127.0.0.1:${mail.smtpPort}?ignoreTLS=true`, MAIL_FROM: 'afterdesk@voltix.test' } });
    await registerModuleWorkers(ctx.platform, ctx.services);
    org = await createTestOrg(ctx);
    const owner = { orgId: org.orgId, userId: org.users.owner.id, role: 'owner' as const };
    await ctx.services.email.save(owner, org.shopId, {
      address: SHOP.address,
      imap: { host: '127.0.0.1', port: mail.imapPort, tls: 'none', user: SHOP.user, password: SHOP.pass, folder: 'INBOX' },
      smtp: { host: '127.0.0.1', port: mail.smtpPort, tls: 'none', user: SHOP.user, password: SHOP.pass },
    });
  }, 60_000);
  afterAll(async () => {
    await ctx?.close();
    await mail?.close();
  });

  const ticketsOf = () => ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(tickets).where(eq(tickets.orgId, org.orgId)));
  const messagesOf = (ticketId: string) => ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(ticketMessages).where(and(eq(ticketMessages.orgId, org.orgId), eq(ticketMessages.ticketId, ticketId))).orderBy(ticketMessages.sentAt));

  it('stores passwords sealed and never shows them', async () => {
    const [row] = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(mailboxes).where(eq(mailboxes.orgId, org.orgId)));
    expect(row!.imapPassword).toMatch(/^v1\./);
    expect(row!.imapPassword).not.toContain(SHOP.pass);
    const res = await ctx.app.inject({ method: 'GET', url: `/api/shops/${org.shopId}/mailbox`, headers: { cookie: await org.cookie('supervisor') } });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(SHOP.pass);
    expect(res.json().mailbox).toMatchObject({ address: SHOP.address, status: 'active', imap: { host: '127.0.0.1', port: mail.imapPort, folder: 'INBOX' } });
  });

  it('says which step of the connection failed', async () => {
    const cookie = await org.cookie('owner');
    const ok = await ctx.app.inject({ method: 'POST', url: `/api/shops/${org.shopId}/mailbox/test`, headers: { cookie }, payload: {} });
    expect(ok.json()).toMatchObject({ ok: true, idle: true });
    expect(ok.json().steps.map((s: { step: string; ok: boolean }) => `${s.step}:${s.ok}`)).toEqual(['dns:true', 'connect:true', 'tls:true', 'login:true', 'folder:true', 'smtp:true']);

    const put = (over: Record<string, unknown>) =>
      ctx.app.inject({ method: 'PUT', url: `/api/shops/${org.shopId}/mailbox`, headers: { cookie }, payload: { address: SHOP.address, imap: { host: '127.0.0.1', port: mail.imapPort, tls: 'none', user: SHOP.user, folder: 'INBOX', ...over }, smtp: { host: '127.0.0.1', port: mail.smtpPort, tls: 'none', user: SHOP.user } } });
    const failing = async () => (await ctx.app.inject({ method: 'POST', url: `/api/shops/${org.shopId}/mailbox/test`, headers: { cookie }, payload: {} })).json();

    expect((await put({ password: 'wrong-password-1' })).statusCode).toBe(200);
    expect((await failing()).steps.at(-1)).toMatchObject({ step: 'login', ok: false });
    // A sync that cannot log in marks the mailbox failing and tells the owner once (a channel failure).
    const owner = { orgId: org.orgId, userId: org.users.owner.id, role: 'owner' as const };
    const channelFailures = async () => (await ctx.services.notifications.list(owner, { limit: 50 })).items.filter((n) => n.kind === 'channel_failure');
    await expect(ctx.services.email.sync(org.orgId, org.shopId)).rejects.toThrow(/could not be read \(login\)/);
    await expect(ctx.services.email.sync(org.orgId, org.shopId)).rejects.toThrow(/could not be read/);
    const told = await channelFailures();
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ kind: 'channel_failure', shopId: org.shopId, params: { channel: 'email', step: 'login' }, link: '/settings/channels' });
    expect((await put({ password: SHOP.pass, folder: 'Archive' })).statusCode).toBe(200);
    expect((await failing()).steps.at(-1)).toMatchObject({ step: 'folder', ok: false });
    // An internal address outside the allow list is refused before any socket opens.
    expect((await put({ host: '10.0.0.5' })).statusCode).toBe(200);
    const blocked = await failing();
    expect(blocked.steps).toEqual([{ step: 'dns', ok: false, detail: expect.stringMatching(/10\.0\.0\.5/) }]);
    expect((await put({ folder: 'INBOX' })).statusCode).toBe(200);
    expect((await failing()).ok).toBe(true);
    // A bad body names the field.
    const bad = await ctx.app.inject({ method: 'PUT', url: `/api/shops/${org.shopId}/mailbox`, headers: { cookie }, payload: { address: 'not-an-address', imap: {}, smtp: {} } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.issues.map((i: { field: string }) => i.field)).toEqual(expect.arrayContaining(['address', 'imap.host', 'smtp.port']));
  });

  it('turns a thread of three mails with an attachment into one ticket, replies with the right headers, and keeps machines and spoofers apart', async () => {
    mail.deliver(SHOP.user, raw({ id: '<m1@buyer.test>', subject: 'Strap smells', text: 'The leather strap smells strongly. Photo attached.', attach: true }));
    const s1 = await ctx.services.email.sync(org.orgId, org.shopId);
    expect(s1).toMatchObject({ fetched: 1, ingested: 1, busy: false });
    const [ticket] = await ticketsOf();
    expect(ticket).toMatchObject({ channel: 'email', subject: 'Strap smells', buyerEmail: 'anna@buyer.test', status: 'new' });
    const [first] = await messagesOf(ticket!.id);
    expect(first!.attachments).toHaveLength(1);
    const file = await ctx.services.evidence.readFile(org.orgId, first!.attachments[0]!.sha256!);
    expect(file.bytes.equals(PNG)).toBe(true);
    expect(file.contentType).toBe('image/png');

    // The agent answers; the mail leaves through the shop's SMTP with threading headers and a copy in Sent.
    const cookie = await org.cookie('agent');
    const rep = await ctx.app.inject({ method: 'POST', url: `/api/tickets/${ticket!.id}/reply`, headers: { cookie }, payload: { text: 'Hello Anna, air it for two days; the smell goes.', attachments: [{ sha256: first!.attachments[0]!.sha256!, fileName: 'care.png', contentType: 'image/png' }] } });
    expect(rep.statusCode).toBe(201);
    const drained = await ctx.platform.dispatcher.drain(50, org.orgId);
    expect(drained).toMatchObject({ done: 1, failed: 0 });
    const out = mail.received.filter((r) => r.to.includes(BUYER.address));
    expect(out).toHaveLength(1);
    const sent = await simpleParser(out[0]!.raw);
    expect(sent.subject).toBe(`Re: Strap smells [#${ticket!.number}]`);
    expect(sent.inReplyTo).toBe('<m1@buyer.test>');
    expect(sent.references).toBe('<m1@buyer.test>');
    expect(sent.messageId).toMatch(/^<ad\.[\w.-]+@voltix\.test>$/);
    expect(sent.from?.value[0]?.address).toBe(SHOP.address);
    expect(sent.attachments.map((a) => [a.filename, a.contentType, a.content.equals(PNG)])).toEqual([['care.png', 'image/png', true]]);
    const imap = new ImapFlow({ host: '127.0.0.1', port: mail.imapPort, secure: false, auth: { user: SHOP.user, pass: SHOP.pass }, logger: false });
    await imap.connect();
    expect(((await imap.status('Sent', { messages: true })) as { messages?: number }).messages).toBe(1);
    await imap.logout();
    const reply = (await messagesOf(ticket!.id)).find((m) => m.direction === 'outbound');
    expect(reply!.deliveryStatus).toBe('sent');

    // The buyer answers in the thread; later writes fresh, quoting only the ticket token.
    mail.deliver(SHOP.user, raw({ id: '<m2@buyer.test>', date: new Date(Date.now() + 1000).toUTCString(), subject: `Re: Strap smells [#${ticket!.number}]`, text: 'Thanks, I will try.\n\nOn Mon, Dec 7, 2026 Voltix wrote:\n> Hello Anna', inReplyTo: sent.messageId!, references: `<m1@buyer.test> ${sent.messageId}` }));
    mail.deliver(SHOP.user, raw({ id: '<m3@buyer.test>', date: new Date(Date.now() + 2000).toUTCString(), subject: `Still smells [#${ticket!.number}]`, text: 'It still smells after two days.' }));
    // A copy of our own reply (a BCC to the mailbox) is not a buyer message.
    mail.deliver(SHOP.user, out[0]!.raw);
    // An out-of-office answer and a bounce: kept on their tickets, no clock, no status change.
    mail.deliver(SHOP.user, raw({ id: '<ooo@buyer.test>', date: new Date(Date.now() + 3000).toUTCString(), subject: 'Automatic reply: Strap smells', text: 'I am away until Monday.', inReplyTo: sent.messageId!, references: `<m1@buyer.test> ${sent.messageId}`, headers: ['Auto-Submitted: auto-replied'] }));
    mail.deliver(SHOP.user, raw({ id: '<bounce-1@mx.test>', from: 'MAILER-DAEMON@mx.buyer.test', subject: 'Undelivered Mail Returned to Sender', text: 'Delivery failed.' }));
    // Someone writing as the shop itself: a buyer message, flagged, never an agent reply.
    mail.deliver(SHOP.user, raw({ id: '<spoof@evil.test>', from: `Voltix Support <${SHOP.address}>`, subject: 'Refund approved', text: 'Please refund me.', headers: ['Authentication-Results: mx.voltix.test; spf=fail smtp.mailfrom=voltix.test; dkim=none; dmarc=fail header.from=voltix.test'] }));

    const s2 = await ctx.services.email.sync(org.orgId, org.shopId);
    expect(s2).toMatchObject({ fetched: 6, ingested: 5, automated: 2, skipped: { own: 1, tooLarge: 0 } });
    const all = await ticketsOf();
    const thread = all.find((t) => t.id === ticket!.id)!;
    const msgs = await messagesOf(thread.id);
    const inbound = msgs.filter((m) => m.direction === 'inbound');
    expect(inbound.map((m) => [m.externalMessageId, m.channelMeta?.automated ?? null])).toEqual([
      ['<m1@buyer.test>', null],
      ['<m2@buyer.test>', null],
      ['<m3@buyer.test>', null],
      ['<ooo@buyer.test>', 'auto_reply'],
    ]);
    expect(msgs.filter((m) => m.direction === 'outbound')).toHaveLength(1);
    expect(inbound.find((m) => m.externalMessageId === '<m2@buyer.test>')!.body).toBe('Thanks, I will try.');
    expect(thread.status).toBe('open');
    const bounce = all.find((t) => t.subject.startsWith('Undelivered'))!;
    expect(bounce).toMatchObject({ status: 'solved', solvedReason: 'automated', slaDueAt: null, assigneeId: null });
    const spoof = all.find((t) => t.subject === 'Refund approved')!;
    const [spoofMsg] = await messagesOf(spoof.id);
    expect(spoofMsg).toMatchObject({ direction: 'inbound', authorType: 'buyer', channelMeta: { spoofSuspect: true, authentication: { spf: 'fail', dkim: 'none', dmarc: 'fail' } } });
    expect(spoof.status).toBe('new');
    expect(all).toHaveLength(3);

    // Sync again: nothing new, nothing twice.
    expect(await ctx.services.email.sync(org.orgId, org.shopId)).toMatchObject({ fetched: 0, ingested: 0 });
  });

  it('never sends a reply twice when a retry finds the earlier copy in Sent', async () => {
    const before = mail.received.length;
    const m = { key: 'helpdesk.reply:msg_retry', to: BUYER.address, subject: 'Your order', ticketNumber: 77, text: 'On its way.', attachments: [] };
    expect(await ctx.services.email.send(org.orgId, org.shopId, { ...m, attempt: 1 })).toMatchObject({ deduplicated: false });
    // The answer was lost; the outbox runs the step again.
    expect(await ctx.services.email.send(org.orgId, org.shopId, { ...m, attempt: 2 })).toMatchObject({ deduplicated: true });
    expect(mail.received.length - before).toBe(1);
  });

  it('loses and duplicates nothing when a sync dies half way', async () => {
    for (let i = 1; i <= 5; i++) mail.deliver(SHOP.user, raw({ id: `<crash-${i}@buyer.test>`, subject: `Crash test ${i}`, text: `Message number ${i}` }));
    let calls = 0;
    // A worker that dies: after the 2nd ticket is written (before its cursor moves), then on the 4th.
    const dying = createMailboxes({
      db: ctx.platform.db,
      ids: ctx.platform.ids,
      clock: ctx.clock,
      log: ctx.platform.log,
      secretKey: ctx.platform.secretKey,
      outbound: ctx.platform.outbound,
      files: ctx.services.evidence,
      helpdesk: {
        ingestInbound: async (msg) => {
          calls++;
          if (calls === 3) throw new Error('killed');
          const r = await ctx.services.helpdesk.ingestInbound(msg);
          if (calls === 2) throw new Error('killed after commit');
          return r;
        },
      },
    });
    await expect(dying.sync(org.orgId, org.shopId)).rejects.toThrow(/could not be read/);
    await expect(dying.sync(org.orgId, org.shopId)).rejects.toThrow(/could not be read/);
    const state = await ctx.services.email.get({ orgId: org.orgId, userId: org.users.owner.id, role: 'owner' }, org.shopId);
    expect(state).toMatchObject({ status: 'failing', lastErrorStep: expect.any(String) });
    const r = await ctx.services.email.sync(org.orgId, org.shopId);
    expect(r.busy).toBe(false);
    const crash = (await ticketsOf()).filter((t) => t.subject.startsWith('Crash test'));
    expect(crash.map((t) => t.subject).sort()).toEqual(['Crash test 1', 'Crash test 2', 'Crash test 3', 'Crash test 4', 'Crash test 5']);
    for (const t of crash) expect(await messagesOf(t.id)).toHaveLength(1);
    expect(await ctx.services.email.get({ orgId: org.orgId, userId: org.users.owner.id, role: 'owner' }, org.shopId)).toMatchObject({ status: 'active', lastError: null });
  });

  it('lets one worker at a time read a mailbox', async () => {
    const [row] = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(mailboxes).where(eq(mailboxes.orgId, org.orgId)));
    const holder = await ctx.platform.db.pool.connect();
    try {
      await holder.query("select pg_advisory_lock(hashtextextended('afterdesk.mailbox:' || $1, 0))", [row!.id]);
      expect(await ctx.services.email.sync(org.orgId, org.shopId)).toMatchObject({ busy: true, fetched: 0 });
      await holder.query("select pg_advisory_unlock(hashtextextended('afterdesk.mailbox:' || $1, 0))", [row!.id]);
      expect(await ctx.services.email.sync(org.orgId, org.shopId)).toMatchObject({ busy: false });
    } finally {
      holder.release();
    }
  });

  it('watches the mailbox with IMAP IDLE: new mail becomes a ticket without a poll, and a cut connection comes back', async () => {
    const [row] = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(mailboxes).where(eq(mailboxes.orgId, org.orgId)));
    const until = async (what: string, ok: () => boolean | Promise<boolean>) => {
      for (let i = 0; i < 200; i++) {
        if (await ok()) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`waited 10 s for ${what}`);
    };
    const watch = ctx.services.email.watch({ refreshMs: 60_000, backoff: { baseMs: 100, maxMs: 500 }, autoIdleDelayMs: 100 });
    try {
      await watch.started;
      // Connected, caught up with what came while nobody watched, now in IDLE.
      await until('the watcher to idle', () => watch.status()[0]?.state === 'idle' && watch.status()[0]!.syncs >= 1);
      const syncs = watch.status()[0]!.syncs;
      // While the watcher holds the mailbox, the minute poll (in any process) leaves it alone.
      expect(await ctx.services.email.sync(org.orgId, org.shopId)).toMatchObject({ busy: true });
      const before = (await ticketsOf()).length;
      mail.deliver(SHOP.user, raw({ id: '<idle-1@buyer.test>', from: 'Piet <piet@buyer.test>', subject: 'Order 5511 never came', text: 'Where is my parcel?' }));
      await until('the pushed mail to become a ticket', async () => (await ticketsOf()).some((t) => t.subject === 'Order 5511 never came'));
      // The server's EXISTS during IDLE started that sync; nobody polled. (The count moves when the
      // sync has finished, a moment after its ticket is visible.)
      await until('the pushed sync to be counted', () => watch.status()[0]!.syncs >= syncs + 1);
      expect(watch.status()[0]!.syncs).toBe(syncs + 1);

      // The server connection dies: the watcher lets go, reconnects after its backoff, and catches up.
      watch.dropConnection(row!.id);
      mail.deliver(SHOP.user, raw({ id: '<idle-2@buyer.test>', from: 'Piet <piet@buyer.test>', subject: 'Second parcel missing', text: 'And the other one?' }));
      await until('the reconnect', () => watch.status()[0]?.reconnects === 1 && watch.status()[0]?.state === 'idle');
      await until('the mail sent meanwhile to become a ticket', async () => (await ticketsOf()).some((t) => t.subject === 'Second parcel missing'));
      mail.deliver(SHOP.user, raw({ id: '<idle-3@buyer.test>', from: 'Eva <eva@buyer.test>', subject: 'Wrong colour', text: 'I ordered black and got blue.' }));
      await until('mail after the reconnect to become a ticket', async () => (await ticketsOf()).some((t) => t.subject === 'Wrong colour'));
      expect((await ticketsOf()).length).toBe(before + 3);
    } finally {
      await watch.stop();
    }
    // Stopped: the lock is free again and the poll finds nothing left to do.
    expect(await ctx.services.email.sync(org.orgId, org.shopId)).toMatchObject({ busy: false, ingested: 0 });
  });

  it('sends the installation’s own mail through its SMTP server', async () => {
    const off = createInstallationMail({});
    expect(off.configured).toBe(false);
    await expect(off.send({ to: 'x@y.z', subject: 's', text: 't' })).rejects.toThrow(/SMTP_URL/);
    const on = createInstallationMail({ smtpUrl: `smtp://${SHOP.user}:${SHOP.pass}@127.0.0.1:${mail.smtpPort}?ignoreTLS=true`, from: 'afterdesk@voltix.test' });
    await on.send({ to: BUYER.address, subject: 'Your invitation', text: 'Join Afterdesk' });
    const last = await simpleParser(mail.received.at(-1)!.raw);
    expect([last.subject, last.from?.value[0]?.address, last.to && !Array.isArray(last.to) ? last.to.value[0]?.address : null]).toEqual(['Your invitation', 'afterdesk@voltix.test', BUYER.address]);
  });

  it('e-mails invitations and password resets through the installation’s SMTP, and audits the invitation', async () => {
    const cookie = await org.cookie('owner');
    const before = mail.received.length;
    const inv = await ctx.app.inject({ method: 'POST', url: '/api/invitations', headers: { cookie }, payload: { email: BUYER.address, role: 'agent', locale: 'zh-CN' } });
    expect(inv.statusCode).toBe(201);
    expect(inv.json()).toMatchObject({ mailed: true });
    expect(await ctx.platform.dispatcher.drain(50, org.orgId)).toMatchObject({ failed: 0 });
    const sent = await simpleParser(mail.received.at(-1)!.raw);
    expect(mail.received.length - before).toBe(1);
    expect(sent.subject).toMatch(/^邀请你加入 Afterdesk 上的 /);
    expect(sent.text).toContain(inv.json().link);
    const audit = await ctx.app.inject({ method: 'GET', url: '/api/audit?limit=20', headers: { cookie } });
    expect(audit.json().items.map((e: { action: string }) => e.action)).toContain('invitations.created');

    // A password reset for a member goes out the same way (the link is in the mail, nowhere else).
    const r = await ctx.app.inject({ method: 'POST', url: '/api/auth/password-reset/request', payload: { email: org.users.agent.email } });
    expect(r.statusCode).toBe(202);
    await ctx.platform.dispatcher.drain(50, org.orgId);
    const reset = await simpleParser(mail.received.at(-1)!.raw);
    expect(reset.subject).toBe('Reset your Afterdesk password');
    expect(reset.to && !Array.isArray(reset.to) ? reset.to.value[0]?.address : null).toBe(org.users.agent.email);
    expect(reset.text).toMatch(/\/reset-password\?token=/);
  });
});
