/**
 * The demo's channels, reached through their real paths (issue 19): a WhatsApp Cloud API stand-in
 * posting signed webhooks to our receiver, an in-process SMTP receiver for the shops' support
 * addresses whose mail goes through the same parsing as IMAP mail, and a TikTok API for Business
 * stand-in whose comments the poll reads. Buyer messages are sent once, when the demo's channels
 * are first connected; the stand-ins run on every start so replies go somewhere real.
 */
import nodemailer from 'nodemailer';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { SMTPServer } from 'smtp-server';
import { startBusinessStandIn } from '../integrations/video-comments/index.js';
import { startWhatsAppStandIn } from '../integrations/whatsapp/index.js';
import type { Platform, Services } from './deps.js';

const WA = { phoneNumberId: '1065550100', token: 'EAAG-demo-standin-token', appSecret: 'demo-app-secret', verifyToken: 'demo-verify-token' };
const BIZ = { businessId: '7000000000000000001', token: 'act.demo-standin-token', displayName: 'lumiere.atelier' };

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

  // E-mail: an SMTP receiver for the shops' support addresses; each mail is ingested like IMAP mail.
  const addresses = new Map(shops.filter((x) => x.supportContacts.email).map((x) => [x.supportContacts.email!.toLowerCase(), x.id]));
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (!addresses.has(address.address.toLowerCase())) return cb(new Error('No such support address here'));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        void (async () => {
          for (const rcpt of session.envelope.rcptTo) {
            const shopId = addresses.get(rcpt.address.toLowerCase());
            if (shopId) await s.email.receiveRaw(opts.orgId, shopId, raw);
          }
        })().then(
          () => cb(),
          (e: Error) => {
            p.log.warn({ err: e }, 'demo mail could not be taken in');
            cb(new Error('Temporary failure, try again'));
          },
        );
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  stops.push(() => new Promise<void>((resolve) => smtp.close(() => resolve())));
  const firstMail = !(await s.videoComments.get(owner, us.id));
  if (firstMail) {
    const buyer = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    const to = us.supportContacts.email!;
    const first = await buyer.sendMail({ from: 'Megan Clarke <megan.clarke@buyer.example>', to, subject: 'Earbuds: left side has no sound', text: 'Hi, my Voltix earbuds arrived yesterday but the left one does not work at all. Order 576461413. Photo of the box attached.', attachments: [{ filename: 'box.png', content: PHOTO, contentType: 'image/png' }], headers: { 'Authentication-Results': 'mx.buyer.example; spf=pass smtp.mailfrom=buyer.example; dkim=pass header.d=buyer.example; dmarc=pass' } });
    await buyer.sendMail({ from: 'Megan Clarke <megan.clarke@buyer.example>', to, subject: 'Re: Earbuds: left side has no sound', text: 'I also tried resetting them as the manual says. Still nothing on the left.', inReplyTo: first.messageId, references: [first.messageId] });
    await buyer.sendMail({ from: 'Out of Office <noreply@logistics.example>', to, subject: 'Automatic reply: your enquiry', text: 'Thank you for your message. We are closed until Monday.', headers: { 'Auto-Submitted': 'auto-replied' } });
    buyer.close();
  }

  // TikTok video comments: the API for Business stand-in, the Voltix US account, a video with comments.
  const business = await startBusinessStandIn();
  stops.push(() => business.close());
  s.videoComments.retarget(business.base);
  business.registerAccount(BIZ);
  const video = business.addVideo(BIZ.businessId, { id: '7301000000000000001', caption: 'Voltix Pro earbuds: 40 h battery, real test', at: new Date(Date.now() - 2 * 86_400_000) });
  if (firstMail) await s.videoComments.save(owner, us.id, { businessId: BIZ.businessId, displayName: BIZ.displayName, accessToken: BIZ.token });
  // The stand-in forgets on restart; Message ids keep the tickets single when the same words come again.
  business.comment({ videoId: video.item_id, userId: 'u-7781', username: 'sam.r', displayName: 'Sam R', text: 'Mine arrived broken, the case hinge snapped on day one. Who do I contact for a refund?', at: new Date(Date.now() - 5 * 3_600_000) });
  business.comment({ videoId: video.item_id, userId: 'u-7782', username: 'lisa.m', text: 'These sound amazing 🔥', at: new Date(Date.now() - 4 * 3_600_000) });
  business.comment({ videoId: video.item_id, userId: 'u-7783', username: 'dani_g', displayName: 'Dani G', text: 'I ordered black and got white. Wrong item!!', at: new Date(Date.now() - 3 * 3_600_000) });
  await s.videoComments.poll(opts.orgId, us.id).catch((e: Error) => p.log.warn({ err: e }, 'demo comment poll failed'));

  return async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
}
