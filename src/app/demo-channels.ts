/**
 * The demo's channels, reached through their real paths (issue 19): a WhatsApp Cloud API stand-in
 * posting signed webhooks to our receiver, real IMAP mailboxes (an in-memory IMAP server on
 * loopback) for the shops' support addresses, filled by an SMTP receiver and read by the same IMAP
 * sync and IDLE watcher as any shop's mailbox, and a TikTok API for Business
 * stand-in whose comments the poll reads. Buyer messages are sent once, when the demo's channels
 * are first connected; the stand-ins run on every start so replies go somewhere real.
 */
import nodemailer from 'nodemailer';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import hoodiecrow, { type HoodiecrowServer } from 'hoodiecrow-imap';
import { SMTPServer } from 'smtp-server';
import { startBusinessStandIn } from '../integrations/video-comments/index.js';
import { startWhatsAppStandIn } from '../integrations/whatsapp/index.js';
import type { Platform, Services } from './deps.js';
import type { Actor } from '../platform/tenancy.js';
import type { MailboxInput } from '../integrations/email/email.dto.js';

const WA = { phoneNumberId: '1065550100', token: 'EAAG-demo-standin-token', appSecret: 'demo-app-secret', verifyToken: 'demo-verify-token' };
const BIZ = { businessId: '7000000000000000001', token: 'act.demo-standin-token', displayName: 'lumiere.atelier' };
/** The demo's API for Business app on the stand-in: "Connect with TikTok" works against its consent page. */
const BIZ_APP = { appId: '7300000000000000001', secret: 'demo-business-app-secret' };
const BIZ2 = { businessId: '7000000000000000002', token: 'act.demo-standin-token-uk', displayName: 'voltix.uk' };

export async function startDemoChannels(p: Platform, s: Services, opts: { orgId: string; port: number }): Promise<() => Promise<void>> {
  const owner = { orgId: opts.orgId, userId: 'system', role: 'owner' as const };
  const shops = await s.tenancy.listShops(owner);
  const de = shops.find((x) => x.market === 'DE') ?? shops[0];
  const us = shops.find((x) => x.market === 'US') ?? shops[0];
  if (!de || !us) return async () => undefined;
  const app = `http://127.0.0.1:${opts.port}`;
  // The photo a buyer sends with a complaint (a plain coloured square).
  const PHOTO = await sharp({ create: { width: 96, height: 96, channels: 3, background: '#b0413e' } }).png().toBuffer();
  const stops: (() => Promise<void>)[] = [];

  // WhatsApp: the Graph stand-in, the Lumière DE number, and two buyers writing (one with a photo).
  const graph = await startWhatsAppStandIn();
  stops.push(() => graph.close());
  s.whatsapp.retargetGraph(graph.base);
  const hadNumber = await s.whatsapp.get(owner, de.id);
  const number = hadNumber ?? (await s.whatsapp.save(owner, de.id, { phoneNumberId: WA.phoneNumberId, displayNumber: '+49 89 5550 1200', accessToken: WA.token, appSecret: WA.appSecret, verifyToken: WA.verifyToken }));
  graph.registerNumber({ phoneNumberId: WA.phoneNumberId, displayNumber: number.displayNumber, token: WA.token, appSecret: WA.appSecret, webhookUrl: `${app}/webhooks/whatsapp/${number.id}` });
  if (!hadNumber) {
    await graph.inbound({ phoneNumberId: WA.phoneNumberId, from: '+49 151 4455 6677', name: 'Katrin Vogel', text: 'Hallo, die Kette ist beim ersten Tragen gerissen. Foto anbei.', media: { type: 'image', bytes: PHOTO, mimeType: 'image/png' } });
    await graph.inbound({ phoneNumberId: WA.phoneNumberId, from: '+49 160 9988 7766', name: 'Jonas Weber', text: 'Wann wird meine Bestellung verschickt?' });
  }

  // E-mail: each shop with a support address gets a real IMAP mailbox (hoodiecrow, in memory, on
  // loopback) set up in its mailbox settings like a user would; an SMTP receiver puts mail for those
  // addresses into the INBOX, and the IMAP sync (the minute poll, the IDLE watcher) makes the tickets.
  const mail = await startDemoMailboxes(p, s, owner, shops.filter((x) => x.supportContacts.email));
  stops.push(mail.stop);
  const firstMail = mail.created.has(us.id);
  if (firstMail && us.supportContacts.email) {
    const buyer = nodemailer.createTransport({ host: '127.0.0.1', port: mail.smtpPort, secure: false, ignoreTLS: true });
    const to = us.supportContacts.email;
    const first = await buyer.sendMail({ from: 'Megan Clarke <megan.clarke@buyer.example>', to, subject: 'Earbuds: left side has no sound', text: 'Hi, my Voltix earbuds arrived yesterday but the left one does not work at all. Order 576461413. Photo of the box attached.', attachments: [{ filename: 'box.png', content: PHOTO, contentType: 'image/png' }], headers: { 'Authentication-Results': 'mx.buyer.example; spf=pass smtp.mailfrom=buyer.example; dkim=pass header.d=buyer.example; dmarc=pass' } });
    await buyer.sendMail({ from: 'Megan Clarke <megan.clarke@buyer.example>', to, subject: 'Re: Earbuds: left side has no sound', text: 'I also tried resetting them as the manual says. Still nothing on the left.', inReplyTo: first.messageId, references: [first.messageId] });
    await buyer.sendMail({ from: 'Out of Office <noreply@logistics.example>', to, subject: 'Automatic reply: your enquiry', text: 'Thank you for your message. We are closed until Monday.', headers: { 'Auto-Submitted': 'auto-replied' } });
    buyer.close();
    // Read the mailbox now (the same sync the minute poll runs), so the tickets are there at once.
    await s.email.sync(opts.orgId, us.id).catch((e: Error) => p.log.warn({ err: e }, 'demo mailbox sync failed'));
  }

  // TikTok video comments: the API for Business stand-in, the Voltix US account, a video with comments.
  const business = await startBusinessStandIn();
  stops.push(() => business.close());
  // The owner's browser comes back to the address the app is opened at (its session cookie lives there).
  const origin = p.config.publicUrlSet ? p.config.publicUrl.replace(/\/$/, '') : `http://localhost:${opts.port}`;
  const redirectUri = `${origin}/api/tiktok-business/oauth/callback`;
  business.registerApp({ appId: BIZ_APP.appId, secret: BIZ_APP.secret, redirectUri });
  s.videoComments.retarget(business.base, { appId: BIZ_APP.appId, appSecret: BIZ_APP.secret, authUrl: business.authUrl, redirectUri });
  business.registerAccount(BIZ);
  // A second business account on the stand-in, for trying "Connect with TikTok" on another shop.
  business.registerAccount(BIZ2);
  const video = business.addVideo(BIZ.businessId, { id: '7301000000000000001', caption: 'Voltix Pro earbuds: 40 h battery, real test', at: new Date(Date.now() - 2 * 86_400_000) });
  if (!(await s.videoComments.get(owner, us.id))) await s.videoComments.save(owner, us.id, { businessId: BIZ.businessId, displayName: BIZ.displayName, accessToken: BIZ.token });
  // The stand-in forgets on restart; Message ids keep the tickets single when the same words come again.
  business.comment({ videoId: video.item_id, userId: 'u-7781', username: 'sam.r', displayName: 'Sam R', text: 'Mine arrived broken, the case hinge snapped on day one. Who do I contact for a refund?', at: new Date(Date.now() - 5 * 3_600_000) });
  business.comment({ videoId: video.item_id, userId: 'u-7782', username: 'lisa.m', text: 'These sound amazing 🔥', at: new Date(Date.now() - 4 * 3_600_000) });
  business.comment({ videoId: video.item_id, userId: 'u-7783', username: 'dani_g', displayName: 'Dani G', text: 'I ordered black and got white. Wrong item!!', at: new Date(Date.now() - 3 * 3_600_000) });
  await s.videoComments.poll(opts.orgId, us.id).catch((e: Error) => p.log.warn({ err: e }, 'demo comment poll failed'));

  return async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
}

/** The demo mailboxes' password (IMAP and SMTP; loopback only, the servers live in this process). */
const MAIL_PASSWORD = 'demo-mailbox-password';

/**
 * One in-memory IMAP server per shop support address (hoodiecrow serves a single account), each
 * with an INBOX and a Sent folder, and one SMTP receiver for all of them: mail to a support address
 * lands in that INBOX (IDLE clients hear of it at once); mail to anyone else (our replies to buyers)
 * is accepted and dropped, its copy is in the shop's Sent folder. The shop's mailbox settings point
 * here; a mailbox an owner has moved to another server is left alone. The IMAP servers forget
 * their mail on restart, so each start opens the INBOX with a new UIDVALIDITY (the sync then starts
 * that folder over; Message-IDs keep tickets single) and reuses the last port when it is free.
 * On stop the demo's mailboxes are paused; the next start sets them active again.
 */
async function startDemoMailboxes(p: Platform, s: Services, owner: Actor, shops: { id: string; supportContacts: { email?: string | null } }[]): Promise<{ smtpPort: number; created: Set<string>; stop: () => Promise<void> }> {
  const inboxes = new Map<string, HoodiecrowServer>();
  const created = new Set<string>();
  const saved = new Map<string, Omit<MailboxInput, 'status'>>();
  const uidValidity = Math.floor(Date.now() / 1000);
  const listenOn = async (open: (port: number) => Promise<void>, preferred: number | undefined) => {
    if (preferred) {
      try {
        return await open(preferred);
      } catch {
        // taken: any free port
      }
    }
    await open(0);
  };

  const smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username && inboxes.has(auth.username.toLowerCase()) && auth.password === MAIL_PASSWORD) return cb(null, { user: auth.username });
      cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('binary');
        for (const rcpt of session.envelope.rcptTo) inboxes.get(rcpt.address.toLowerCase())?.appendMessage('INBOX', [], new Date(), raw);
        cb();
      });
    },
  });

  const existing = new Map<string, Awaited<ReturnType<Services['email']['get']>>>();
  for (const shop of shops) existing.set(shop.id, await s.email.get(owner, shop.id));
  const lastSmtp = [...existing.values()].find((m) => m?.smtp.host === '127.0.0.1')?.smtp.port;
  await listenOn((port) => new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(port, '127.0.0.1', () => (smtp.server.off('error', reject), resolve()));
  }), lastSmtp);
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  p.outbound.allow(`127.0.0.1:${smtpPort}`);

  for (const shop of shops) {
    const address = shop.supportContacts.email!.toLowerCase();
    const before = existing.get(shop.id);
    if (before && before.imap.host !== '127.0.0.1') continue; // the owner uses a real mailbox now
    const imap = hoodiecrow({
      plugins: ['IDLE', 'SPECIAL-USE'],
      users: { [address]: { password: MAIL_PASSWORD } },
      storage: { INBOX: { uidvalidity: uidValidity }, '': { folders: { Sent: { 'special-use': '\\Sent' } } } },
    });
    await listenOn((port) => new Promise<void>((resolve, reject) => {
      imap.server.once('error', reject);
      imap.listen(port, '127.0.0.1', () => (imap.server.off('error', reject), resolve()));
    }), before?.imap.port);
    const imapPort = (imap.server.address() as AddressInfo).port;
    p.outbound.allow(`127.0.0.1:${imapPort}`);
    inboxes.set(address, imap);
    const settings = {
      address,
      imap: { host: '127.0.0.1', port: imapPort, tls: 'none' as const, user: address, folder: 'INBOX' },
      smtp: { host: '127.0.0.1', port: smtpPort, tls: 'none' as const, user: address },
    };
    await s.email.save(owner, shop.id, { ...settings, imap: { ...settings.imap, password: MAIL_PASSWORD }, smtp: { ...settings.smtp, password: MAIL_PASSWORD }, status: 'active' });
    saved.set(shop.id, settings);
    if (!before) created.add(shop.id);
  }

  return {
    smtpPort,
    created,
    stop: async () => {
      // Paused while these servers are gone, so the next start's poll and IDLE watcher (which run
      // before the demo's servers are back) do not knock on closed ports; the next start resumes them.
      for (const [shopId, settings] of saved) await s.email.save(owner, shopId, { ...settings, status: 'paused' }).catch(() => undefined);
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      // Stop listening without waiting: the IDLE watcher's connection ends when the platform stops it.
      for (const imap of inboxes.values()) imap.server.close();
    },
  };
}
