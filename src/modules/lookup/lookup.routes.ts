import { actorOf, errors, IdParams, type Http } from '../../platform/http.js';
import { DisputeAnswer, DisputeQuery, DisputeStatusBody, DisputeView, OpenDisputeBody } from '../evidence/index.js';
import { LabelsQuery, LabelsView, LookupQuery, LookupResultView, RelatedQuery, RelatedView } from './lookup.dto.js';
import type { LookupService } from './lookup.service.js';

export function lookupRoutes(app: Http, svc: LookupService): void {
  const tags = ['lookup'];
  app.get(
    '/api/lookup',
    {
      schema: {
        tags,
        operationId: 'lookup.find',
        summary: 'Find orders, returns, tickets and buyers by platform order number, RMA, ticket number, tracking number, buyer name, e-mail or phone; ranked',
        querystring: LookupQuery,
        response: { 200: LookupResultView, ...errors() },
      },
    },
    async (req) => svc.find(actorOf(req), req.query),
  );
  app.get(
    '/api/lookup/labels',
    {
      schema: {
        tags,
        operationId: 'lookup.labels',
        summary: 'Words for ids: evidence cases (tickets, returns, order disputes) with order number, buyer, ticket number and RMA; people by name',
        querystring: LabelsQuery,
        response: { 200: LabelsView, ...errors() },
      },
    },
    async (req) => svc.labels(actorOf(req), req.query),
  );
  app.get(
    '/api/lookup/related',
    {
      schema: {
        tags,
        operationId: 'lookup.related',
        summary: 'The tickets, returns and remedies of one order (orderId) or one buyer (buyerId)',
        querystring: RelatedQuery,
        response: { 200: RelatedView, ...errors(404) },
      },
    },
    async (req) => svc.related(actorOf(req), req.query),
  );
  app.get(
    '/api/disputes',
    { schema: { tags, operationId: 'disputes.ofOrder', summary: "The order's dispute case (null when none is open)", querystring: DisputeQuery, response: { 200: DisputeAnswer, ...errors(404) } } },
    async (req) => ({ dispute: await svc.disputeOf(actorOf(req), req.query.orderId) }),
  );
  app.post(
    '/api/disputes',
    {
      schema: {
        tags,
        operationId: 'disputes.open',
        summary: "Open the order's one dispute case (or get it), gathering its tickets (with their messages), returns, remedies and refunds; its pack is /api/evidence/cases/:id/pack",
        body: OpenDisputeBody,
        response: { 200: DisputeView, ...errors(404, 409) },
      },
    },
    async (req) => svc.openDispute(actorOf(req), req.body.orderId),
  );
  app.post(
    '/api/disputes/:id/status',
    { schema: { tags, operationId: 'disputes.setStatus', summary: 'open → submitted → won or lost (won/lost: supervisor or owner)', params: IdParams, body: DisputeStatusBody, response: { 200: DisputeView, ...errors(404) } } },
    async (req) => svc.setDisputeStatus(actorOf(req), req.params.id, req.body),
  );
}
