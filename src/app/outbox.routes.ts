import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { actorOf, IdParams, type Http } from '../platform/http.js';
import { outbox } from '../platform/outbox/outbox.schema.js';
import { requireRole } from '../platform/tenancy.js';
import type { Platform } from './deps.js';

const OutboxView = z.object({
  id: z.string(),
  handler: z.string(),
  status: z.string(),
  attempts: z.number(),
  lastError: z.string().nullable(),
  subjectType: z.string().nullable(),
  subjectId: z.string().nullable(),
  createdAt: z.string(),
  doneAt: z.string().nullable(),
});

/** External steps (refunds, messages) are visible, and a failed one can be retried by a supervisor. */
export function outboxRoutes(app: Http, p: Platform): void {
  const tags = ['outbox'];
  app.get(
    '/api/outbox',
    {
      schema: {
        tags,
        summary: 'External steps (refunds, messages) and their state',
        querystring: z.strictObject({ status: z.enum(['pending', 'running', 'done', 'failed', 'cancelled', 'held']).optional(), subjectId: z.string().optional() }),
        response: { 200: z.object({ items: z.array(OutboxView) }) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const rows = await p.db.tenant(actor.orgId, (tx) =>
        tx
          .select()
          .from(outbox)
          .where(
            and(
              eq(outbox.orgId, actor.orgId),
              req.query.status ? eq(outbox.status, req.query.status) : undefined,
              req.query.subjectId ? eq(outbox.subjectId, req.query.subjectId) : undefined,
            ),
          )
          .orderBy(desc(outbox.createdAt))
          .limit(200),
      );
      return {
        items: rows.map((r) => ({
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
      };
    },
  );
  app.post('/api/outbox/:id/retry', { schema: { tags, summary: 'Retry a failed step', params: IdParams } }, async (req) => {
    const actor = actorOf(req);
    requireRole(actor, ['owner', 'supervisor'], 'retrying external steps');
    const row = await p.dispatcher.retry(actor.orgId, req.params.id);
    return { id: row.id, status: row.status };
  });
}
