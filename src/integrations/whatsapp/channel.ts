import { PermanentError, type OutboxRegistry } from '../../platform/outbox/outbox.js';
import type { HelpdeskService } from '../../modules/helpdesk/index.js';
import type { Clock } from '../../platform/clock.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { WhatsAppSendPayload, whatsappToInbound, type LocalWhatsAppProvider, type WhatsAppProvider } from './whatsapp.js';
import { zodIssues } from '../../platform/validation.js';

/** `whatsapp.send`: one ticket reply → one WhatsApp message to the buyer's number. */
export function registerWhatsAppChannel(outbox: OutboxRegistry, provider: WhatsAppProvider, helpdesk: Pick<HelpdeskService, 'markDelivery'>): void {
  outbox.register('whatsapp.send', async (raw, ctx) => {
    const parsed = WhatsAppSendPayload.safeParse(raw);
    if (!parsed.success) throw new PermanentError(`whatsapp.send payload is invalid: ${zodIssues(parsed.error).map((i) => i.field).join(', ')}`);
    const p = parsed.data;
    if (!p.to) {
      await helpdesk.markDelivery(ctx.orgId, p.messageId, 'failed');
      throw new PermanentError('The buyer has no WhatsApp number on this ticket', 'whatsapp.no_recipient');
    }
    const r = await provider.send({ from: p.from, to: p.to, text: p.text, messageKey: ctx.idempotencyKey });
    await helpdesk.markDelivery(ctx.orgId, p.messageId, 'sent');
    return { providerMessageId: r.messageId, provider: provider.kind };
  });
}

export interface LocalWhatsAppInput {
  shopId: string;
  from: string;
  name?: string;
  text: string;
  messageId?: string;
  orderId?: string;
}

/** The inbound test endpoint: a WhatsApp message "arrives" through the local provider. */
export function localWhatsAppInbound(helpdesk: Pick<HelpdeskService, 'ingestInbound'>, provider: LocalWhatsAppProvider, clock: Clock) {
  return async (actor: Actor, i: LocalWhatsAppInput) => {
    requireRole(actor, ['owner', 'supervisor', 'agent'], 'simulating inbound WhatsApp');
    const msg = provider.receive({ from: i.from, name: i.name, text: i.text, messageId: i.messageId, date: clock.now() });
    return helpdesk.ingestInbound(whatsappToInbound(actor.orgId, i.shopId, msg, { orderId: i.orderId }));
  };
}
