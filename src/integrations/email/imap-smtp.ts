import { ImapFlow, type FetchMessageObject, type MessageStructureObject } from 'imapflow';
import net from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import type { OutboundPolicy } from '../../platform/outbound.js';
import { messageIdFor, type EmailProvider, type InboundEmail, type OutboundEmail } from './email.js';

export interface ImapSmtpOptions {
  smtp: { host: string; port: number; secure: boolean; user: string; pass: string };
  imap: { host: string; port: number; secure: boolean; user: string; pass: string; mailbox?: string };
  /** Domain for our Message-IDs (the shop's mail domain). */
  messageIdDomain?: string;
  /** Mail bigger than this is skipped (attachments are fetched as metadata only). */
  maxTextBytes?: number;
  /**
   * The server's outbound rule (`platform.outbound`): mail hosts come from a shop's settings, so
   * each connection goes to an address the rule accepted (a test mail server on this machine
   * needs an OUTBOUND_ALLOW entry).
   */
  outbound: Pick<OutboundPolicy, 'assertHost'>;
}

function findPart(node: MessageStructureObject | undefined, type: string): MessageStructureObject | undefined {
  if (!node) return undefined;
  if (node.type === type && node.disposition !== 'attachment') return node;
  for (const c of node.childNodes ?? []) {
    const hit = findPart(c, type);
    if (hit) return hit;
  }
  return undefined;
}

function attachmentsOf(node: MessageStructureObject | undefined, out: InboundEmail['attachments'] = []): NonNullable<InboundEmail['attachments']> {
  if (!node) return out;
  if (node.disposition === 'attachment' || (node.disposition === 'inline' && node.dispositionParameters?.filename)) {
    out.push({ fileName: node.dispositionParameters?.filename ?? node.parameters?.name, contentType: node.type, size: node.size });
  }
  for (const c of node.childNodes ?? []) attachmentsOf(c, out);
  return out;
}

const htmlToText = (html: string) =>
  html
    .replace(/<(br|\/p|\/div|\/li)[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\n{3,}/g, '\n\n');

/**
 * A shop's real mailbox: SMTP (nodemailer) out, IMAP (imapflow) in. Unseen mail in the mailbox
 * is fetched, turned into InboundEmail and flagged \Seen only after the caller had it.
 */
export class ImapSmtpEmailProvider implements EmailProvider {
  readonly kind = 'imap-smtp';
  constructor(private readonly opts: ImapSmtpOptions) {}

  /** The checked address to open, with the configured name kept for TLS. */
  private async target(server: { host: string; port: number }): Promise<{ host: string; servername?: string }> {
    const address = await this.opts.outbound.assertHost(server.host, server.port);
    return { host: address, servername: net.isIP(server.host) ? undefined : server.host };
  }

  async send(mail: OutboundEmail): Promise<{ messageId: string }> {
    const messageId = messageIdFor(mail.messageKey, this.opts.messageIdDomain);
    const { smtp } = this.opts;
    const t = await this.target(smtp);
    const transport: Transporter = nodemailer.createTransport({
      host: t.host,
      port: smtp.port,
      secure: smtp.secure,
      auth: { user: smtp.user, pass: smtp.pass },
      ...(t.servername ? { tls: { servername: t.servername } } : {}),
    });
    try {
      await transport.sendMail({
      from: mail.fromName ? { name: mail.fromName, address: mail.from } : mail.from,
      to: mail.toName ? { name: mail.toName, address: mail.to } : mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId,
      inReplyTo: mail.inReplyTo,
      references: mail.references,
      });
    } finally {
      transport.close();
    }
    return { messageId };
  }

  async fetchNew(): Promise<InboundEmail[]> {
    const { imap } = this.opts;
    const t = await this.target(imap);
    const client = new ImapFlow({ host: t.host, ...(t.servername ? { servername: t.servername } : {}), port: imap.port, secure: imap.secure, auth: { user: imap.user, pass: imap.pass }, logger: false });
    await client.connect();
    const out: InboundEmail[] = [];
    const lock = await client.getMailboxLock(imap.mailbox ?? 'INBOX');
    try {
      const uids = (await client.search({ seen: false }, { uid: true })) || [];
      if (!uids.length) return [];
      const msgs: FetchMessageObject[] = await client.fetchAll(uids.join(','), { uid: true, envelope: true, bodyStructure: true, headers: ['references', 'in-reply-to'] }, { uid: true });
      for (const m of msgs) {
        const env = m.envelope;
        if (!env?.messageId || !env.from?.[0]?.address) continue;
        const plain = findPart(m.bodyStructure, 'text/plain');
        const html = plain ? undefined : findPart(m.bodyStructure, 'text/html');
        const part = plain ?? html;
        let text = '';
        if (part && (part.size ?? 0) <= (this.opts.maxTextBytes ?? 1_000_000)) {
          const dl = await client.download(String(m.uid), part.part ?? '1', { uid: true });
          if ('content' in dl && dl.content) {
            const chunks: Buffer[] = [];
            for await (const c of dl.content) chunks.push(c as Buffer);
            text = Buffer.concat(chunks).toString('utf8');
            if (html) text = htmlToText(text);
          }
        }
        const headers = m.headers?.toString('utf8') ?? '';
        const refs = /^references:\s*((?:.*(?:\r?\n[ \t].*)*))/im.exec(headers)?.[1]?.match(/<[^>]+>/g) ?? [];
        out.push({
          messageId: env.messageId,
          from: env.from[0].address,
          fromName: env.from[0].name || undefined,
          to: env.to?.[0]?.address,
          subject: env.subject ?? '',
          text,
          inReplyTo: env.inReplyTo || undefined,
          references: refs,
          date: env.date ? new Date(env.date) : new Date(),
          attachments: attachmentsOf(m.bodyStructure),
        });
      }
      await client.messageFlagsAdd(uids.join(','), ['\\Seen'], { uid: true });
    } finally {
      lock.release();
      await client.logout().catch(() => undefined);
    }
    return out;
  }

  async close(): Promise<void> {
    // Connections are opened per use (each to a freshly checked address).
  }
}
