import { z } from 'zod';
import { actorOf, IdParams, type Http } from '../../platform/http.js';
import { AppealBody, CreateReturnBody, DecideBody, EligibilityBody, FromPlatformBody, InspectBody, LangQuery, ListQuery, LookupQuery, ReasonTreeBody, StatsQuery, SwitchBody, ReceiveBody, StockBody } from './returns.dto.js';
import type { ReturnsService } from './returns.service.js';

export function returnsRoutes(app: Http, svc: ReturnsService): void {
  const tags = ['returns'];
  app.get('/api/returns/reasons', { schema: { tags, summary: 'The current version of the return reason tree' } }, async (req) => svc.getReasonTree(actorOf(req)));
  app.put('/api/returns/reasons', { schema: { tags, summary: 'Save a new version of the reason tree (earlier returns keep their snapshot)', body: ReasonTreeBody } }, async (req) => svc.updateReasonTree(actorOf(req), req.body.nodes));
  app.post('/api/returns/eligibility', { schema: { tags, summary: 'Whether a return may be opened, with every reason', body: EligibilityBody } }, async (req) => svc.eligibility(actorOf(req), req.body));
  app.post('/api/returns', { schema: { tags, summary: 'Open a return (policy enforced; 422 with reasons when not eligible)', body: CreateReturnBody } }, async (req, reply) => {
    const r = await svc.create(actorOf(req), req.body);
    reply.code(201);
    return r;
  });
  app.post('/api/returns/from-platform/:id', { schema: { tags, summary: 'Open a return for a TikTok after-sales request', params: IdParams, body: FromPlatformBody } }, async (req, reply) => {
    const r = await svc.fromPlatformReturn(actorOf(req), req.params.id, req.body);
    reply.code(201);
    return r;
  });
  app.post('/api/returns/import-platform', { schema: { tags, summary: 'Open RMAs for TikTok return requests that have none (policy still decides)' } }, async (req) => svc.importPlatformReturns(actorOf(req)));
  app.get('/api/returns', { schema: { tags, summary: 'List returns', querystring: ListQuery } }, async (req) => ({ items: await svc.list(actorOf(req), req.query) }));
  app.get('/api/returns/cycle-stats', { schema: { tags, summary: 'Request → refund cycle time (median, p90) and the slowest step', querystring: StatsQuery } }, async (req) => svc.cycleStats(actorOf(req), req.query));
  app.get('/api/returns/lookup', { schema: { tags, summary: 'Find a return by RMA or tracking number (warehouse scan)', querystring: LookupQuery } }, async (req) => svc.lookup(actorOf(req), req.query.code));
  app.get('/api/returns/:id', { schema: { tags, summary: 'One return: lines, receipt, inspection, refund, cycle time', params: IdParams } }, async (req) => svc.get(actorOf(req), req.params.id));
  app.get('/api/returns/:id/instructions', { schema: { tags, summary: 'Return instructions for the buyer in their language', params: IdParams, querystring: LangQuery } }, async (req) => svc.instructions(actorOf(req), req.params.id, req.query.lang));
  app.post('/api/returns/:id/receive', { schema: { tags, summary: 'Record the parcel\'s arrival at the return warehouse', params: IdParams, body: ReceiveBody } }, async (req) => svc.receive(actorOf(req), req.params.id, req.body));
  app.post('/api/returns/:id/inspect', { schema: { tags, summary: 'Grade the returned goods; a pass releases the refund when the policy says so', params: IdParams, body: InspectBody } }, async (req) => svc.inspect(actorOf(req), req.params.id, req.body));
  app.post('/api/returns/:id/decide', { schema: { tags, summary: 'Supervisor decision after a failed inspection', params: IdParams, body: DecideBody } }, async (req) => svc.decide(actorOf(req), req.params.id, req.body));
  app.post('/api/returns/:id/platform-refunded', { schema: { tags, summary: 'Record that the platform refunded the buyer early', params: IdParams } }, async (req) => svc.markPlatformRefunded(actorOf(req), req.params.id));
  app.post('/api/returns/:id/appeal', { schema: { tags, summary: 'Record the outcome of an appeal to the platform', params: IdParams, body: AppealBody } }, async (req) => svc.recordAppealOutcome(actorOf(req), req.params.id, req.body.outcome));
  app.post('/api/returns/:id/switch-to-refund', { schema: { tags, summary: 'Turn an exchange into a refund (fallback when the replacement is out of stock)', params: IdParams, body: SwitchBody } }, async (req) => svc.switchToRefund(actorOf(req), req.params.id, req.body));
  app.put('/api/shops/:shopId/exchange-stock', { schema: { tags, summary: 'Stock available for exchanges', params: z.strictObject({ shopId: z.string().min(1).max(64) }), body: StockBody } }, async (req) => svc.setExchangeStock(actorOf(req), req.params.shopId, req.body));
}
