import type { HelpdeskService } from '../../modules/helpdesk/index.js';
import type { Clock } from '../../platform/clock.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { whatsappToInbound, type LocalWhatsAppProvider } from './whatsapp.js';

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
