import { PermanentError, type OutboxRegistry } from '../../platform/outbox/outbox.js';
import type { HelpdeskService } from '../../modules/helpdesk/index.js';
import type { Clock } from '../../platform/clock.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { EmailSendPayload, emailToInbound, type EmailProvider, type InboundEmail, type LocalEmailProvider } from './email.js';
import { zodIssues } from '../../platform/validation.js';
import type { Mailboxes } from './mailboxes.js';

/** A shop's own mailbox, when it has one (mailboxes.ts); null → the fallback provider sends. */
export type ShopMailSender = (orgId: string, shopId: string, mail: Parameters<Mailboxes['send']>[2]) => Promise<{ messageId: string; deduplicated: boolean } | null>;

/**
 * `email.send`: one ticket reply → one mail, through the shop's mailbox (SMTP, copy in Sent) or,
 * for a shop without one, the fallback provider (the local outbox of the demo and tests). The
 * Message-ID is derived from the outbox key, the same on every attempt. The reply's delivery status
 * ("Sent", or "Failed" with the reason) is set by the outbox's finish listener for every reply step
 * (`registerWorkspaceWorkers`); marking it here too was a second transaction per mail with the same
 * result.
 */
export function registerEmailChannel(outbox: OutboxRegistry, provider: EmailProvider, shopMail?: ShopMailSender): void {
  outbox.register('email.send', async (raw, ctx) => {
    const parsed = EmailSendPayload.safeParse(raw);
    if (!parsed.success) throw new PermanentError(`email.send payload is invalid: ${zodIssues(parsed.error).map((i) => i.field).join(', ')}`);
    const p = parsed.data;
    if (!p.to) {
      throw new PermanentError('The buyer has no e-mail address on this ticket', 'email.no_recipient');
    }
    const own = await shopMail?.(ctx.orgId, p.shopId, {
      key: ctx.idempotencyKey,
      attempt: ctx.attempt,
      to: p.to,
      toName: p.toName ?? undefined,
      fromName: p.fromName ?? undefined,
      subject: p.subject,
      ticketNumber: p.ticketNumber,
      text: p.text,
      inReplyTo: p.inReplyTo ?? undefined,
      references: p.references,
      attachments: p.attachments ?? [],
    });
    if (own) {
      return { providerMessageId: own.messageId, provider: 'mailbox', deduplicated: own.deduplicated };
    }
    if (!p.from) {
      throw new PermanentError("The shop has no support e-mail address (shop settings → support contacts)", 'email.no_sender');
    }
    const r = await provider.send({
      from: p.from,
      fromName: p.fromName ?? undefined,
      to: p.to,
      toName: p.toName ?? undefined,
      subject: p.subject,
      text: p.text,
      inReplyTo: p.inReplyTo ?? undefined,
      references: p.references,
      messageKey: ctx.idempotencyKey,
    });
    return { providerMessageId: r.messageId, provider: provider.kind };
  });
}

export interface LocalEmailInput {
  shopId: string;
  from: string;
  fromName?: string;
  subject: string;
  text: string;
  messageId?: string;
  inReplyTo?: string;
  orderId?: string;
}

/** The inbound test endpoint: a mail "arrives" through the local provider into the actor's org. */
export function localEmailInbound(helpdesk: Pick<HelpdeskService, 'ingestInbound'>, provider: LocalEmailProvider, clock: Clock) {
  return async (actor: Actor, i: LocalEmailInput) => {
    requireRole(actor, ['owner', 'supervisor', 'agent'], 'simulating inbound e-mail');
    const mail = provider.receive({ from: i.from, fromName: i.fromName, subject: i.subject, text: i.text, messageId: i.messageId, date: clock.now(), inReplyTo: i.inReplyTo, references: i.inReplyTo ? [i.inReplyTo] : undefined });
    return helpdesk.ingestInbound(emailToInbound(actor.orgId, i.shopId, mail, { orderId: i.orderId }));
  };
}
