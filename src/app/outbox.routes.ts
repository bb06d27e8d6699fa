import { and, desc, eq } from 'drizzle-orm';
import { actorOf, EmptyBody, errors, IdParams, type Http } from '../platform/http.js';
import { outbox } from '../platform/outbox/outbox.schema.js';
import { OutboxQuery, OutboxRetryView, OutboxView } from '../platform/outbox/outbox.dto.js';
import { afterCursor, cutPage, pageOf } from '../platform/pagination.js';
import { requireRole } from '../platform/tenancy.js';
import type { Platform } from './deps.js';

/** External steps (refunds, messages) are visible, and a failed one can be retried by a supervisor. */
export function outboxRoutes(app: Http, p: Platform): void {
  const tags = ['outbox'];
  app.get(
    '/api/outbox',
    {
      schema: {
        tags,
        operationId: 'outbox.list',
        summary: 'External steps (refunds, messages) and their state, newest first; cursor pagination',
        querystring: OutboxQuery,
        response: { 200: pageOf(OutboxView), ...errors() },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const limit = req.query.limit ?? 200;
      const rows = await p.db.tenant(actor.orgId, (tx) =>
        tx
          .select()
          .from(outbox)
          .where(
            and(
              eq(outbox.orgId, actor.orgId),
              req.query.status ? eq(outbox.status, req.query.status) : undefined,
              req.query.subjectId ? eq(outbox.subjectId, req.query.subjectId) : undefined,
              afterCursor(outbox.createdAt, outbox.id, req.query.cursor),
            ),
          )
          .orderBy(desc(outbox.createdAt), desc(outbox.id))
          .limit(limit + 1),
      );
      const page = cutPage(rows, limit, (r) => ({ sort: r.createdAt, id: r.id }));
      return {
        items: page.items.map((r) => ({
          id: r.id,
          handler: r.handler,
          status: r.status,
          attempts: r.attempts,
          lastError: r.lastError,
          subjectType: r.subjectType,
          subjectId: r.subjectId,
          createdAt: r.createdAt.toISOString(),
          doneAt: r.doneAt?.toISOString() ?? null,
        })),
        nextCursor: page.nextCursor,
      };
    },
  );
  app.post(
    '/api/outbox/:id/retry',
    { schema: { tags, operationId: 'outbox.retry', summary: 'Retry a failed step', params: IdParams, body: EmptyBody, response: { 200: OutboxRetryView, ...errors(404, 409) } } },
    async (req) => {
      const actor = actorOf(req);
      requireRole(actor, ['owner', 'supervisor'], 'retrying external steps');
      const row = await p.dispatcher.retry(actor.orgId, req.params.id);
      return { id: row.id, status: row.status };
    },
  );
}
