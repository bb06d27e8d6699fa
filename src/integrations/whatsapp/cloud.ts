import { z } from 'zod';
import { PermanentError } from '../../platform/outbox/outbox.js';
import { normalisePhone, type InboundWhatsApp, type OutboundWhatsApp, type WhatsAppProvider } from './whatsapp.js';

export interface WhatsAppCloudOptions {
  /** The business phone number's id in the WhatsApp Business Platform. */
  phoneNumberId: string;
  accessToken: string;
  apiVersion?: string;
  baseUrl?: string;
  fetchImpl?: typeof fetch;
}

const SendResponse = z.object({ messages: z.array(z.object({ id: z.string() })).min(1) });
const ErrorResponse = z.object({ error: z.object({ message: z.string(), code: z.number().optional() }) });

/**
 * WhatsApp Business Cloud API. Free-form text reaches a buyer only inside the 24-hour window after
 * their last message; outside it Meta answers code 131047, which retrying cannot fix.
 */
export class WhatsAppCloudProvider implements WhatsAppProvider {
  readonly kind = 'whatsapp-cloud';
  constructor(private readonly opts: WhatsAppCloudOptions) {}

  async send(msg: OutboundWhatsApp): Promise<{ messageId: string }> {
    const f = this.opts.fetchImpl ?? fetch;
    const url = `${this.opts.baseUrl ?? 'https://graph.facebook.com'}/${this.opts.apiVersion ?? 'v21.0'}/${encodeURIComponent(this.opts.phoneNumberId)}/messages`;
    const res = await f(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.opts.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: normalisePhone(msg.to).replace(/^\+/, ''), type: 'text', text: { preview_url: true, body: msg.text } }),
      signal: AbortSignal.timeout(20_000),
    });
    const body: unknown = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = ErrorResponse.safeParse(body);
      const text = err.success ? err.data.error.message : `HTTP ${res.status}`;
      // 4xx other than rate limiting are about this message (bad number, window closed): permanent.
      if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new PermanentError(`WhatsApp refused the message: ${text}`, err.success ? String(err.data.error.code ?? '') : undefined);
      throw new Error(`WhatsApp send failed: ${text}`);
    }
    const ok = SendResponse.safeParse(body);
    if (!ok.success) throw new Error('WhatsApp answered without a message id');
    return { messageId: ok.data.messages[0]!.id };
  }
}

const Webhook = z.object({
  entry: z.array(
    z.object({
      changes: z.array(
        z.object({
          value: z.object({
            metadata: z.object({ phone_number_id: z.string() }).passthrough(),
            contacts: z.array(z.object({ wa_id: z.string(), profile: z.object({ name: z.string() }).partial().optional() })).optional(),
            messages: z
              .array(
                z
                  .object({
                    id: z.string(),
                    from: z.string(),
                    timestamp: z.string(),
                    type: z.string(),
                    text: z.object({ body: z.string() }).optional(),
                    image: z.object({ id: z.string(), mime_type: z.string().optional(), caption: z.string().optional() }).optional(),
                    document: z.object({ id: z.string(), mime_type: z.string().optional(), filename: z.string().optional(), caption: z.string().optional() }).optional(),
                  })
                  .passthrough(),
              )
              .optional(),
          }).passthrough(),
        }).passthrough(),
      ),
    }).passthrough(),
  ),
}).passthrough();

/**
 * Buyer messages from a Cloud API webhook (after its signature check), keyed by our business
 * number id so the caller can route them to a shop. Status callbacks carry no messages and yield none.
 */
export function messagesFromCloudWebhook(payload: unknown): { phoneNumberId: string; message: InboundWhatsApp }[] {
  const p = Webhook.safeParse(payload);
  if (!p.success) return [];
  const out: { phoneNumberId: string; message: InboundWhatsApp }[] = [];
  for (const e of p.data.entry) {
    for (const c of e.changes) {
      const v = c.value;
      for (const m of v.messages ?? []) {
        const name = v.contacts?.find((x) => x.wa_id === m.from)?.profile?.name;
        const media = m.image ?? m.document;
        const text = m.text?.body ?? media?.caption ?? (media ? '' : `[${m.type}]`);
        out.push({
          phoneNumberId: v.metadata.phone_number_id,
          message: {
            messageId: m.id,
            from: normalisePhone(m.from),
            name,
            text,
            date: new Date(Number(m.timestamp) * 1000),
            // Media comes as an id to download with the access token; the url stays empty until then.
            attachments: media ? [{ fileName: m.document?.filename ?? `whatsapp-${m.type}-${media.id}`, contentType: media.mime_type }] : undefined,
          },
        });
      }
    }
  }
  return out;
}
