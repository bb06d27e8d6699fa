import { z } from 'zod';
import { actorOf, EmptyBody, errors, type Http } from '../../platform/http.js';
import { requireRole } from '../../platform/tenancy.js';
import { ConnectionTestView, MailboxInput, MailboxOrNone, MailboxSyncView, MailboxView, ShopParams } from './email.dto.js';
import type { Mailboxes } from './mailboxes.js';

/** A shop's mailbox in Settings → Channels. */
export function emailRoutes(app: Http, mailboxes: Mailboxes): void {
  const tags = ['channels'];
  app.get(
    '/api/shops/:shopId/mailbox',
    { schema: { tags, operationId: 'email.getMailbox', summary: "The shop's mailbox settings and sync state (passwords never leave the server)", params: ShopParams, response: { 200: MailboxOrNone, ...errors(404) } } },
    async (req) => ({ mailbox: await mailboxes.get(actorOf(req), req.params.shopId) }),
  );
  app.put(
    '/api/shops/:shopId/mailbox',
    { schema: { tags, operationId: 'email.saveMailbox', summary: "Set the shop's IMAP/SMTP mailbox (passwords sealed at rest; leave a password out to keep it)", params: ShopParams, body: MailboxInput, response: { 200: MailboxView, ...errors(404) } } },
    async (req) => mailboxes.save(actorOf(req), req.params.shopId, req.body),
  );
  app.delete(
    '/api/shops/:shopId/mailbox',
    { schema: { tags, operationId: 'email.removeMailbox', summary: "Remove the shop's mailbox (its tickets stay)", params: ShopParams, response: { 200: z.object({ removed: z.literal(true) }), ...errors(404) } } },
    async (req) => {
      await mailboxes.remove(actorOf(req), req.params.shopId);
      return { removed: true as const };
    },
  );
  app.post(
    '/api/shops/:shopId/mailbox/test',
    { schema: { tags, operationId: 'email.testMailbox', summary: 'Try DNS, connection, TLS, login, folder and SMTP in order and say which step failed', params: ShopParams, body: EmptyBody, response: { 200: ConnectionTestView, ...errors(404) } } },
    async (req) => mailboxes.test(actorOf(req), req.params.shopId),
  );
  app.post(
    '/api/shops/:shopId/mailbox/sync',
    { schema: { tags, operationId: 'email.syncMailbox', summary: 'Fetch new mail now (the job does it every minute)', params: ShopParams, body: EmptyBody, response: { 200: MailboxSyncView, ...errors(404, 502) } } },
    async (req) => {
      const actor = actorOf(req);
      requireRole(actor, ['owner', 'supervisor'], 'syncing a mailbox');
      await mailboxes.get(actor, req.params.shopId);
      return mailboxes.sync(actor.orgId, req.params.shopId);
    },
  );
}
