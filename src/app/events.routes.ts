import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { actorOf, binaryResponse, errors, type Http } from '../platform/http.js';
import type { LiveEvent, LiveHub } from '../platform/live.js';
import { currentShopScope } from '../platform/scope.js';
import type { Actor } from '../platform/tenancy.js';
import type { LiveMessage } from '../platform/live.dto.js';

export type { LiveMessage };

/** The event as this person may see it, or null: another organisation, another brand's shop, another person's notification. */
export function liveMessageFor(e: LiveEvent, actor: Actor, shops: readonly string[] | null): LiveMessage | null {
  if (e.o !== actor.orgId) return null;
  if (shops && e.s && !shops.includes(e.s)) return null;
  if (e.t === 'ticket') return { type: 'ticket', ticketId: e.id };
  if (e.t === 'notification') return e.u && !e.u.includes(actor.userId) ? null : { type: 'notification' };
  if (e.t === 'delivery') return { type: 'delivery', ticketId: e.id, messageId: e.m, status: e.st };
  if (e.t === 'presence') return e.u === actor.userId ? null : { type: 'presence', ticketId: e.id, userId: e.u };
  if (e.t === 'incident') return { type: 'incident', incidentId: e.id };
  return null;
}

/**
 * GET /api/events: server-sent events for the signed-in person, fed by the process's one LISTEN
 * connection. The session cookie authenticates it like any request (EventSource sends cookies on
 * the same origin); the stream ends after `maxStreamMs` (the browser reconnects, which re-checks the
 * session) and at shutdown.
 */
export function eventsRoutes(app: Http, hub: LiveHub, opts: { heartbeatMs: number; maxStreamMs: number }): void {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
    await hub.stop();
  });

  app.get(
    '/api/events',
    {
      schema: {
        tags: ['events'],
        operationId: 'events.stream',
        summary: 'Live updates (server-sent events): ticket changed, notification, delivery, presence — ids only',
        querystring: z.strictObject({}),
        response: { 200: binaryResponse('text/event-stream', 'A stream of `data: {type, …}` lines'), ...errors() },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const shops = currentShopScope();
      reply.hijack();
      const res: ServerResponse = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': String(req.id),
      });
      const send = (m: LiveMessage) => res.write(`data: ${JSON.stringify(m)}\n\n`);
      let done = false;
      let unsubscribe: (() => void) | undefined;
      const timers: NodeJS.Timeout[] = [];
      const end = () => {
        if (done) return;
        done = true;
        for (const t of timers) clearInterval(t);
        unsubscribe?.();
        open.delete(end);
        res.end();
      };
      open.add(end);
      req.raw.on('close', end);
      unsubscribe = await hub.subscribe((e) => {
        if (done) return;
        const m = liveMessageFor(e, actor, shops);
        if (m) send(m);
      });
      if (done) {
        unsubscribe();
        return;
      }
      // The browser reconnects 3 s after a drop; `resync` first tells it to refetch what it shows.
      res.write('retry: 3000\n\n');
      send({ type: 'resync' });
      timers.push(setInterval(() => res.write(': ping\n\n'), opts.heartbeatMs));
      if (opts.maxStreamMs > 0) timers.push(setTimeout(end, opts.maxStreamMs));
      else end();
    },
  );
}
