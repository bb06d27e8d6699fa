import { PermanentError, type OutboxRegistry } from '../../platform/outbox/outbox.js';
import type { HelpdeskService } from '../../modules/helpdesk/index.js';
import type { Clock } from '../../platform/clock.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { EmailSendPayload, emailToInbound, type EmailProvider, type InboundEmail, type LocalEmailProvider } from './email.js';
import { zodIssues } from '../../platform/validation.js';

/** `email.send`: one ticket reply → one mail. The Message-ID is derived from the outbox key. */
export function registerEmailChannel(outbox: OutboxRegistry, provider: EmailProvider, helpdesk: Pick<HelpdeskService, 'markDelivery'>): void {
  outbox.register('email.send', async (raw, ctx) => {
    const parsed = EmailSendPayload.safeParse(raw);
    if (!parsed.success) throw new PermanentError(`email.send payload is invalid: ${zodIssues(parsed.error).map((i) => i.field).join(', ')}`);
    const p = parsed.data;
    if (!p.to) {
      await helpdesk.markDelivery(ctx.orgId, p.messageId, 'failed');
      throw new PermanentError('The buyer has no e-mail address on this ticket', 'email.no_recipient');
    }
    if (!p.from) {
      await helpdesk.markDelivery(ctx.orgId, p.messageId, 'failed');
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
    await helpdesk.markDelivery(ctx.orgId, p.messageId, 'sent');
    return { providerMessageId: r.messageId, provider: provider.kind };
  });
}

/** Pull new mail from the provider into tickets (the IMAP poll job, or the local inbox). */
export async function pollEmail(provider: EmailProvider, helpdesk: Pick<HelpdeskService, 'ingestInbound'>, route: { orgId: string; shopId: string }): Promise<{ ingested: number }> {
  if (!provider.fetchNew) return { ingested: 0 };
  const mails: InboundEmail[] = await provider.fetchNew();
  for (const m of mails) await helpdesk.ingestInbound(emailToInbound(route.orgId, route.shopId, m));
  return { ingested: mails.length };
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
