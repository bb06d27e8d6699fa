import { z } from 'zod';
import { actorOf, EmptyBody, errors, IdParams, type Http } from '../../platform/http.js';
import {
  CategoryParams,
  CreateNotice,
  NoticeListQuery,
  NoticeReportView,
  NoticeRunView,
  NoticeView,
  ProcedureVersionView,
  ProcedureView,
  ProductOptionView,
  RestoreVersion,
  RunProcedure,
  SaveProcedure,
  TicketProcedureQuery,
  TicketProcedureView,
  UpdateNotice,
} from './playbooks.dto.js';
import type { PlaybooksService } from './playbooks.service.js';

export function playbooksRoutes(app: Http, svc: PlaybooksService): void {
  const tags = ['playbooks'];
  app.get('/api/procedures', { schema: { tags, operationId: 'procedures.list', summary: 'Standard procedures, one per problem category', response: { 200: z.object({ items: z.array(ProcedureView) }), ...errors() } } }, async (req) => ({ items: await svc.listProcedures(actorOf(req)) }));
  app.put('/api/procedures/:category', { schema: { tags, operationId: 'procedures.save', summary: "Write the category's procedure (supervisors); each save is a new version", params: CategoryParams, body: SaveProcedure, response: { 200: ProcedureView, ...errors() } } }, async (req) =>
    svc.saveProcedure(actorOf(req), req.params.category, req.body),
  );
  app.get('/api/procedures/:category/versions', { schema: { tags, operationId: 'procedures.versions', summary: 'Saved versions of a procedure, newest first, with who saved them', params: CategoryParams, response: { 200: z.object({ items: z.array(ProcedureVersionView) }), ...errors(404) } } }, async (req) => ({
    items: await svc.listProcedureVersions(actorOf(req), req.params.category),
  }));
  app.post('/api/procedures/:category/restore', { schema: { tags, operationId: 'procedures.restore', summary: 'Restore an earlier version (saved as a new version)', params: CategoryParams, body: RestoreVersion, response: { 200: ProcedureView, ...errors(404) } } }, async (req) =>
    svc.restoreProcedure(actorOf(req), req.params.category, req.body.version),
  );
  app.get('/api/tickets/:id/procedure', { schema: { tags, operationId: 'procedures.forTicket', summary: "The procedure for the ticket's problem category, and the agent's progress through it", params: IdParams, querystring: TicketProcedureQuery, response: { 200: TicketProcedureView, ...errors(404) } } }, async (req) =>
    svc.ticketProcedure(actorOf(req), req.params.id, req.query.category),
  );
  app.post('/api/tickets/:id/procedure', { schema: { tags, operationId: 'procedures.run', summary: 'One move through the procedure on this ticket (tick a check, next or previous step, complete); kept in the run log', params: IdParams, body: RunProcedure, response: { 200: TicketProcedureView, ...errors(404, 422) } } }, async (req) =>
    svc.runProcedure(actorOf(req), req.params.id, req.body),
  );

  app.get('/api/notices', { schema: { tags, operationId: 'notices.list', summary: 'Proactive notices per product', querystring: NoticeListQuery, response: { 200: z.object({ items: z.array(NoticeView) }), ...errors(404) } } }, async (req) => ({ items: await svc.listNotices(actorOf(req), req.query.shopId) }));
  app.get('/api/notices/products', { schema: { tags, operationId: 'notices.products', summary: 'Products a notice can be written for (from order lines until the catalogue exists), most sold first', querystring: NoticeListQuery, response: { 200: z.object({ items: z.array(ProductOptionView) }), ...errors(404) } } }, async (req) => ({
    items: await svc.productOptions(actorOf(req), req.query.shopId),
  }));
  app.post('/api/notices', { schema: { tags, operationId: 'notices.create', summary: 'Create a notice for a product: text per buyer language, sent a delay after purchase, shipping or delivery', body: CreateNotice, response: { 201: NoticeView, ...errors(404) } } }, async (req, reply) => {
    reply.code(201);
    return svc.createNotice(actorOf(req), req.body);
  });
  app.patch('/api/notices/:id', { schema: { tags, operationId: 'notices.update', summary: 'Change or switch off a notice', params: IdParams, body: UpdateNotice, response: { 200: NoticeView, ...errors(404) } } }, async (req) => svc.updateNotice(actorOf(req), req.params.id, req.body));
  app.get('/api/notices/:id/report', { schema: { tags, operationId: 'notices.report', summary: 'Sends, and complaint and return rates against the hold-out with 95 % intervals', params: IdParams, response: { 200: NoticeReportView, ...errors(404) } } }, async (req) => svc.report(actorOf(req), req.params.id));
  app.post('/api/notices/run', { schema: { tags, operationId: 'notices.run', summary: 'Plan the due notices now (the job does this every 15 minutes)', body: EmptyBody, response: { 200: NoticeRunView, ...errors() } } }, async (req) => svc.runDueFor(actorOf(req)));
}
