/**
 * A local stand-in for the WhatsApp Cloud API (Graph API), for the demo and the tests: the same
 * paths, bearer tokens, error bodies (190 bad token, 131047 outside the 24-hour window), media
 * upload / lookup / download, and webhooks to the number's callback URL signed with its app
 * secret (X-Hub-Signature-256) — so Afterdesk's WhatsApp code runs exactly as against Meta.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hubSignature } from './cloud.js';

interface StandInNumber {
  phoneNumberId: string;
  displayNumber: string;
  token: string;
  appSecret: string;
  webhookUrl: string;
}

export interface StandInSent {
  phoneNumberId: string;
  to: string;
  type: string;
  text?: string;
  mediaId?: string;
  wamid: string;
  at: Date;
}

export interface WhatsAppStandIn {
  readonly base: string;
  readonly port: number;
  readonly sent: StandInSent[];
  registerNumber(n: StandInNumber): void;
  /** A buyer writes (text and/or one file): the stand-in posts the signed webhook; returns its HTTP status. */
  inbound(i: { phoneNumberId: string; from: string; name?: string; text?: string; media?: { type: 'image' | 'video' | 'audio' | 'document'; bytes: Buffer; mimeType: string; filename?: string; caption?: string }; at?: Date; signWith?: string }): Promise<{ status: number; wamid: string; mediaId?: string }>;
  /** Meta's later word on a sent message (delivered, read, failed). */
  status(phoneNumberId: string, wamid: string, status: 'sent' | 'delivered' | 'read' | 'failed', error?: { code: number; title: string }): Promise<number>;
  close(): Promise<void>;
}

const WINDOW_MS = 24 * 3_600_000;

export async function startWhatsAppStandIn(opts: { port?: number; version?: string } = {}): Promise<WhatsAppStandIn> {
  const version = opts.version ?? 'v21.0';
  const numbers = new Map<string, StandInNumber>();
  const media = new Map<string, { bytes: Buffer; mimeType: string; phoneNumberId: string }>();
  const lastInbound = new Map<string, number>();
  const sent: StandInSent[] = [];
  let base = '';

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const graphError = (res: http.ServerResponse, status: number, code: number, message: string) => json(res, status, { error: { message, type: 'OAuthException', code, fbtrace_id: crypto.randomBytes(6).toString('hex') } });
  const read = (req: http.IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  const tokenOf = (req: http.IncomingMessage) => /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const ownerOfToken = (token: string | undefined) => [...numbers.values()].find((n) => n.token === token);

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', base);
      const parts = url.pathname.split('/').filter(Boolean);
      const caller = ownerOfToken(tokenOf(req));
      if (parts[0] === 'media-download' && parts[1]) {
        const m = media.get(parts[1]);
        if (!caller || !m || m.phoneNumberId !== caller.phoneNumberId) return graphError(res, caller ? 404 : 401, caller ? 100 : 190, caller ? 'Unsupported get request' : 'Invalid OAuth access token');
        res.writeHead(200, { 'content-type': m.mimeType, 'content-length': m.bytes.length });
        return res.end(m.bytes);
      }
      if (parts[0] !== version) return graphError(res, 400, 2500, 'Unknown path components');
      if (!caller) return graphError(res, 401, 190, 'Invalid OAuth access token - Cannot parse access token');
      if (req.method === 'POST' && parts.length === 3 && parts[2] === 'messages') {
        if (parts[1] !== caller.phoneNumberId) return graphError(res, 400, 100, 'Unsupported post request');
        const body = JSON.parse((await read(req)).toString('utf8')) as { messaging_product?: string; to?: string; type?: string; text?: { body?: string }; [k: string]: unknown };
        if (body.messaging_product !== 'whatsapp' || !body.to || !body.type) return graphError(res, 400, 100, 'Invalid parameter');
        const last = lastInbound.get(`${caller.phoneNumberId}:${body.to}`);
        if (body.type !== 'template' && (last === undefined || Date.now() - last > WINDOW_MS)) return graphError(res, 400, 131047, 'Re-engagement message');
        const wamid = `wamid.${crypto.randomBytes(12).toString('base64url')}`;
        const mediaObj = body[body.type] as { id?: string } | undefined;
        sent.push({ phoneNumberId: caller.phoneNumberId, to: body.to, type: body.type, text: body.text?.body, mediaId: body.type !== 'text' ? mediaObj?.id : undefined, wamid, at: new Date() });
        return json(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id: wamid }] });
      }
      if (req.method === 'POST' && parts.length === 3 && parts[2] === 'media') {
        const raw = await read(req);
        const boundary = /boundary=(.+)$/.exec(req.headers['content-type'] ?? '')?.[1];
        if (!boundary) return graphError(res, 400, 100, 'Param file must be a file with one of the following types');
        const text = raw.toString('latin1');
        const start = text.indexOf('name="file"');
        const headEnd = text.indexOf('\r\n\r\n', start);
        const end = text.indexOf(`\r\n--${boundary}`, headEnd);
        if (start < 0 || headEnd < 0 || end < 0) return graphError(res, 400, 100, 'Param file must be a file');
        const mimeType = /Content-Type: ([^\r\n]+)/i.exec(text.slice(start, headEnd))?.[1] ?? 'application/octet-stream';
        const id = String(1_000_000_000 + media.size + Math.floor(Math.random() * 1000));
        media.set(id, { bytes: raw.subarray(headEnd + 4, end), mimeType, phoneNumberId: caller.phoneNumberId });
        return json(res, 200, { id });
      }
      if (req.method === 'GET' && parts.length === 2) {
        const m = media.get(parts[1]!);
        if (!m || m.phoneNumberId !== caller.phoneNumberId) return graphError(res, 400, 100, 'Unsupported get request');
        return json(res, 200, { messaging_product: 'whatsapp', url: `${base}/media-download/${parts[1]}`, mime_type: m.mimeType, sha256: crypto.createHash('sha256').update(m.bytes).digest('hex'), file_size: m.bytes.length, id: parts[1] });
      }
      return graphError(res, 400, 100, 'Unsupported request');
    } catch (e) {
      graphError(res, 500, 1, (e as Error).message);
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  async function post(n: StandInNumber, value: Record<string, unknown>, signWith?: string): Promise<number> {
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'WABA-STANDIN', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: n.displayNumber.replace(/\D/g, ''), phone_number_id: n.phoneNumberId }, ...value } }] }] });
    const res = await fetch(n.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': hubSignature(signWith ?? n.appSecret, body) }, body });
    await res.arrayBuffer();
    return res.status;
  }

  return {
    base,
    port,
    sent,
    registerNumber(n) {
      numbers.set(n.phoneNumberId, n);
    },
    async inbound(i) {
      const n = numbers.get(i.phoneNumberId);
      if (!n) throw new Error(`stand-in: no number ${i.phoneNumberId}`);
      const from = i.from.replace(/\D/g, '');
      const at = i.at ?? new Date();
      lastInbound.set(`${n.phoneNumberId}:${from}`, Math.max(lastInbound.get(`${n.phoneNumberId}:${from}`) ?? 0, at.getTime()));
      const wamid = `wamid.${crypto.randomBytes(12).toString('base64url')}`;
      let mediaId: string | undefined;
      const message: Record<string, unknown> = { from, id: wamid, timestamp: String(Math.floor(at.getTime() / 1000)) };
      if (i.media) {
        mediaId = String(2_000_000_000 + media.size);
        media.set(mediaId, { bytes: i.media.bytes, mimeType: i.media.mimeType, phoneNumberId: n.phoneNumberId });
        message.type = i.media.type;
        message[i.media.type] = { id: mediaId, mime_type: i.media.mimeType, sha256: crypto.createHash('sha256').update(i.media.bytes).digest('hex'), ...(i.media.caption ?? i.text ? { caption: i.media.caption ?? i.text } : {}), ...(i.media.filename ? { filename: i.media.filename } : {}) };
      } else {
        message.type = 'text';
        message.text = { body: i.text ?? '' };
      }
      const status = await post(n, { contacts: [{ profile: { name: i.name ?? 'Buyer' }, wa_id: from }], messages: [message] }, i.signWith);
      return { status, wamid, mediaId };
    },
    async status(phoneNumberId, wamid, status, error) {
      const n = numbers.get(phoneNumberId);
      if (!n) throw new Error(`stand-in: no number ${phoneNumberId}`);
      const s = sent.find((x) => x.wamid === wamid);
      return post(n, { statuses: [{ id: wamid, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: s?.to ?? '0', ...(error ? { errors: [error] } : {}) }] });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
