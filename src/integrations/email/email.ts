import crypto from 'node:crypto';
import { z } from 'zod';
import type { InboundMessage } from '../../modules/helpdesk/index.js';
import { KeptByKey } from '../../platform/kept.js';

/** A mail as the helpdesk needs it, whichever provider fetched it. */
export interface InboundEmail {
  messageId: string;
  from: string;
  fromName?: string;
  to?: string;
  subject: string;
  text: string;
  inReplyTo?: string;
  references?: string[];
  date: Date;
  attachments?: { fileName?: string; contentType?: string; size?: number; sha256?: string }[];
}

export interface OutboundEmail {
  from: string;
  fromName?: string;
  to: string;
  toName?: string;
  subject: string;
  text: string;
  inReplyTo?: string;
  references?: string[];
  /** Stable per reply: becomes the Message-ID, so a retried send is recognisably the same mail. */
  messageKey: string;
}

export interface EmailProvider {
  readonly kind: string;
  send(mail: OutboundEmail): Promise<{ messageId: string }>;
  /** New mail since the last call (IMAP: unseen in INBOX), marked as read once returned. */
  fetchNew?(): Promise<InboundEmail[]>;
  close?(): Promise<void>;
}

export function messageIdFor(messageKey: string, domain = 'afterdesk.local'): string {
  return `<${messageKey.replace(/[^\w.-]/g, '_')}@${domain}>`;
}

/**
 * A conversation is named by the first Message-ID of its chain: a reply's References start with
 * the buyer's original mail, so every later mail of the exchange lands on the same ticket.
 */
export function threadIdOf(mail: Pick<InboundEmail, 'messageId' | 'inReplyTo' | 'references'>): string {
  return mail.references?.find((r) => r.trim()) ?? mail.inReplyTo ?? mail.messageId;
}

/** Strip the quoted history most clients append below a reply. */
export function stripQuoted(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const cut = lines.findIndex((l, i) =>
    /^On .{5,200} wrote:$/.test(l.trim()) ||
    /^Am .{5,200} schrieb .{1,200}:$/.test(l.trim()) ||
    /^Le .{5,200} a écrit ?:$/.test(l.trim()) ||
    /^Il giorno .{5,200} ha scritto:$/.test(l.trim()) ||
    /^El .{5,200} escribió:$/.test(l.trim()) ||
    /^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Messaggio originale|Mensaje original)\s*-{2,}$/i.test(l.trim()) ||
    (l.startsWith('>') && lines.slice(i).every((x) => x.startsWith('>') || !x.trim())),
  );
  const kept = (cut >= 0 ? lines.slice(0, cut) : lines).join('\n').trim();
  return kept || text.trim();
}

export function emailToInbound(orgId: string, shopId: string, mail: InboundEmail, extra: { orderId?: string } = {}): InboundMessage {
  return {
    orgId,
    shopId,
    channel: 'email',
    externalThreadId: threadIdOf(mail),
    externalMessageId: mail.messageId,
    buyer: { email: mail.from.toLowerCase(), name: mail.fromName, externalId: mail.from.toLowerCase() },
    direction: 'inbound',
    text: stripQuoted(mail.text),
    subject: mail.subject.replace(/^((re|aw|fw|fwd|wg|tr|r|rif|res)\s*:\s*)+/i, '').trim() || mail.subject,
    attachments: mail.attachments,
    sentAt: mail.date.toISOString(),
    orderId: extra.orderId,
  };
}

/**
 * Local provider: keeps the latest sent mail in memory (10,000 by default); tests and the demo read
 * `sent` and push inbound mail.
 */
export class LocalEmailProvider implements EmailProvider {
  readonly kind = 'local';
  private readonly kept: KeptByKey<OutboundEmail & { messageId: string; at: Date }>;
  private inbox: InboundEmail[] = [];

  constructor(keep = 10_000) {
    this.kept = new KeptByKey(keep);
  }

  /** Oldest first. */
  get sent(): readonly (OutboundEmail & { messageId: string; at: Date })[] {
    return this.kept.items;
  }

  async send(mail: OutboundEmail): Promise<{ messageId: string }> {
    const messageId = messageIdFor(mail.messageKey);
    // A retried step must not hand the buyer the same mail twice.
    if (!this.kept.get(messageId)) this.kept.add(messageId, { ...mail, messageId, at: new Date() });
    return { messageId };
  }

  /** A mail as it would arrive at the shop's support address (ids and date filled in). */
  receive(mail: Omit<InboundEmail, 'messageId' | 'date'> & { messageId?: string; date?: Date }): InboundEmail {
    return { ...mail, messageId: mail.messageId ?? `<${crypto.randomUUID()}@buyer.local>`, date: mail.date ?? new Date() };
  }

  /** Put a mail in the inbox for the next `fetchNew` (exercises the polling path). */
  deliver(mail: Omit<InboundEmail, 'messageId' | 'date'> & { messageId?: string; date?: Date }): InboundEmail {
    const full = this.receive(mail);
    this.inbox.push(full);
    return full;
  }

  async fetchNew(): Promise<InboundEmail[]> {
    const out = this.inbox;
    this.inbox = [];
    return out;
  }
}

export const EmailSendPayload = z.object({
  shopId: z.string(),
  ticketId: z.string(),
  messageId: z.string(),
  from: z.string().nullable(),
  fromName: z.string().nullable().optional(),
  to: z.string().nullable(),
  toName: z.string().nullable().optional(),
  subject: z.string(),
  text: z.string(),
  inReplyTo: z.string().nullable().optional(),
  references: z.array(z.string()).optional(),
  ticketNumber: z.number().int().optional(),
  attachments: z.array(z.object({ sha256: z.string().optional(), fileName: z.string().optional(), contentType: z.string().optional() }).passthrough()).optional(),
});

/** The process's local mailbox (demo and tests, shops without a mailbox); real shops use their mailbox (mailboxes.ts). */
export const localEmail = new LocalEmailProvider();
