import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg, type TestOrg } from '../helpers/org.js';
import { mailServersAvailable, startMailServers } from '../helpers/mail-servers.js';
import { simpleParser } from 'mailparser';
import { seedOrder } from '../helpers/returns.js';
import { cookieFrom, csrfIn, multipart, qrLinksOf } from '../helpers/portal.js';
import { portalCards, portalScans } from '../../src/modules/portal/portal.schema.js';
import { isHoldout } from '../../src/modules/portal/portal.rules.js';
import { PORTAL_PAGES } from '../../src/modules/portal/index.js';
import { SESSION_COOKIE } from '../../src/modules/auth/auth.rules.js';
import { buyers } from '../../src/modules/orders/orders.schema.js';
import { shops } from '../../src/modules/tenancy/tenancy.schema.js';
import { localEmail } from '../../src/integrations/email/index.js';
import { registerModuleWorkers } from '../../src/app/modules.js';
import type { ManualClock } from '../../src/platform/clock.js';

let ctx: TestContext;
let org: TestOrg;
let owner: string;

beforeAll(async () => {
  // The shop mailbox of the reply-address test talks SMTP/IMAP to loopback servers.
  ctx = await createTestContext({ env: { OUTBOUND_ALLOW: '127.0.0.1' } });
  org = await createTestOrg(ctx, { market: 'DE' });
  owner = await org.cookie('owner');
  await registerModuleWorkers(ctx.platform, ctx.services);
});
afterAll(async () => {
  await ctx?.close();
});

async function print(orderIds: string[], extra: Record<string, unknown> = {}) {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/portal/batches', headers: { cookie: owner }, payload: { shopId: org.shopId, orderIds, size: 'a6', language: 'de', holdoutPercent: 0, ...extra } });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  return res;
}

async function open(url: string, headers: Record<string, string> = {}) {
  const path = new URL(url).pathname;
  return ctx.app.inject({ method: 'GET', url: path, headers });
}

describe('after-sales cards and the buyer page', () => {
  it('the /p pages stay out of the OpenAPI document (HTML for browsers, see PORTAL_PAGES) and each answers HTML with the strict headers', async () => {
    const spec = ctx.app.swagger() as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths).filter((p) => p === '/p' || p.startsWith('/p/'))).toEqual([]);
    expect(Object.keys(spec.paths)).toContain('/api/portal/buyers/{buyerId}');
    for (const [method, url] of PORTAL_PAGES) {
      expect(ctx.app.hasRoute({ method, url }), `${method} ${url}`).toBe(true);
      const res = await ctx.app.inject({ method, url: url.replace(':token', 'Q'.repeat(32)), remoteAddress: '10.55.0.1' });
      expect(res.headers['content-type'], `${method} ${url}`).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.statusCode, `${method} ${url}`).toBe(method === 'GET' ? (url === '/p' ? 200 : 404) : 403);
    }
  });

  it('a printed card opens its order; scans are counted per batch; the token is not in the database', async () => {
    const o = await seedOrder(ctx, org, { lines: [{ unitPrice: 4999 }] });
    const res = await print([o.orderId]);
    expect(res.headers['content-type']).toBe('application/pdf');
    const [link] = await qrLinksOf(res.rawPayload);
    expect(link).toMatch(/\/p\/[A-Za-z0-9_-]{32}$/);
    const token = link!.split('/p/')[1]!;
    expect(link).not.toContain(o.orderId);
    expect(link).not.toContain(o.externalId);
    const rows = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(portalCards).where(eq(portalCards.orderId, o.orderId)));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toBe(token);

    const first = await open(link!);
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/p/order');
    const sess = cookieFrom(first.headers['set-cookie'], 'afterdesk_portal');
    expect(sess).not.toBeNull();
    expect(String(first.headers['set-cookie'])).toContain('Path=/p');
    expect(String(first.headers['set-cookie'])).not.toContain(SESSION_COOKIE);
    const page = await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess! } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`Ihre Bestellung ${o.externalId}`);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['referrer-policy']).toBe('same-origin');
    expect(page.body).not.toContain('<script');

    await open(link!);
    const scans = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(portalScans).where(eq(portalScans.batchId, res.headers['x-batch-id'] as string)));
    expect(scans).toHaveLength(2);
    const list = await ctx.app.inject({ method: 'GET', url: '/api/portal/batches', headers: { cookie: owner } });
    expect(list.json().items.find((b: { id: string }) => b.id === res.headers['x-batch-id'])).toMatchObject({ cardCount: 1, orderCount: 1, scans: 2 });
  });

  it('a tampered, unknown, malformed or revoked token gets exactly the unknown answer', async () => {
    const o = await seedOrder(ctx, org, { lines: [{ unitPrice: 1000 }] });
    const [link] = await qrLinksOf((await print([o.orderId])).rawPayload);
    const token = link!.split('/p/')[1]!;
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const norm = (r: { statusCode: number; body: string }) => ({ status: r.statusCode, body: r.body.replace(/name="csrf" value="[^"]+"/, '') });
    const unknown = norm(await open(`http://x/p/${'Q'.repeat(32)}`));
    expect(unknown.status).toBe(404);
    expect(norm(await open(`http://x/p/${flipped}`))).toEqual(unknown);
    expect(norm(await open('http://x/p/abc'))).toEqual(unknown);
    const rev = await ctx.app.inject({ method: 'POST', url: `/api/portal/orders/${o.orderId}/revoke`, headers: { cookie: owner } });
    expect(rev.json()).toEqual({ revoked: 1 });
    expect(norm(await open(link!))).toEqual(unknown);
  });

  /** Seeded orders, `held` of them in the 50 % hold-out group and `carded` not (the group is a hash of the random id). */
  async function ordersSplit(held: number, carded: number) {
    const out: { held: string[]; carded: string[] } = { held: [], carded: [] };
    while (out.held.length < held || out.carded.length < carded) {
      const { orderId } = await seedOrder(ctx, org, { lines: [{ unitPrice: 1000 }] });
      const group = isHoldout(orderId, 50) ? out.held : out.carded;
      if (group.length < (group === out.held ? held : carded)) group.push(orderId);
    }
    return out;
  }

  it('the hold-out share gets no card and is recorded', async () => {
    const { held, carded } = await ordersSplit(3, 3);
    const res = await print([...held, ...carded], { holdoutPercent: 50 });
    expect([res.headers['x-cards'], res.headers['x-holdouts']]).toEqual(['3', '3']);
    const rows = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(portalCards).where(eq(portalCards.batchId, res.headers['x-batch-id'] as string)));
    expect(rows.filter((r) => r.holdout).map((r) => r.orderId).sort()).toEqual([...held].sort());
    expect(rows.filter((r) => r.holdout).every((r) => r.tokenHash === null)).toBe(true);
    expect(await qrLinksOf(res.rawPayload)).toHaveLength(3);
  });

  it('a batch held out entirely is recorded and its PDF is one page saying so, not an empty file', async () => {
    const { held } = await ordersSplit(2, 0);
    const res = await print(held, { holdoutPercent: 50, language: 'en' });
    expect([res.headers['x-cards'], res.headers['x-holdouts']]).toEqual(['0', '2']);
    const rows = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(portalCards).where(eq(portalCards.batchId, res.headers['x-batch-id'] as string)));
    expect(rows.map((r) => [r.orderId, r.holdout]).sort()).toEqual(held.map((id) => [id, true]).sort());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'held-'));
    fs.writeFileSync(path.join(dir, 'cards.pdf'), res.rawPayload);
    expect(execFileSync('pdfinfo', [path.join(dir, 'cards.pdf')]).toString()).toMatch(/^Pages:\s+1$/m);
    // Compared without white space and hyphens: where the lines wrap ("hold-" / "out") is the layout's business.
    const bare = (x: string) => x.replace(/[\s-]+/g, '');
    expect(bare(execFileSync('pdftotext', [path.join(dir, 'cards.pdf'), '-']).toString())).toContain(bare('No cards in this batch: every order (2) is in the hold-out group'));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a return with a photo and a message arrive as a self_service ticket with evidence; the buyer sees the reply; the staff cookie is ignored', async () => {
    const o = await seedOrder(ctx, org, { lines: [{ unitPrice: 4999 }, { unitPrice: 1999 }] });
    const [link] = await qrLinksOf((await print([o.orderId])).rawPayload);
    const sess = cookieFrom((await open(link!)).headers['set-cookie'], 'afterdesk_portal')!;
    const page = await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } });
    const csrf = csrfIn(page.body);
    // EXIF-carrying JPEG: the kept copy has no metadata.
    const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c33' } }).jpeg().withExif({ IFD0: { Artist: 'Anna Becker', Copyright: 'secret-gps' } }).toBuffer();
    const body = multipart([['csrf', csrf], ['line', o.lineIds[0]!], ['reason', 'damaged'], ['resolution', 'refund'], ['note', 'Das Display ist gesprungen']], { name: 'photo', fileName: 'bruch.jpg', type: 'image/jpeg', bytes: photo });
    const ret = await ctx.app.inject({ method: 'POST', url: '/p/order/return', headers: { cookie: `${sess}; ${owner}`, 'content-type': body.contentType }, payload: body.payload });
    expect(ret.statusCode, ret.body.slice(0, 400)).toBe(303);
    expect(ret.headers['set-cookie']).toBeUndefined();

    const tickets = await ctx.app.inject({ method: 'GET', url: '/api/tickets?view=all&limit=200', headers: { cookie: owner } });
    const t = tickets.json().items.find((x: { orderId: string | null; channel: string }) => x.orderId === o.orderId && x.channel === 'self_service');
    expect(t).toBeDefined();
    const full = await ctx.app.inject({ method: 'GET', url: `/api/tickets/${t.id}`, headers: { cookie: owner } });
    const msgs = full.json().messages as { text: string; attachments: { sha256?: string }[] }[];
    expect(msgs[0]!.text).toBe('Das Display ist gesprungen');
    const sha = msgs[0]!.attachments[0]!.sha256!;
    const file = await ctx.app.inject({ method: 'GET', url: `/api/evidence/files/${sha}`, headers: { cookie: owner } });
    expect(file.statusCode).toBe(200);
    expect((await sharp(file.rawPayload).metadata()).exif).toBeUndefined();
    const rets = await ctx.app.inject({ method: 'GET', url: `/api/returns?orderId=${o.orderId}`, headers: { cookie: owner } });
    expect(rets.json().items).toHaveLength(1);
    expect(rets.json().items[0]).toMatchObject({ channel: 'self_service', ticketId: t.id, photos: [sha] });
    const ev = await ctx.app.inject({ method: 'GET', url: `/api/evidence/cases/${t.id}`, headers: { cookie: owner } });
    expect(JSON.stringify(ev.json())).toContain(sha);

    // The agent answers; the buyer sees it on the page.
    const agent = await org.cookie('agent');
    const rep = await ctx.app.inject({ method: 'POST', url: `/api/tickets/${t.id}/reply`, headers: { cookie: agent }, payload: { text: 'Danke, wir schicken ein Rücksendeetikett.' } });
    expect(rep.statusCode, rep.body).toBeLessThan(300);
    const after = await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } });
    expect(after.body).toContain('Danke, wir schicken ein Rücksendeetikett.');
    expect(after.body).toContain('Ihre Rücksendungen');
    // A status change shows on the very next view (nothing of the order, return or conversation is cached).
    expect(after.body).toContain('<li class="">Bei uns eingegangen</li>');
    const rid = rets.json().items[0].id as string;
    const received = await ctx.app.inject({ method: 'POST', url: `/api/returns/${rid}/receive`, headers: { cookie: owner }, payload: {} });
    expect(received.statusCode, received.body).toBe(200);
    const next = await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } });
    expect(next.body).toMatch(/<li class="done">Bei uns eingegangen — [^<]+<\/li>/);
    // So does a revoked card: the session answers "unknown" at once.
    expect((await ctx.app.inject({ method: 'POST', url: `/api/portal/orders/${o.orderId}/revoke`, headers: { cookie: owner }, payload: {} })).statusCode).toBe(200);
    expect((await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } })).statusCode).toBe(404);
  });

  it('forms without the CSRF token, from another origin or with only the staff cookie are refused', async () => {
    const o = await seedOrder(ctx, org, { lines: [{ unitPrice: 1000 }] });
    const [link] = await qrLinksOf((await print([o.orderId])).rawPayload);
    const sess = cookieFrom((await open(link!)).headers['set-cookie'], 'afterdesk_portal')!;
    const csrf = csrfIn((await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } })).body);
    const post = (cookie: string, fields: [string, string][], headers: Record<string, string> = {}) => {
      const b = multipart(fields);
      return ctx.app.inject({ method: 'POST', url: '/p/order/message', headers: { cookie, 'content-type': b.contentType, ...headers }, payload: b.payload });
    };
    expect((await post(sess, [['text', 'hallo']])).statusCode).toBe(403);
    expect((await post(sess, [['csrf', 'x' + csrf.slice(1)], ['text', 'hallo']])).statusCode).toBe(403);
    expect((await post(sess, [['csrf', csrf], ['text', 'hallo']], { origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await post(sess, [['csrf', csrf], ['text', 'hallo']], { 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect((await post(owner, [['csrf', csrf], ['text', 'hallo']])).statusCode).toBe(403);
    expect((await post(sess, [['csrf', csrf], ['text', 'hallo']])).statusCode).toBe(303);
  });

  it('lookup by order number and card code works, a wrong code gets the unknown answer, and both are rate limited per order even with a forged X-Forwarded-For', async () => {
    const o = await seedOrder(ctx, org, { lines: [{ unitPrice: 1000 }] });
    const res = await print([o.orderId]);
    const pdfText = res.rawPayload.toString('latin1');
    expect(pdfText).not.toContain(o.externalId);
    const rows = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(portalCards).where(eq(portalCards.orderId, o.orderId)));
    expect(rows[0]!.lookupHash).toMatch(/^[0-9a-f]{64}$/);
    const form = await ctx.app.inject({ method: 'GET', url: '/p' });
    const pre = cookieFrom(form.headers['set-cookie'], 'afterdesk_portal_csrf')!;
    const token = csrfIn(form.body);
    const attempt = (code: string, ip: string) => {
      const b = multipart([['csrf', token], ['lang', 'de'], ['orderNumber', o.externalId], ['code', code]]);
      return ctx.app.inject({ method: 'POST', url: '/p/lookup', remoteAddress: '10.9.9.9', headers: { cookie: pre, 'content-type': b.contentType, 'x-forwarded-for': ip }, payload: b.payload });
    };
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await attempt('WRONG-CODE', `1.2.3.${i}`)).statusCode);
    expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });

  it('the per-address lookup limit holds across different order numbers, whatever X-Forwarded-For says (no TRUST_PROXY)', async () => {
    const form = await ctx.app.inject({ method: 'GET', url: '/p' });
    const pre = cookieFrom(form.headers['set-cookie'], 'afterdesk_portal_csrf')!;
    const token = csrfIn(form.body);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const b = multipart([['csrf', token], ['orderNumber', `99000${i}`], ['code', 'AAAABBBB']]);
      const r = await ctx.app.inject({ method: 'POST', url: '/p/lookup', remoteAddress: '10.7.7.7', headers: { cookie: pre, 'content-type': b.contentType, 'x-forwarded-for': `203.0.113.${i}` }, payload: b.payload });
      statuses.push(r.statusCode);
    }
    expect(statuses).toEqual([...Array(10).fill(404), 429]);
  });

  it('a German TikTok buyer: the return is guided in the app; refusals are German; warranty with proof and birthday consent reach the staff; the reply is e-mailed with a link back', async () => {
    // Daytime in Berlin, so the contact policy's quiet hours do not hold the e-mail back.
    const day = new Date(ctx.clock.now().getTime() + 86_400_000);
    day.setUTCHours(11, 0, 0, 0);
    (ctx.clock as ManualClock).set(day.getTime());
    const o = await seedOrder(ctx, org, { lines: [{ unitPrice: 4999 }] });
    const order = await ctx.services.orders.getOrder({ orgId: org.orgId, userId: 'x', role: 'owner' }, o.orderId);
    await ctx.platform.db.tenant(org.orgId, async (tx) => {
      await tx.update(buyers).set({ email: 'anna.becker@example.de' }).where(and(eq(buyers.orgId, org.orgId), eq(buyers.id, order.buyerId)));
      const [shop] = await tx.select().from(shops).where(and(eq(shops.orgId, org.orgId), eq(shops.id, org.shopId)));
      await tx.update(shops).set({ supportContacts: { ...shop!.supportContacts, email: 'hilfe@shop.example' } }).where(and(eq(shops.orgId, org.orgId), eq(shops.id, org.shopId)));
    });
    const [link] = await qrLinksOf((await print([o.orderId])).rawPayload);
    const ip = '10.44.0.1';
    const sess = cookieFrom((await open(link!)).headers['set-cookie'], 'afterdesk_portal')!;
    const csrf = csrfIn((await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } })).body);
    const post = (url: string, fields: [string, string][], file?: Parameters<typeof multipart>[1]) => {
      const b = multipart([['csrf', csrf], ...fields], file);
      return ctx.app.inject({ method: 'POST', url, remoteAddress: ip, headers: { cookie: sess, 'content-type': b.contentType }, payload: b.payload });
    };

    // A damaged item without a photo: refused, in German, with the reason, never the staff English.
    const refused = await post('/p/order/return', [['line', o.lineIds[0]!], ['reason', 'damaged'], ['resolution', 'refund']]);
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Diese Rücksendung ist nicht möglich: Bitte fügen Sie ein Foto des Problems hinzu.');
    expect(refused.body).not.toContain('Please add at least one photo');
    const noItem = await post('/p/order/return', [['reason', 'changed_mind'], ['resolution', 'refund']]);
    expect(noItem.body).toContain('Wählen Sie mindestens einen Artikel.');

    // Accepted: TikTok DE lets only the buyer open it, so the page shows the steps in German.
    expect((await post('/p/order/return', [['line', o.lineIds[0]!], ['reason', 'changed_mind'], ['resolution', 'refund']])).statusCode).toBe(303);
    const guided = (await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } })).body;
    expect(guided).toContain('Noch ein Schritt: Rücksendung in der TikTok-App eröffnen');
    expect(guided).toContain(`dann die Bestellung ${o.externalId}.`);
    expect(guided).toContain('wählen Sie den Grund „Nicht mehr benötigt“');
    const steps = await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`select handler from outbox where org_id = ${org.orgId} and handler = 'tiktok.create_return'`));
    expect(steps.rows).toHaveLength(0);

    // Warranty: a bad serial is refused in German; a good one with a proof photo is registered.
    const bad = await post('/p/order/warranty', [['line', o.lineIds[0]!], ['serial', '<x>']]);
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Geben Sie die Seriennummer so ein, wie sie auf dem Produkt steht');
    const proof = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#39c' } }).png().toBuffer();
    expect((await post('/p/order/warranty', [['line', o.lineIds[0]!], ['serial', 'sn-4711-a']], { name: 'photo', fileName: 'kassenbon.png', type: 'image/png', bytes: proof })).statusCode).toBe(303);
    const registered = (await ctx.app.inject({ method: 'GET', url: '/p/order?done=warranty', headers: { cookie: sess } })).body;
    expect(registered).toContain('Ihre Garantie ist registriert.');
    expect(registered).toContain('SN-4711-A');

    // Birthday: not kept without the tick; kept with it, and the marketing opt-in recorded.
    const noTick = await post('/p/order/preferences', [['birthday', '1990-05-17']]);
    expect(noTick.statusCode).toBe(422);
    expect(noTick.body).toContain('Wir speichern Ihren Geburtstag nur, wenn Sie das Kästchen ankreuzen.');
    expect((await post('/p/order/preferences', [['birthday', '1990-05-17'], ['birthdayConsent', 'yes'], ['marketingConsent', 'yes']])).statusCode).toBe(303);

    // The staff see both in the buyer panel; the proof photo is an evidence file.
    const staff = await ctx.app.inject({ method: 'GET', url: `/api/portal/buyers/${order.buyerId}`, headers: { cookie: await org.cookie('agent') } });
    expect(staff.statusCode, staff.body).toBe(200);
    const v = staff.json();
    expect(v.warranties).toHaveLength(1);
    expect(v.warranties[0]).toMatchObject({ orderId: o.orderId, productName: 'Product 1', serialNumber: 'SN-4711-A' });
    expect(v.consent).toMatchObject({ birthday: '1990-05-17', birthdayConsent: true, marketingConsent: true, source: 'self_service_page' });
    expect((await ctx.app.inject({ method: 'GET', url: `/api/evidence/files/${v.warranties[0].proofSha256}`, headers: { cookie: owner } })).statusCode).toBe(200);

    // The agent replies: the buyer gets it by e-mail (the contact policy allows a service mail), with a link that opens the page.
    const tickets = await ctx.app.inject({ method: 'GET', url: '/api/tickets?view=all&limit=200', headers: { cookie: owner } });
    const t = tickets.json().items.find((x: { orderId: string | null; channel: string }) => x.orderId === o.orderId && x.channel === 'self_service');
    const rep = await ctx.app.inject({ method: 'POST', url: `/api/tickets/${t.id}/reply`, headers: { cookie: await org.cookie('agent') }, payload: { text: 'Bitte öffnen Sie die Rücksendung in der App, wir bestätigen sofort.' } });
    expect(rep.statusCode, rep.body).toBeLessThan(300);
    await ctx.platform.dispatcher.drain(10, org.orgId);
    // Every public reply on the ticket goes out (an automatic acknowledgement too); this one once.
    const mails = localEmail.sent.filter((m) => m.to === 'anna.becker@example.de' && m.text.includes('wir bestätigen sofort'));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe(`Antwort zu Ihrer Bestellung ${o.externalId}`);
    expect(mails[0]!.text).toContain('Bitte öffnen Sie die Rücksendung in der App, wir bestätigen sofort.');
    const back = /\/p\/[A-Za-z0-9_-]{32}/.exec(mails[0]!.text)![0];
    const viaMail = await ctx.app.inject({ method: 'GET', url: back, remoteAddress: '10.44.0.2' });
    expect(viaMail.statusCode).toBe(303);
    const page = await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: cookieFrom(viaMail.headers['set-cookie'], 'afterdesk_portal')! } });
    expect(page.body).toContain('Bitte öffnen Sie die Rücksendung in der App');
    // Draining again mails nothing more (one step per reply).
    await ctx.platform.dispatcher.drain(10, org.orgId);
    expect(localEmail.sent.filter((m) => m.to === 'anna.becker@example.de' && m.text.includes('wir bestätigen sofort'))).toHaveLength(1);
  });

  it('a warranty "for life" keeps the card ten years after the return window and says so on the page; "1,5 Jahre" is 548 days', async () => {
    const n = String(Date.now()).slice(-7);
    const o = await seedOrder(ctx, org, { lines: [{ unitPrice: 4999, productId: `knife-${n}`, sku: `KNIFE-${n}` }, { unitPrice: 2999, productId: `lamp-${n}`, sku: `LAMP-${n}` }] });
    const product = (id: string, warranty: string) => ({ externalId: id, title: id, description: '', status: 'ACTIVATE', category: 'Home', brand: null, attributes: [], sizeChartUrl: null, imageUrls: [], warranty, externalUpdatedAt: null, skus: [{ externalId: `${id}-s`, sellerSku: null, name: null, price: null }] });
    await ctx.services.knowledge.upsertCatalogue(org.orgId, org.shopId, 'tiktok', [product(`knife-${n}`, 'Lebenslange Garantie'), product(`lamp-${n}`, 'Garantie: 1,5 Jahre')]);
    const [link] = await qrLinksOf((await print([o.orderId])).rawPayload);
    const delivered = new Date((await ctx.services.orders.getOrder(actorFor(org, 'owner'), o.orderId)).deliveredAt!);
    const [card] = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(portalCards).where(and(eq(portalCards.orgId, org.orgId), eq(portalCards.orderId, o.orderId))));
    expect(card!.expiresAt!.getTime() - delivered.getTime()).toBe((30 + 3650) * 86_400_000);
    const sess = cookieFrom((await open(link!)).headers['set-cookie'], 'afterdesk_portal')!;
    const page = (await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } })).body;
    const until = new Intl.DateTimeFormat('de', { dateStyle: 'medium', timeZone: 'Europe/Berlin' }).format(card!.expiresAt!);
    expect(page).toContain(`Product 1: lebenslange Garantie ohne Enddatum. Diese Seite und Ihre Karte gelten bis ${until}.`);
    expect(page).toMatch(/Product 2: 548 Tage ab Zustellung, bis [^<]+\.<\/li>/);
    // Switching the language is stored with the view (same transaction): the next view stays English.
    const en = (await ctx.app.inject({ method: 'GET', url: '/p/order?lang=en', headers: { cookie: sess } })).body;
    const untilEn = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'Europe/Berlin' }).format(card!.expiresAt!);
    expect(en).toContain(`Product 1: lifetime warranty, with no end date. This page and your card work until ${untilEn}.`);
    expect((await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } })).body).toContain('<html lang="en">');
  });

  it("the product's warranty terms set the warranty and the card's life (the shop's default with a note otherwise); the exchange is a catalogue variant; the return and warranty forms take an address for the answer; a solved conversation asks for a rating once", async () => {
    const n = String(Date.now()).slice(-7);
    const o = await seedOrder(ctx, org, { lines: [{ unitPrice: 8999, productId: `boot-${n}`, sku: `BOOT-41-${n}` }, { unitPrice: 999, productId: `cable-${n}`, sku: `CABLE-${n}` }] });
    // The catalogue knows the boots (a two-year warranty attribute, three sizes); the cable is not in it.
    await ctx.services.knowledge.upsertCatalogue(org.orgId, org.shopId, 'tiktok', [
      {
        externalId: `boot-${n}`, title: 'Wanderstiefel', description: 'Leder', status: 'ACTIVATE', category: 'Shoes', brand: null, attributes: [{ name: 'Garantie', values: ['2 Jahre'] }], sizeChartUrl: null, imageUrls: [], warranty: 'Garantie: 2 Jahre', externalUpdatedAt: null,
        skus: [
          { externalId: `BOOT-41-${n}`, sellerSku: `BOOT-41-${n}`, name: 'Schwarz / 41', price: null },
          { externalId: `BOOT-42-${n}`, sellerSku: `BOOT-42-${n}`, name: 'Schwarz / 42', price: null },
          { externalId: `BOOT-43-${n}`, sellerSku: null, name: 'Braun / 43', price: null },
        ],
      },
    ]);
    const [link] = await qrLinksOf((await print([o.orderId])).rawPayload);
    const delivered = new Date((await ctx.services.orders.getOrder(actorFor(org, 'owner'), o.orderId)).deliveredAt!);
    const [card] = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(portalCards).where(and(eq(portalCards.orgId, org.orgId), eq(portalCards.orderId, o.orderId))));
    // The return window (30 days in DE) plus the longest warranty of the order: the boots' 730 days.
    expect(card!.expiresAt!.getTime() - delivered.getTime()).toBe((30 + 730) * 86_400_000);

    const sess = cookieFrom((await open(link!)).headers['set-cookie'], 'afterdesk_portal')!;
    const page = (await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } })).body;
    expect(page).toMatch(/Product 1: 730 Tage ab Zustellung, bis [^<]+\.<\/li>/);
    expect(page).toMatch(/Product 2: 365 Tage ab Zustellung, bis [^<]+\. <span class="note">Für dieses Produkt sind keine Garantiebedingungen hinterlegt; es gilt die Standardfrist des Shops\.<\/span>/);
    // The exchange: the other sizes of the boots, no free-text field.
    expect(page).toContain('<select id="rchoice" name="exchangeChoice">');
    expect(page).toContain(`<option value="BOOT-42-${n}">Product 1 — Schwarz / 42</option>`);
    expect(page).toContain(`<option value="BOOT-43-${n}">Product 1 — Braun / 43</option>`);
    expect(page).not.toContain(`value="BOOT-41-${n}"`);
    expect(page).not.toContain('name="exchangeWish"');
    // "E-mail me the answer" on the return, message and warranty forms.
    for (const id of ['remail', 'memail', 'wemail']) expect(page).toContain(`id="${id}" name="email"`);

    const csrf = csrfIn(page);
    const post = (url: string, fields: [string, string][]) => {
      const b = multipart([['csrf', csrf], ...fields]);
      return ctx.app.inject({ method: 'POST', url, remoteAddress: '10.46.0.1', headers: { cookie: sess, 'content-type': b.contentType }, payload: b.payload });
    };
    const base: [string, string][] = [['line', o.lineIds[0]!], ['reason', 'changed_mind'], ['resolution', 'exchange']];
    // A variant that is not one of the order's products (or none) is refused in German.
    for (const bad of [[['exchangeChoice', `CABLE-${n}`]], [['exchangeWish', 'Größe 42']]] as [string, string][][]) {
      const r = await post('/p/order/return', [...base, ...bad]);
      expect(r.statusCode).toBe(422);
      expect(r.body).toContain('Für einen Umtausch nennen Sie uns bitte die gewünschte Größe oder Farbe.');
    }
    const address = `stiefel.${n}@example.de`;
    expect((await post('/p/order/return', [...base, ['exchangeChoice', `BOOT-42-${n}`], ['email', address]])).statusCode).toBe(303);
    const [ret] = await ctx.services.returns.list(actorFor(org, 'owner'), { orderId: o.orderId });
    expect(ret!.resolution).toBe('exchange');
    expect(ret!.exchange?.sku).toBe(`BOOT-42-${n}`);
    const t = (await ctx.app.inject({ method: 'GET', url: '/api/tickets?view=all&limit=200', headers: { cookie: owner } })).json().items.find((x: { orderId: string | null }) => x.orderId === o.orderId);
    expect((await ctx.app.inject({ method: 'GET', url: `/api/tickets/${t.id}`, headers: { cookie: owner } })).json().ticket.buyer.email).toBe(address);
    // The warranty form checks its address too, then registers the boots for the product's two years.
    const badMail = await post('/p/order/warranty', [['line', o.lineIds[0]!], ['serial', 'WS-2024-77'], ['email', 'stiefel@']]);
    expect(badMail.statusCode).toBe(422);
    expect(badMail.body).toContain('E-Mail-Adresse für unsere Antwort: Geben Sie eine gültige Adresse ein');
    expect((await post('/p/order/warranty', [['line', o.lineIds[0]!], ['serial', 'WS-2024-77'], ['email', address]])).statusCode).toBe(303);
    expect((await post('/p/order/warranty', [['line', o.lineIds[1]!], ['serial', 'CB-1']])).statusCode).toBe(303);
    const staff = (await ctx.app.inject({ method: 'GET', url: `/api/portal/buyers/${(await ctx.services.orders.getOrder(actorFor(org, 'owner'), o.orderId)).buyerId}`, headers: { cookie: owner } })).json();
    const ends = Object.fromEntries(staff.warranties.map((w: { serialNumber: string; endsAt: string }) => [w.serialNumber, (Date.parse(w.endsAt) - delivered.getTime()) / 86_400_000]));
    expect(ends).toEqual({ 'WS-2024-77': 730, 'CB-1': 365 });

    // Solved: the page asks how happy the buyer is (German), stores the answer in analytics' survey, and stops asking.
    expect((await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } })).body).not.toContain('name="score"');
    const solved = await ctx.app.inject({ method: 'POST', url: `/api/tickets/${t.id}/status`, headers: { cookie: await org.cookie('agent') }, payload: { status: 'solved' } });
    expect(solved.statusCode, solved.body).toBe(200);
    const asking = (await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } })).body;
    expect(asking).toContain('Wie zufrieden sind Sie damit, wie');
    expect(asking).toContain('<input type="radio" id="csat5" name="score" value="5" required>');
    expect((await post('/p/order/csat', [['score', '7']])).body).toContain('Wählen Sie eine Zahl von 1 bis 5.');
    expect((await post('/p/order/csat', [['score', '4']])).statusCode).toBe(303);
    const survey = await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`select channel, language, score from csat_surveys where org_id = ${org.orgId} and ticket_id = ${t.id}`));
    expect(survey.rows).toEqual([{ channel: 'self_service', language: 'de', score: 4 }]);
    const after = (await ctx.app.inject({ method: 'GET', url: '/p/order?done=csat', headers: { cookie: sess } })).body;
    expect(after).toContain('Danke für Ihre Antwort.');
    expect(after).not.toContain('name="score"');
    // A second answer (a replayed form) changes nothing.
    expect((await post('/p/order/csat', [['score', '1']])).statusCode).toBe(303);
    expect((await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`select score from csat_surveys where org_id = ${org.orgId} and ticket_id = ${t.id}`))).rows).toEqual([{ score: 4 }]);
    // The question is answered for the conversation, not for the card: a reprinted card of the same
    // order (a new card, no ticket of its own) shows the conversation and does not ask again.
    const [second] = await qrLinksOf((await print([o.orderId])).rawPayload);
    const sess2 = cookieFrom((await open(second!)).headers['set-cookie'], 'afterdesk_portal')!;
    const page2 = (await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess2 } })).body;
    expect(page2).toContain('<h2>Unterhaltung</h2>');
    expect(page2).not.toContain('name="score"');
    const b2 = multipart([['csrf', csrfIn(page2)], ['score', '2']]);
    expect((await ctx.app.inject({ method: 'POST', url: '/p/order/csat', remoteAddress: '10.46.0.1', headers: { cookie: sess2, 'content-type': b2.contentType }, payload: b2.payload })).statusCode).toBe(303);
    expect((await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`select score from csat_surveys where org_id = ${org.orgId} and ticket_id = ${t.id}`))).rows).toEqual([{ score: 4 }]);
    expect((await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`select ticket_id, order_id from portal_csat_answers where org_id = ${org.orgId}`))).rows).toEqual([{ ticket_id: t.id, order_id: o.orderId }]);
  });

  it("an agent's reply in the buyer's quiet hours is held: no mail at night in Berlin, exactly one after 09:00, none more on later runs", async () => {
    // 22:00 UTC is 23:00 (winter) or 00:00 (summer) in Berlin: inside the contact policy's quiet hours (21–9 local).
    const night = new Date(ctx.clock.now().getTime() + 2 * 86_400_000);
    night.setUTCHours(22, 0, 0, 0);
    (ctx.clock as ManualClock).set(night.getTime());
    const local = DateTime.fromJSDate(night, { zone: 'Europe/Berlin' });
    const morning = (local.hour >= 21 ? local.plus({ days: 1 }) : local).set({ hour: 9, minute: 0, second: 0, millisecond: 0 }).toJSDate();
    // A fresh organisation: staff sessions made at this (later) clock time.
    const org3 = await createTestOrg(ctx, { market: 'DE' });
    const owner3 = await org3.cookie('owner');
    const o = await seedOrder(ctx, org3, { lines: [{ unitPrice: 1999 }] });
    const address = `nacht.${o.externalId}@example.de`;
    await ctx.platform.db.tenant(org3.orgId, async (tx) => {
      const [shop] = await tx.select().from(shops).where(and(eq(shops.orgId, org3.orgId), eq(shops.id, org3.shopId)));
      await tx.update(shops).set({ supportContacts: { ...shop!.supportContacts, email: 'hilfe@shop.example' } }).where(and(eq(shops.orgId, org3.orgId), eq(shops.id, org3.shopId)));
    });
    const printed = await ctx.app.inject({ method: 'POST', url: '/api/portal/batches', headers: { cookie: owner3 }, payload: { shopId: org3.shopId, orderIds: [o.orderId], size: 'a6', language: 'de', holdoutPercent: 0 } });
    expect(printed.statusCode, printed.body.slice(0, 300)).toBe(200);
    const [link] = await qrLinksOf(printed.rawPayload);
    const sess = cookieFrom((await ctx.app.inject({ method: 'GET', url: new URL(link!).pathname, remoteAddress: '10.45.0.1' })).headers['set-cookie'], 'afterdesk_portal')!;
    const csrf = csrfIn((await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } })).body);
    const b = multipart([['csrf', csrf], ['text', 'Ist mein Paket schon unterwegs?'], ['email', address]]);
    expect((await ctx.app.inject({ method: 'POST', url: '/p/order/message', remoteAddress: '10.45.0.1', headers: { cookie: sess, 'content-type': b.contentType }, payload: b.payload })).statusCode).toBe(303);
    const t = (await ctx.app.inject({ method: 'GET', url: '/api/tickets?view=all&limit=200', headers: { cookie: owner3 } })).json().items.find((x: { orderId: string | null }) => x.orderId === o.orderId);
    const rep = await ctx.app.inject({ method: 'POST', url: `/api/tickets/${t.id}/reply`, headers: { cookie: await org3.cookie('agent') }, payload: { text: 'Ja, es kommt übermorgen an.' } });
    expect(rep.statusCode, rep.body).toBeLessThan(300);
    const mailed = () => localEmail.sent.filter((m) => m.to === address && m.text.includes('Ja, es kommt übermorgen an.'));

    // The night: the delivery step runs, the mail step waits for the end of the quiet hours.
    await ctx.platform.dispatcher.drain(10, org3.orgId);
    expect(mailed()).toHaveLength(0);
    const held = await ctx.platform.db.tenant(org3.orgId, (tx) => tx.execute(sql`select status, next_attempt_at from outbox where org_id = ${org3.orgId} and handler = 'email.send' and payload->>'text' like ${'%übermorgen%'}`));
    expect(held.rows).toHaveLength(1);
    expect(held.rows[0]).toMatchObject({ status: 'pending' });
    expect(new Date(held.rows[0]!.next_attempt_at as string).toISOString()).toBe(morning.toISOString());
    (ctx.clock as ManualClock).set(morning.getTime() - 60_000);
    await ctx.platform.dispatcher.drain(10, org3.orgId);
    expect(mailed()).toHaveLength(0);

    // After 09:00 local: sent, once, however often the outbox runs.
    (ctx.clock as ManualClock).set(morning.getTime() + 60_000);
    await ctx.platform.dispatcher.drain(10, org3.orgId);
    expect(mailed()).toHaveLength(1);
    await ctx.platform.dispatcher.drain(10, org3.orgId);
    (ctx.clock as ManualClock).set(morning.getTime() + 3 * 3600_000);
    await ctx.platform.dispatcher.drain(10, org3.orgId);
    expect(mailed()).toHaveLength(1);
  });

  it.skipIf(!mailServersAvailable())(
    "a buyer gives an address for the answer: a bad one is refused in German naming the field; the agent's reply reaches the real SMTP server at that address with the link back",
    async () => {
      const SHOP = { user: 'hilfe', pass: 'mailbox-pass-9', address: 'hilfe@laden.test' };
      const BUYER = { user: 'anna', pass: 'buyer-pass-9', address: 'anna.becker@kunde.test' };
      const mail = await startMailServers([SHOP, BUYER]);
      try {
        const day = new Date(ctx.clock.now().getTime() + 86_400_000);
        day.setUTCHours(11, 0, 0, 0); // 12:00 in Berlin: outside the quiet hours
        (ctx.clock as ManualClock).set(day.getTime());
        const org2 = await createTestOrg(ctx, { market: 'DE' });
        const owner2 = await org2.cookie('owner');
        await ctx.services.email.save(actorFor(org2, 'owner'), org2.shopId, {
          address: SHOP.address,
          imap: { host: '127.0.0.1', port: mail.imapPort, tls: 'none', user: SHOP.user, password: SHOP.pass, folder: 'INBOX' },
          smtp: { host: '127.0.0.1', port: mail.smtpPort, tls: 'none', user: SHOP.user, password: SHOP.pass },
        });
        const o = await seedOrder(ctx, org2, { lines: [{ unitPrice: 2999 }] });
        const order = await ctx.services.orders.getOrder(actorFor(org2, 'owner'), o.orderId);
        // The order carries only TikTok's masked relay address; the buyer's own is given on the page.
        await ctx.platform.db.tenant(org2.orgId, async (tx) => {
          await tx.update(buyers).set({ email: 'x7k2q@scs.tiktokw.eu' }).where(and(eq(buyers.orgId, org2.orgId), eq(buyers.id, order.buyerId)));
          const [shop] = await tx.select().from(shops).where(and(eq(shops.orgId, org2.orgId), eq(shops.id, org2.shopId)));
          await tx.update(shops).set({ supportContacts: { ...shop!.supportContacts, email: SHOP.address } }).where(and(eq(shops.orgId, org2.orgId), eq(shops.id, org2.shopId)));
        });
        const printed = await ctx.app.inject({ method: 'POST', url: '/api/portal/batches', headers: { cookie: owner2 }, payload: { shopId: org2.shopId, orderIds: [o.orderId], size: 'a6', language: 'de', holdoutPercent: 0 } });
        expect(printed.statusCode, printed.body.slice(0, 300)).toBe(200);
        const [link] = await qrLinksOf(printed.rawPayload);
        const sess = cookieFrom((await ctx.app.inject({ method: 'GET', url: new URL(link!).pathname, remoteAddress: '10.66.0.1' })).headers['set-cookie'], 'afterdesk_portal')!;
        const form = (await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } })).body;
        expect(form).toContain('name="email"');
        expect(form).toContain('Wir verwenden diese Adresse nur, um Ihnen unsere Antworten in dieser Unterhaltung zu senden');
        const csrf = csrfIn(form);
        const write = (fields: [string, string][]) => {
          const b = multipart([['csrf', csrf], ...fields]);
          return ctx.app.inject({ method: 'POST', url: '/p/order/message', remoteAddress: '10.66.0.1', headers: { cookie: sess, 'content-type': b.contentType }, payload: b.payload });
        };
        const ticketOf = async () => (await ctx.app.inject({ method: 'GET', url: '/api/tickets?view=all&limit=200', headers: { cookie: owner2 } })).json().items.find((x: { orderId: string | null }) => x.orderId === o.orderId);

        const ticketView = async (id: string) => (await ctx.app.inject({ method: 'GET', url: `/api/tickets/${id}`, headers: { cookie: owner2 } })).json();

        // A first message without an address: the conversation exists, no address on it.
        expect((await write([['text', 'Wo bleibt mein Paket?']])).statusCode).toBe(303);
        const t = await ticketOf();
        expect((await ticketView(t.id)).ticket.buyer.email).toBeNull();

        // A bad address: refused in German, naming the field; the message is not taken, no address kept.
        const bad = await write([['text', 'Bitte per E-Mail antworten.'], ['email', 'anna.becker@kunde']]);
        expect(bad.statusCode).toBe(422);
        expect(bad.body).toContain('E-Mail-Adresse für unsere Antwort: Geben Sie eine gültige Adresse ein');
        const afterBad = await ticketView(t.id);
        expect(afterBad.ticket.buyer.email).toBeNull();
        expect(afterBad.messages).toHaveLength(1);

        // A good one (as typed, with spaces and capitals): this conversation's ticket keeps it.
        expect((await write([['text', 'Bitte per E-Mail antworten.'], ['email', '  Anna.Becker@Kunde.test ']])).statusCode).toBe(303);
        expect((await ticketView(t.id)).ticket.buyer.email).toBe(BUYER.address);
        // The page never shows the address back (whoever holds the card link would read it).
        expect((await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: sess } })).body).not.toContain(BUYER.address);

        const rep = await ctx.app.inject({ method: 'POST', url: `/api/tickets/${t.id}/reply`, headers: { cookie: await org2.cookie('agent') }, payload: { text: 'Ihr Paket ist morgen bei Ihnen.' } });
        expect(rep.statusCode, rep.body).toBeLessThan(300);
        await ctx.platform.dispatcher.drain(10, org2.orgId);
        const got = mail.received.filter((m) => m.to.includes(BUYER.address));
        expect(got).toHaveLength(1);
        expect(mail.received.filter((m) => m.to.some((x) => x.includes('tiktokw')))).toHaveLength(0);
        const parsed = await simpleParser(got[0]!.raw);
        expect(parsed.subject).toBe(`Antwort zu Ihrer Bestellung ${o.externalId}`);
        expect(parsed.text).toContain('Wir haben auf Ihre Nachricht geantwortet:');
        expect(parsed.text).toContain('Ihr Paket ist morgen bei Ihnen.');
        const back = /\/p\/[A-Za-z0-9_-]{32}/.exec(parsed.text ?? '')![0];
        const viaMail = await ctx.app.inject({ method: 'GET', url: back, remoteAddress: '10.66.0.2' });
        expect(viaMail.statusCode).toBe(303);
        const page = await ctx.app.inject({ method: 'GET', url: '/p/order', headers: { cookie: cookieFrom(viaMail.headers['set-cookie'], 'afterdesk_portal')! } });
        expect(page.body).toContain('Ihr Paket ist morgen bei Ihnen.');
        // One mail per reply, however often the outbox runs.
        await ctx.platform.dispatcher.drain(10, org2.orgId);
        expect(mail.received.filter((m) => m.to.includes(BUYER.address))).toHaveLength(1);
      } finally {
        await mail.close();
      }
    },
    90_000,
  );
});
