import { z } from 'zod';
import { actorOf, EmptyBody, errors, IdParams, type Http } from '../../platform/http.js';
import {
  AppealBody,
  CancelBody,
  PlatformDecisionBody,
  PlatformDecisionView,
  CreateReturnBody,
  CycleStatsView,
  DecideBody,
  RejectReasonsView,
  EligibilityBody,
  EligibilityView,
  ExchangeStockView,
  FromPlatformBody,
  ImportResultView,
  InspectBody,
  InstructionsView,
  LangQuery,
  ListQuery,
  LookupQuery,
  ReasonTreeBody,
  ReasonTreeView,
  ReturnPage,
  ReturnView,
  StatsQuery,
  SwitchBody,
  ReceiveBody,
  ReasonTreeQuery,
  ReasonTreeVersionView,
  StockBody,
} from './returns.dto.js';
import type { ReturnsService } from './returns.service.js';

export function returnsRoutes(app: Http, svc: ReturnsService): void {
  const tags = ['returns'];
  const tree = (t: { id: string; version: number; nodes: ReasonTreeView['nodes'] }) => ({ id: t.id, version: t.version, nodes: t.nodes });
  app.get(
    '/api/returns/reasons',
    { schema: { tags, operationId: 'returns.getReasons', summary: 'The current version of the return reason tree (or an earlier one with ?version=)', querystring: ReasonTreeQuery, response: { 200: ReasonTreeView, ...errors(404) } } },
    async (req) => tree(await svc.getReasonTree(actorOf(req), req.query.version)),
  );
  app.get(
    '/api/returns/reasons/versions',
    { schema: { tags, operationId: 'returns.listReasonVersions', summary: 'The saved versions of the reason tree, newest first (the latest 100)', response: { 200: z.object({ items: z.array(ReasonTreeVersionView) }), ...errors() } } },
    async (req) => ({ items: (await svc.reasonTreeVersions(actorOf(req))).map((v) => ({ ...v, createdAt: v.createdAt.toISOString() })) }),
  );
  app.get(
    '/api/shops/:shopId/exchange-stock',
    {
      schema: {
        tags,
        operationId: 'returns.listExchangeStock',
        summary: "The shop's stock available for exchanges, by product and SKU",
        params: z.strictObject({ shopId: z.string().min(1).max(64) }),
        response: { 200: z.object({ items: z.array(ExchangeStockView) }), ...errors(404) },
      },
    },
    async (req) => ({
      items: (await svc.listExchangeStock(actorOf(req), req.params.shopId)).map((r) => ({ shopId: r.shopId, sku: r.sku, productId: r.productId, label: r.label, available: r.available, reserved: r.reserved })),
    }),
  );
  app.put(
    '/api/returns/reasons',
    {
      schema: {
        tags,
        operationId: 'returns.updateReasons',
        summary: 'Save a new version of the reason tree (earlier returns keep their snapshot)',
        body: ReasonTreeBody,
        response: { 200: ReasonTreeView, ...errors(409) },
      },
    },
    async (req) => tree(await svc.updateReasonTree(actorOf(req), req.body.nodes)),
  );
  app.post(
    '/api/returns/eligibility',
    { schema: { tags, operationId: 'returns.eligibility', summary: 'Whether a return may be opened, with every reason', body: EligibilityBody, response: { 200: EligibilityView, ...errors(404) } } },
    async (req) => svc.eligibility(actorOf(req), req.body),
  );
  app.post(
    '/api/returns',
    {
      schema: { tags, operationId: 'returns.create', summary: 'Open a return (policy enforced; 422 with reasons when not eligible)', body: CreateReturnBody, response: { 201: ReturnView, ...errors(404, 409, 422) } },
    },
    async (req, reply) => {
      const r = await svc.create(actorOf(req), req.body);
      reply.code(201);
      return r;
    },
  );
  app.post(
    '/api/returns/from-platform/:id',
    {
      schema: {
        tags,
        operationId: 'returns.createFromPlatform',
        summary: 'Open a return for a TikTok after-sales request',
        params: IdParams,
        body: FromPlatformBody,
        response: { 201: ReturnView, ...errors(404, 409, 422, 503) },
      },
    },
    async (req, reply) => {
      const r = await svc.fromPlatformReturn(actorOf(req), req.params.id, req.body);
      reply.code(201);
      return r;
    },
  );
  app.post(
    '/api/returns/import-platform',
    {
      schema: { tags, operationId: 'returns.importPlatform', summary: 'Open RMAs for TikTok return requests that have none (policy still decides)', body: EmptyBody, response: { 200: ImportResultView, ...errors(503) } },
    },
    async (req) => svc.importPlatformReturns(actorOf(req)),
  );
  app.get(
    '/api/returns',
    {
      schema: {
        tags,
        operationId: 'returns.list',
        summary: 'List returns, newest request first (open appeals: earliest deadline first); cursor pagination',
        querystring: ListQuery,
        response: { 200: ReturnPage, ...errors() },
      },
    },
    async (req) => svc.page(actorOf(req), req.query),
  );
  app.get(
    '/api/returns/cycle-stats',
    { schema: { tags, operationId: 'returns.cycleStats', summary: 'Request → refund cycle time (median, p90) and the slowest step', querystring: StatsQuery, response: { 200: CycleStatsView, ...errors() } } },
    async (req) => svc.cycleStats(actorOf(req), req.query),
  );
  app.get(
    '/api/returns/lookup',
    { schema: { tags, operationId: 'returns.lookup', summary: 'Find a return by RMA or tracking number (warehouse scan)', querystring: LookupQuery, response: { 200: ReturnView, ...errors(404) } } },
    async (req) => svc.lookup(actorOf(req), req.query.code),
  );
  app.get(
    '/api/returns/:id',
    { schema: { tags, operationId: 'returns.get', summary: 'One return: lines, receipt, inspection, refund, cycle time', params: IdParams, response: { 200: ReturnView, ...errors(404) } } },
    async (req) => svc.get(actorOf(req), req.params.id),
  );
  app.get(
    '/api/returns/:id/instructions',
    {
      schema: {
        tags,
        operationId: 'returns.instructions',
        summary: 'Return instructions for the buyer in their language',
        params: IdParams,
        querystring: LangQuery,
        response: { 200: InstructionsView, ...errors(404) },
      },
    },
    async (req) => svc.instructions(actorOf(req), req.params.id, req.query.lang),
  );
  app.post(
    '/api/returns/:id/receive',
    { schema: { tags, operationId: 'returns.receive', summary: "Record the parcel's arrival at the return warehouse", params: IdParams, body: ReceiveBody, response: { 200: ReturnView, ...errors(404, 409) } } },
    async (req) => svc.receive(actorOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/returns/:id/inspect',
    {
      schema: {
        tags,
        operationId: 'returns.inspect',
        summary: 'Grade the returned goods; a pass releases the refund when the policy says so',
        params: IdParams,
        body: InspectBody,
        response: { 200: ReturnView, ...errors(404, 409, 422) },
      },
    },
    async (req) => svc.inspect(actorOf(req), req.params.id, req.body),
  );
  app.get(
    '/api/returns/:id/reject-reasons',
    { schema: { tags, operationId: 'returns.rejectReasons', summary: 'Reasons the platform accepts for rejecting this return now (TikTok returns; empty for our own)', params: IdParams, response: { 200: RejectReasonsView, ...errors(404, 503) } } },
    async (req) => ({ items: await svc.rejectReasons(actorOf(req), req.params.id) }),
  );
  app.post(
    '/api/returns/:id/decide',
    { schema: { tags, operationId: 'returns.decide', summary: 'Supervisor decision after a failed inspection; rejecting a TikTok return names one of its reject reasons', params: IdParams, body: DecideBody, response: { 200: ReturnView, ...errors(404, 409, 503) } } },
    async (req) => svc.decide(actorOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/returns/:id/platform-refunded',
    { schema: { tags, operationId: 'returns.markPlatformRefunded', summary: 'Record that the platform refunded the buyer early', params: IdParams, body: EmptyBody, response: { 200: ReturnView, ...errors(404, 409) } } },
    async (req) => svc.markPlatformRefunded(actorOf(req), req.params.id),
  );
  app.post(
    '/api/returns/:id/appeal',
    { schema: { tags, operationId: 'returns.recordAppeal', summary: 'Record the outcome of an appeal to the platform', params: IdParams, body: AppealBody, response: { 200: ReturnView, ...errors(404, 409) } } },
    async (req) => svc.recordAppealOutcome(actorOf(req), req.params.id, req.body.outcome),
  );
  app.post(
    '/api/returns/:id/switch-to-refund',
    {
      schema: {
        tags,
        operationId: 'returns.switchToRefund',
        summary: 'Turn an exchange into a refund (fallback when the replacement is out of stock)',
        params: IdParams,
        body: SwitchBody,
        response: { 200: ReturnView, ...errors(404, 409) },
      },
    },
    async (req) => svc.switchToRefund(actorOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/returns/:id/cancel',
    { schema: { tags, operationId: 'returns.cancel', summary: 'Cancel a return still waiting for its parcel with nothing paid', params: IdParams, body: CancelBody, response: { 200: ReturnView, ...errors(404, 409) } } },
    async (req) => svc.cancel(actorOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/returns/:id/resend-instructions',
    { schema: { tags, operationId: 'returns.resendInstructions', summary: 'Send the buyer the return instructions again on the return\'s conversation', params: IdParams, body: EmptyBody, response: { 200: ReturnView, ...errors(404, 409) } } },
    async (req) => svc.resendInstructions(actorOf(req), req.params.id),
  );
  app.get(
    '/api/platform-returns/:id/reject-reasons',
    { schema: { tags, operationId: 'returns.platformRejectReasons', summary: "The platform's reject reasons for one of its requests now", params: IdParams, response: { 200: RejectReasonsView, ...errors(404, 503) } } },
    async (req) => ({ items: await svc.platformRequestRejectReasons(actorOf(req), req.params.id) }),
  );
  app.post(
    '/api/platform-returns/:id/decide',
    {
      schema: {
        tags,
        operationId: 'returns.decidePlatformRequest',
        summary: 'Approve or reject a TikTok return, refund, replacement or cancellation request (through the outbox; a rejection names a platform reason)',
        params: IdParams,
        body: PlatformDecisionBody,
        response: { 202: PlatformDecisionView, ...errors(404, 409, 503) },
      },
    },
    async (req, reply) => {
      const r = await svc.decidePlatformRequest(actorOf(req), req.params.id, req.body);
      reply.code(202);
      return r;
    },
  );
  app.put(
    '/api/shops/:shopId/exchange-stock',
    {
      schema: {
        tags,
        operationId: 'returns.setExchangeStock',
        summary: 'Stock available for exchanges',
        params: z.strictObject({ shopId: z.string().min(1).max(64) }),
        body: StockBody,
        response: { 200: ExchangeStockView, ...errors(404) },
      },
    },
    async (req) => {
      const r = await svc.setExchangeStock(actorOf(req), req.params.shopId, req.body);
      return { shopId: r.shopId, sku: r.sku, productId: r.productId, label: r.label, available: r.available, reserved: r.reserved };
    },
  );
}
