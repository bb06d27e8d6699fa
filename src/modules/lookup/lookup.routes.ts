import { actorOf, errors, type Http } from '../../platform/http.js';
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
}
