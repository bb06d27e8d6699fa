import crypto from 'node:crypto';
import { z } from 'zod';
import type { InboundMessage } from '../../modules/helpdesk/index.js';
import { KeptByKey } from '../../platform/kept.js';

export interface InboundWhatsApp {
  messageId: string;
  /** E.164 phone number of the buyer. */
  from: string;
  name?: string;
  text: string;
  date: Date;
  attachments?: { url?: string; fileName?: string; contentType?: string; sha256?: string }[];
}

export interface OutboundWhatsApp {
  from: string | null;
  to: string;
  text: string;
  /** Stable per reply so a retried step is recognisably the same message. */
  messageKey: string;
}

export interface WhatsAppProvider {
  readonly kind: string;
  send(msg: OutboundWhatsApp): Promise<{ messageId: string }>;
}

export function normalisePhone(p: string): string {
  const digits = p.replace(/[^\d+]/g, '');
  if (digits.startsWith('+')) return digits;
  // 00 is the international prefix in Europe: 0039… is +39….
  return `+${digits.replace(/^00/, '')}`;
}

/** One WhatsApp chat per buyer number and shop: the number names the conversation. */
export function whatsappToInbound(orgId: string, shopId: string, msg: InboundWhatsApp, extra: { orderId?: string } = {}): InboundMessage {
  const phone = normalisePhone(msg.from);
  return {
    orgId,
    shopId,
    channel: 'whatsapp',
    externalThreadId: phone,
    externalMessageId: msg.messageId,
    buyer: { phone, name: msg.name, externalId: phone },
    direction: 'inbound',
    text: msg.text,
    attachments: msg.attachments,
    sentAt: msg.date.toISOString(),
    orderId: extra.orderId,
  };
}

/** Local provider: the latest sent messages (10,000 by default) stay in memory for tests and the demo. */
export class LocalWhatsAppProvider implements WhatsAppProvider {
  readonly kind = 'local';
  private readonly kept: KeptByKey<OutboundWhatsApp & { messageId: string; at: Date }>;

  constructor(keep = 10_000) {
    this.kept = new KeptByKey(keep);
  }

  /** Oldest first. */
  get sent(): readonly (OutboundWhatsApp & { messageId: string; at: Date })[] {
    return this.kept.items;
  }

  async send(msg: OutboundWhatsApp): Promise<{ messageId: string }> {
    const existing = this.kept.get(msg.messageKey);
    if (existing) return { messageId: existing.messageId };
    const messageId = `wamid.local.${crypto.createHash('sha256').update(msg.messageKey).digest('hex').slice(0, 24)}`;
    this.kept.add(msg.messageKey, { ...msg, to: normalisePhone(msg.to), messageId, at: new Date() });
    return { messageId };
  }
  /** A buyer message as the local provider would deliver it. */
  receive(msg: Omit<InboundWhatsApp, 'messageId' | 'date'> & { messageId?: string; date?: Date }): InboundWhatsApp {
    return { ...msg, messageId: msg.messageId ?? `wamid.in.${crypto.randomUUID()}`, date: msg.date ?? new Date() };
  }
}

export const WhatsAppSendPayload = z.object({
  shopId: z.string(),
  ticketId: z.string(),
  messageId: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  text: z.string(),
  attachments: z.array(z.object({ sha256: z.string().optional(), fileName: z.string().optional(), contentType: z.string().optional() }).passthrough()).optional(),
});

/** The process's local WhatsApp line (demo and tests). */
export const localWhatsApp = new LocalWhatsAppProvider();
