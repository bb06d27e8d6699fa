/**
 * The WhatsApp Business Cloud API (Meta Graph API), as the docs describe it:
 * - send: `POST /{version}/{phone-number-id}/messages` with a bearer token; text, or media by id
 *   (`image`, `video`, `audio`, `document`, with caption / filename) → `{messages: [{id: wamid}]}`;
 * - upload: `POST /{version}/{phone-number-id}/media` (multipart: `file`, `type`,
 *   `messaging_product=whatsapp`) → `{id}`;
 * - media: `GET /{version}/{media-id}` → `{url, mime_type, sha256, file_size, id}`, then `GET url`
 *   with the same bearer token for the bytes;
 * - webhooks: `entry[].changes[].value` with `metadata.phone_number_id`, `contacts[]`, `messages[]`
 *   (types text, image, video, audio, document, sticker, …) and `statuses[]` (sent, delivered,
 *   read, failed with `errors[]`), signed with `X-Hub-Signature-256: sha256=<HMAC-SHA256(app
 *   secret, raw body)>`; the subscription handshake is a GET with `hub.mode=subscribe`,
 *   `hub.verify_token` and `hub.challenge`.
 * Free-form messages reach a buyer only within 24 h of their last message (error 131047 outside).
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { PermanentError } from '../../platform/outbox/outbox.js';
import { normalisePhone, type InboundWhatsApp } from './whatsapp.js';

export type GraphFetch = (url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array }) => Promise<Response>;

export interface WhatsAppCloudOptions {
  /** The business phone number's id in the WhatsApp Business Platform. */
  phoneNumberId: string;
  accessToken: string;
  apiVersion?: string;
  baseUrl?: string;
  fetchImpl: GraphFetch;
}

const SendResponse = z.object({ messages: z.array(z.object({ id: z.string() })).min(1) });
const ErrorResponse = z.object({ error: z.object({ message: z.string(), code: z.number().optional() }) });
const MediaInfo = z.object({ url: z.string(), mime_type: z.string(), sha256: z.string().optional(), file_size: z.coerce.number().optional(), id: z.string() });
const Uploaded = z.object({ id: z.string() });

/** Meta said "too many requests": nothing was sent, so trying again later is safe. */
export class GraphRateLimited extends Error {}

export type MediaKind = 'image' | 'video' | 'audio' | 'document';

/** Which WhatsApp media type carries a file of this content type. */
export function mediaKindOf(contentType: string): MediaKind {
  if (/^image\/(jpeg|png)$/.test(contentType)) return 'image';
  if (/^video\/(mp4|3gpp)$/.test(contentType)) return 'video';
  if (/^audio\//.test(contentType)) return 'audio';
  return 'document';
}

export class WhatsAppCloudProvider {
  readonly kind = 'whatsapp-cloud';
  constructor(private readonly opts: WhatsAppCloudOptions) {}

  private url(path: string): string {
    return `${this.opts.baseUrl ?? 'https://graph.facebook.com'}/${this.opts.apiVersion ?? 'v21.0'}/${path}`;
  }

  private auth(): Record<string, string> {
    return { authorization: `Bearer ${this.opts.accessToken}` };
  }

  private async call<T>(path: string, init: { method: string; headers?: Record<string, string>; body?: string | Uint8Array }, schema: z.ZodType<T>, what: string): Promise<T> {
    const res = await this.opts.fetchImpl(this.url(path), { ...init, headers: { ...this.auth(), ...init.headers } });
    const body: unknown = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = ErrorResponse.safeParse(body);
      const text = err.success ? err.data.error.message : `HTTP ${res.status}`;
      // 4xx other than rate limiting are about this request (bad number, window closed): permanent.
      if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new PermanentError(`WhatsApp refused the ${what}: ${text}`, err.success ? String(err.data.error.code ?? '') : undefined);
      if (res.status === 429) throw new GraphRateLimited(`WhatsApp ${what} failed: ${text}`);
      throw new Error(`WhatsApp ${what} failed: ${text}`);
    }
    const ok = schema.safeParse(body);
    if (!ok.success) throw new Error(`WhatsApp answered the ${what} in an unexpected shape`);
    return ok.data;
  }

  async sendText(to: string, text: string): Promise<{ messageId: string }> {
    const r = await this.call(
      `${encodeURIComponent(this.opts.phoneNumberId)}/messages`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: normalisePhone(to).replace(/^\+/, ''), type: 'text', text: { preview_url: true, body: text } }) },
      SendResponse,
      'message',
    );
    return { messageId: r.messages[0]!.id };
  }

  /**
   * A template message (the only kind a business may start outside the buyer's 24-hour window):
   * an approved template by name and language, its body variables filled in order.
   */
  async sendTemplate(to: string, t: { name: string; language: string; params: string[] }): Promise<{ messageId: string }> {
    const template = { name: t.name, language: { code: t.language }, components: [{ type: 'body', parameters: t.params.map((text) => ({ type: 'text', text })) }] };
    const r = await this.call(
      `${encodeURIComponent(this.opts.phoneNumberId)}/messages`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: normalisePhone(to).replace(/^\+/, ''), type: 'template', template }) },
      SendResponse,
      'message',
    );
    return { messageId: r.messages[0]!.id };
  }

  async sendMedia(to: string, media: { kind: MediaKind; id: string; caption?: string; filename?: string }): Promise<{ messageId: string }> {
    const object: Record<string, string> = { id: media.id };
    if (media.caption && media.kind !== 'audio') object.caption = media.caption;
    if (media.kind === 'document' && media.filename) object.filename = media.filename;
    const r = await this.call(
      `${encodeURIComponent(this.opts.phoneNumberId)}/messages`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: normalisePhone(to).replace(/^\+/, ''), type: media.kind, [media.kind]: object }) },
      SendResponse,
      'media message',
    );
    return { messageId: r.messages[0]!.id };
  }

  /** Upload a file for sending (multipart body written by hand: the outbound fetch takes bytes). */
  async upload(file: { bytes: Buffer; contentType: string; fileName: string }): Promise<string> {
    const boundary = `----afterdesk${crypto.randomBytes(12).toString('hex')}`;
    const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const body = Buffer.concat([
      Buffer.from(part('messaging_product', 'whatsapp') + part('type', file.contentType)),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.fileName.replace(/["\r\n]/g, '_')}"\r\nContent-Type: ${file.contentType}\r\n\r\n`),
      file.bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const r = await this.call(`${encodeURIComponent(this.opts.phoneNumberId)}/media`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body }, Uploaded, 'media upload');
    return r.id;
  }

  /** A received file's bytes: its URL from the media endpoint, then the download with the token. */
  async download(mediaId: string): Promise<{ bytes: Buffer; contentType: string; sha256?: string }> {
    const info = await this.call(encodeURIComponent(mediaId), { method: 'GET' }, MediaInfo, 'media lookup');
    const res = await this.opts.fetchImpl(info.url, { method: 'GET', headers: this.auth() });
    if (!res.ok) {
      if (res.status === 404) throw new PermanentError(`WhatsApp media ${mediaId} is gone (media URLs expire)`);
      throw new Error(`WhatsApp media download failed: HTTP ${res.status}`);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (info.sha256 && crypto.createHash('sha256').update(bytes).digest('hex') !== info.sha256) throw new Error(`WhatsApp media ${mediaId} arrived damaged (sha256 differs)`);
    return { bytes, contentType: info.mime_type, sha256: info.sha256 };
  }
}

/** `X-Hub-Signature-256` over the raw body with the app secret, compared in constant time. */
export function verifyHubSignature(appSecret: string, raw: Buffer, header: string | undefined): boolean {
  if (!header || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice(7), 'hex');
  const want = crypto.createHmac('sha256', appSecret).update(raw).digest();
  return given.length === want.length && crypto.timingSafeEqual(given, want);
}

export function hubSignature(appSecret: string, raw: Buffer | string): string {
  return `sha256=${crypto.createHmac('sha256', appSecret).update(raw).digest('hex')}`;
}

const MediaObject = z.object({ id: z.string(), mime_type: z.string().optional(), caption: z.string().optional(), filename: z.string().optional(), sha256: z.string().optional() }).passthrough();
const Webhook = z
  .object({
    entry: z.array(
      z
        .object({
          changes: z.array(
            z
              .object({
                value: z
                  .object({
                    metadata: z.object({ phone_number_id: z.string() }).passthrough(),
                    contacts: z.array(z.object({ wa_id: z.string(), profile: z.object({ name: z.string() }).partial().optional() }).passthrough()).optional(),
                    messages: z
                      .array(
                        z
                          .object({
                            id: z.string(),
                            from: z.string(),
                            timestamp: z.string(),
                            type: z.string(),
                            text: z.object({ body: z.string() }).optional(),
                            image: MediaObject.optional(),
                            video: MediaObject.optional(),
                            audio: MediaObject.optional(),
                            document: MediaObject.optional(),
                            sticker: MediaObject.optional(),
                          })
                          .passthrough(),
                      )
                      .optional(),
                    statuses: z
                      .array(
                        z
                          .object({
                            id: z.string(),
                            status: z.string(),
                            timestamp: z.string().optional(),
                            recipient_id: z.string().optional(),
                            errors: z.array(z.object({ code: z.number().optional(), title: z.string().optional(), message: z.string().optional() }).passthrough()).optional(),
                          })
                          .passthrough(),
                      )
                      .optional(),
                  })
                  .passthrough(),
              })
              .passthrough(),
          ),
        })
        .passthrough(),
    ),
  })
  .passthrough();

export interface CloudInbound {
  phoneNumberId: string;
  message: InboundWhatsApp;
  /** Media ids, in the order of `message.attachments`, to download after the message is stored. */
  mediaIds: string[];
}

export interface CloudStatus {
  phoneNumberId: string;
  wamid: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  error?: string;
}

/** Buyer messages and delivery statuses from a Cloud API webhook body (after its signature check). */
export function parseCloudWebhook(payload: unknown): { messages: CloudInbound[]; statuses: CloudStatus[] } {
  const p = Webhook.safeParse(payload);
  if (!p.success) return { messages: [], statuses: [] };
  const messages: CloudInbound[] = [];
  const statuses: CloudStatus[] = [];
  for (const e of p.data.entry) {
    for (const c of e.changes) {
      const v = c.value;
      for (const m of v.messages ?? []) {
        const name = v.contacts?.find((x) => x.wa_id === m.from)?.profile?.name;
        const media = m.image ?? m.video ?? m.audio ?? m.document ?? m.sticker;
        const text = m.text?.body ?? media?.caption ?? (media ? '' : `[${m.type}]`);
        messages.push({
          phoneNumberId: v.metadata.phone_number_id,
          mediaIds: media ? [media.id] : [],
          message: {
            messageId: m.id,
            from: normalisePhone(m.from),
            name,
            text,
            date: new Date(Number(m.timestamp) * 1000),
            attachments: media ? [{ fileName: media.filename ?? `whatsapp-${m.type}-${media.id}`, contentType: media.mime_type }] : undefined,
          },
        });
      }
      for (const s of v.statuses ?? []) {
        if (!['sent', 'delivered', 'read', 'failed'].includes(s.status)) continue;
        const err = s.errors?.[0];
        statuses.push({ phoneNumberId: v.metadata.phone_number_id, wamid: s.id, status: s.status as CloudStatus['status'], ...(err ? { error: [err.code, err.title ?? err.message].filter(Boolean).join(' ') } : {}) });
      }
    }
  }
  return { messages, statuses };
}
