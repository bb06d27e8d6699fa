/**
 * Issue 13: notifications by e-mail through the installation's SMTP (a real SMTP server here),
 * per person and kind — in the app, by e-mail, both, or off — mailed straight away in the
 * person's UI language, with a link into Afterdesk; nothing about the person in the log.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModuleWorkers } from '../../src/app/modules.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createLogger } from '../../src/platform/logger.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg, type TestOrg } from '../helpers/org.js';
import { seedOrder, seedTicket } from '../helpers/returns.js';

const received: { to: string[]; raw: string }[] = [];
let smtp: SMTPServer;
let ctx: TestContext;
let org: TestOrg;
const logged: string[] = [];
const clock = new ManualClock('2026-03-02T08:00:00Z');

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  const port = (smtp.server.address() as AddressInfo).port;
  const log = createLogger('debug', 'test', false, { write: (s: string) => void logged.push(s) });
  ctx = await createTestContext({ clock, log, env: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'desk@afterdesk.example', PUBLIC_URL: 'https://desk.example.test' } });
  await registerModuleWorkers(ctx.platform, ctx.services);
  org = await createTestOrg(ctx);
}, 60_000);
afterAll(async () => {
  await ctx?.close();
  await new Promise<void>((r) => smtp?.close(() => r()));
});

describe('notifications by e-mail', () => {
  it('e-mail only, both, in-app only: each person hears it where they chose, mailed in their language with a link', async () => {
    const put = async (role: 'owner' | 'supervisor' | 'agent', inApp: boolean, email: boolean) => {
      const r = await ctx.app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers: { cookie: await org.cookie(role) }, payload: { items: [{ kind: 'mention', inApp, email }] } });
      expect(r.statusCode).toBe(200);
      return r.json() as { items: { kind: string; inApp: boolean; email: boolean }[]; emailAvailable: boolean };
    };
    const sup = await put('supervisor', false, true);
    expect(sup.emailAvailable).toBe(true);
    expect(sup.items.find((i) => i.kind === 'mention')).toEqual({ kind: 'mention', inApp: false, email: true, emailDigest: false });
    await put('owner', true, true);
    // The owner reads Afterdesk in Chinese.
    expect((await ctx.app.inject({ method: 'PATCH', url: '/api/auth/me', headers: { cookie: await org.cookie('owner') }, payload: { uiLocale: 'zh-CN' } })).statusCode).toBe(200);

    const o = await seedOrder(ctx, org, { lines: [{ unitPrice: 4_000 }] });
    const ticketId = await seedTicket(ctx, org, o.orderId);
    const tag = org.users.owner.email.split('.')[1]!.split('@')[0]!;
    // The agent mentions the supervisor and the owner (first names are the roles in test orgs).
    await ctx.services.helpdesk.addNote(actorFor(org, 'agent'), ticketId, { text: `@supervisor and @owner please look at this one (${tag})` });
    const unread = async (role: 'owner' | 'supervisor') => (await ctx.app.inject({ method: 'GET', url: '/api/notifications?limit=10', headers: { cookie: await org.cookie(role) } })).json().items as { kind: string }[];
    expect(await unread('supervisor')).toEqual([]);
    expect((await unread('owner')).map((n) => n.kind)).toEqual(['mention']);

    const report = await ctx.platform.dispatcher.drain(5, org.orgId);
    expect(report.failed).toBe(0);
    const mails = await Promise.all(received.map(async (m) => ({ to: m.to, parsed: await simpleParser(m.raw) })));
    expect(mails.map((m) => m.to[0]).sort()).toEqual([org.users.owner.email, org.users.supervisor.email].sort());
    const { number } = (await ctx.services.helpdesk.getTicket(actorFor(org, 'owner'), ticketId)).ticket;
    const toSup = mails.find((m) => m.to[0] === org.users.supervisor.email)!.parsed;
    expect(toSup.subject).toBe(`Afterdesk: agent ${tag} mentioned you on ticket #${number}`);
    expect(toSup.text).toContain(`Hello supervisor ${tag},`);
    expect(toSup.text).toContain(`https://desk.example.test/inbox/${ticketId}`);
    expect(toSup.from?.value[0]?.address).toBe('desk@afterdesk.example');
    const toOwner = mails.find((m) => m.to[0] === org.users.owner.email)!.parsed;
    expect(toOwner.subject).toBe(`Afterdesk: agent ${tag} 在工单 #${number} 中提到了你`);
    expect(toOwner.text).toContain(`owner ${tag}，你好：`);

    // Off for both channels: nothing anywhere; a second drain sends nothing again.
    await put('supervisor', false, false);
    await ctx.services.helpdesk.addNote(actorFor(org, 'agent'), ticketId, { text: '@supervisor once more' });
    await ctx.platform.dispatcher.drain(5, org.orgId);
    expect(received).toHaveLength(2);
    expect(await unread('supervisor')).toEqual([]);
    // The log never carries the addresses the mail went to.
    expect(logged.join('\n')).not.toContain(org.users.supervisor.email);
    expect(logged.join('\n')).not.toContain(org.users.owner.email);
  }, 60_000);

  it('daily digest: notices chosen for the digest wait, then go out as one mail per person in their language; a second run sends nothing', async () => {
    const before = received.length;
    const put = async (role: 'owner' | 'supervisor', emailDigest: boolean) => {
      const r = await ctx.app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers: { cookie: await org.cookie(role) }, payload: { items: [{ kind: 'mention', inApp: false, email: true, emailDigest }] } });
      expect(r.statusCode).toBe(200);
      return (r.json() as { items: { kind: string; emailDigest: boolean }[] }).items.find((i) => i.kind === 'mention');
    };
    expect(await put('supervisor', true)).toEqual({ kind: 'mention', inApp: false, email: true, emailDigest: true });
    expect(await put('owner', true)).toMatchObject({ emailDigest: true });
    expect((await ctx.app.inject({ method: 'PATCH', url: '/api/auth/me', headers: { cookie: await org.cookie('owner') }, payload: { uiLocale: 'zh-CN' } })).statusCode).toBe(200);
    // Leaving the field out keeps the choice.
    const kept = await ctx.app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers: { cookie: await org.cookie('owner') }, payload: { items: [{ kind: 'mention', inApp: false, email: true }] } });
    expect(kept.json().items.find((i: { kind: string }) => i.kind === 'mention').emailDigest).toBe(true);

    const o = await seedOrder(ctx, org, { lines: [{ unitPrice: 2_500 }] });
    const first = await seedTicket(ctx, org, o.orderId);
    const second = await seedTicket(ctx, org, o.orderId);
    const tag = org.users.owner.email.split('.')[1]!.split('@')[0]!;
    await ctx.services.helpdesk.addNote(actorFor(org, 'agent'), first, { text: '@supervisor @owner first one' });
    clock.advance(3 * 3_600_000);
    await ctx.services.helpdesk.addNote(actorFor(org, 'agent'), second, { text: '@supervisor @owner second one' });
    // Nothing goes out straight away.
    await ctx.platform.dispatcher.drain(5, org.orgId);
    expect(received.length).toBe(before);

    // The next morning the daily job gathers them: one mail each, two notices in each.
    clock.advance(20 * 3_600_000);
    expect(await ctx.services.notifications.runDigests({ orgId: org.orgId })).toEqual({ people: 2, notices: 4 });
    expect((await ctx.platform.dispatcher.drain(5, org.orgId)).failed).toBe(0);
    const mails = await Promise.all(received.slice(before).map(async (m) => ({ to: m.to, parsed: await simpleParser(m.raw) })));
    expect(mails.map((m) => m.to[0]).sort()).toEqual([org.users.owner.email, org.users.supervisor.email].sort());
    const num = async (id: string) => (await ctx.services.helpdesk.getTicket(actorFor(org, 'owner'), id)).ticket.number;
    const [n1, n2] = [await num(first), await num(second)];
    const toSup = mails.find((m) => m.to[0] === org.users.supervisor.email)!.parsed;
    expect(toSup.subject).toBe('Afterdesk: your daily digest (2 notices)');
    expect(toSup.text).toContain(`Hello supervisor ${tag},`);
    const l1 = toSup.text!.indexOf(`• agent ${tag} mentioned you on ticket #${n1}\n  https://desk.example.test/inbox/${first}`);
    const l2 = toSup.text!.indexOf(`• agent ${tag} mentioned you on ticket #${n2}\n  https://desk.example.test/inbox/${second}`);
    expect(l1).toBeGreaterThan(0);
    expect(l2).toBeGreaterThan(l1);
    const toOwner = mails.find((m) => m.to[0] === org.users.owner.email)!.parsed;
    expect(toOwner.subject).toBe('Afterdesk：每日汇总（2 条通知）');
    expect(toOwner.text).toContain(`• agent ${tag} 在工单 #${n2} 中提到了你`);

    // A second run the same day: the queue is empty, nobody gets another mail.
    expect(await ctx.services.notifications.runDigests({ orgId: org.orgId })).toEqual({ people: 0, notices: 0 });
    await ctx.platform.dispatcher.drain(5, org.orgId);
    expect(received.length).toBe(before + 2);
    expect(logged.join('\n')).not.toContain(org.users.supervisor.email);
  }, 60_000);
});
