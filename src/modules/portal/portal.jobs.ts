import { PermanentError, type OutboxRegistry } from '../../platform/outbox/outbox.js';

/**
 * `portal.deliver`: an agent's reply on a self-service ticket. The buyer reads it on the page (it
 * is already stored on the ticket), so delivery is only marking it sent.
 */
export function registerPortalHandlers(outbox: OutboxRegistry, helpdesk: { markDelivery(orgId: string, messageId: string, status: 'sent' | 'failed'): Promise<unknown> }): void {
  outbox.register('portal.deliver', async (raw, ctx) => {
    const messageId = (raw as { messageId?: unknown } | null)?.messageId;
    if (typeof messageId !== 'string') throw new PermanentError('portal.deliver payload has no messageId');
    await helpdesk.markDelivery(ctx.orgId, messageId, 'sent');
    return { shownOn: 'portal' };
  });
}
