import { z } from 'zod';
import { actorOf, ErrorBody, IdParams, type Http } from '../../platform/http.js';
import { AttainmentQuery, AttainmentRow, ClockView, CreatePolicy, DueQuery, DueView, PolicyView, ShopDueQuery, UpdatePolicy } from './sla.dto.js';
import type { SlaService } from './sla.service.js';

export function slaRoutes(app: Http, svc: SlaService): void {
  const tags = ['sla'];
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

  app.get('/api/sla/policies', { schema: { operationId: 'slaPolicies.list', tags, summary: 'List SLA policies (defaults are seeded on first use)', response: { 200: z.object({ items: z.array(PolicyView) }), 401: ErrorBody } } }, async (req) => ({
    items: await svc.listPolicies(actorOf(req)),
  }));

  app.post('/api/sla/policies', { schema: { operationId: 'slaPolicies.create', tags, summary: 'Create an SLA policy (owner or supervisor)', body: CreatePolicy, response: { 201: PolicyView, 409: ErrorBody, ...errors } } }, async (req, reply) => {
    reply.code(201);
    return svc.createPolicy(actorOf(req), req.body);
  });

  app.get('/api/sla/policies/:id', { schema: { operationId: 'slaPolicies.get', tags, summary: 'One SLA policy', params: IdParams, response: { 200: PolicyView, ...errors } } }, async (req) => svc.getPolicy(actorOf(req), req.params.id));

  app.patch('/api/sla/policies/:id', { schema: { operationId: 'slaPolicies.update', tags, summary: 'Change an SLA policy; running clocks keep the targets they started with', params: IdParams, body: UpdatePolicy, response: { 200: PolicyView, 409: ErrorBody, ...errors } } }, async (req) =>
    svc.updatePolicy(actorOf(req), req.params.id, req.body),
  );

  app.delete('/api/sla/policies/:id', { schema: { operationId: 'slaPolicies.deactivate', tags, summary: 'Deactivate an SLA policy (kept for the audit of clocks that used it)', params: IdParams, response: { 200: PolicyView, ...errors } } }, async (req) =>
    svc.deactivatePolicy(actorOf(req), req.params.id),
  );

  app.get(
    '/api/sla/tickets/:ticketId/clocks',
    { schema: { operationId: 'sla.clocks', tags, summary: "A ticket's SLA clocks with their full change history", params: z.strictObject({ ticketId: z.string().min(1).max(64) }), response: { 200: z.object({ items: z.array(ClockView) }), ...errors } } },
    async (req) => ({ items: await svc.getClocks(actorOf(req), req.params.ticketId) }),
  );

  app.get(
    '/api/sla/due',
    {
      schema: { operationId: 'sla.due',
        tags,
        summary: 'Due-time calculator: start + minutes of business time in a zone with hours ("Mon-Fri 09:00-18:00; Sat 10:00-14:00") and public holidays',
        querystring: DueQuery,
        response: { 200: DueView, ...errors },
      },
    },
    async (req) => {
      actorOf(req);
      return svc.computeDue(req.query, { timezone: 'querystring.timezone', country: 'querystring.country', region: 'querystring.region', hours: 'querystring.hours', start: 'querystring.start', minutes: 'querystring.minutes' });
    },
  );

  app.get(
    '/api/sla/shops/:id/due',
    { schema: { operationId: 'sla.shopDue', tags, summary: "Due-time calculator on a shop's own calendar (zone, business hours, market holidays)", params: IdParams, querystring: ShopDueQuery, response: { 200: DueView, ...errors } } },
    async (req) => svc.computeDueForShop(actorOf(req), req.params.id, req.query),
  );

  app.get(
    '/api/sla/attainment',
    { schema: { operationId: 'sla.attainment', tags, summary: 'SLA attainment per shop and metric: met, breached, attainment %, p50/p90 minutes to first reply', querystring: AttainmentQuery, response: { 200: z.object({ items: z.array(AttainmentRow) }), ...errors } } },
    async (req) => ({ items: await svc.attainment(actorOf(req), req.query) }),
  );
}
