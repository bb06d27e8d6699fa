import { PermanentError, type OutboxRegistry } from '../../platform/outbox/outbox.js';

/**
 * `portal.deliver`: an agent's reply on a self-service ticket. The buyer reads it on the page (it
 * is already stored on the ticket), so the step's end marks it sent (the outbox's finish writer for
 * reply steps, `registerWorkspaceWorkers`); when the buyer has an e-mail address and the contact
 * policy allows, the portal queues the reply as an e-mail with a link back to the page (a separate
 * `email.send` step, keyed by the message: queued once).
 */
export function registerPortalHandlers(
  outbox: OutboxRegistry,
  portal?: { deliverReply(orgId: string, p: { ticketId?: string; messageId: string; text?: string }): Promise<{ emailed: boolean; reason?: string }> },
): void {
  outbox.register('portal.deliver', async (raw, ctx) => {
    const p = (raw ?? {}) as { messageId?: unknown; ticketId?: unknown; text?: unknown };
    if (typeof p.messageId !== 'string') throw new PermanentError('portal.deliver payload has no messageId');
    const mail = portal ? await portal.deliverReply(ctx.orgId, { messageId: p.messageId, ticketId: typeof p.ticketId === 'string' ? p.ticketId : undefined, text: typeof p.text === 'string' ? p.text : undefined }) : { emailed: false, reason: 'not_wired' };
    return { shownOn: 'portal', emailed: mail.emailed, ...(mail.reason ? { emailNote: mail.reason } : {}) };
  });
}
