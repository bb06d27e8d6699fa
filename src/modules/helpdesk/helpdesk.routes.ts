import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import { refuseOversizedUpload } from '../../platform/uploads.js';
import { actorOf, EmptyBody, ErrorBody, IdParams, type Http } from '../../platform/http.js';
import type { Actor } from '../../platform/tenancy.js';
import { BusinessHours } from '../tenancy/index.js';
import type { OrderSidebarView } from '../orders/index.js';
import {
  AgentRerouteView,
  AgentView,
  BulkResultView,
  CountsView,
  IngestResult,
  RenderedMacroView,
  ReplyResultView,
  RerouteResultView,
  ScheduleAnswer,
  SearchResultView,
  TicketDetailView,
  TicketPage,
  TicketSidebarView,
} from './helpdesk.dto.js';
import {
  AssignInput,
  AttachmentRef,
  BulkInput,
  CreateMacro,
  InboundEmailTest,
  InboundWhatsAppTest,
  LinkInput,
  ListQuery,
  MacroView,
  MacroVersionView,
  MacroVariablesView,
  RestoreMacroVersion,
  MergeInput,
  MessageView,
  NoteInput,
  PriorityInput,
  RenderMacroInput,
  ReplyInput,
  SearchQuery,
  StatusInput,
  TagsInput,
  TicketView,
  UpdateMacro,
} from './helpdesk.dto.js';
import type { FilesPort } from './helpdesk.ports.js';
import { trackingUrl } from './helpdesk.rules.js';
import { KNOWN_VARIABLES } from './helpdesk.variables.js';
import { macroView, messageView, ticketView, type HelpdeskService } from './helpdesk.service.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export interface InboundTestHooks {
  /** Feed a mail into the local e-mail provider as if it had arrived (demo and tests). */
  email?(actor: Actor, input: z.infer<typeof InboundEmailTest>): Promise<{ ticketId: string; messageId: string; created: boolean }>;
  whatsapp?(actor: Actor, input: z.infer<typeof InboundWhatsAppTest>): Promise<{ ticketId: string; messageId: string; created: boolean }>;
}

/** Files agents attach to replies and notes (what the multipart plugin allowed before uploads streamed). */
const MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024;

export function helpdeskRoutes(app: Http, svc: HelpdeskService, opts: { files?: FilesPort; inbound?: InboundTestHooks } = {}): void {
  const tags = ['tickets'];

  app.get(
    '/api/tickets',
    {
      schema: { operationId: 'tickets.list',
        tags,
        summary: 'Ticket list views (mine, unassigned, queue, status, all), sorted by SLA due; cursor pagination',
        description: 'Live tickets only for mine/unassigned/queue unless `status` is given. Tickets with no SLA due time sort last. Pass `nextCursor` back as `cursor`.',
        querystring: ListQuery,
        response: { 200: TicketPage, ...errors },
      },
    },
    async (req) => {
      const r = await svc.list(actorOf(req), req.query);
      return { items: r.items.map(ticketView), nextCursor: r.nextCursor };
    },
  );

  app.get(
    '/api/tickets/counts',
    {
      schema: { operationId: 'tickets.counts',
        tags,
        summary: 'Counts for the inbox rail: mine, unassigned, per queue, per status',
        response: { 200: CountsView, ...errors },
      },
    },
    async (req) => svc.counts(actorOf(req)),
  );

  app.get(
    '/api/tickets/search',
    {
      schema: { operationId: 'tickets.search',
        tags,
        summary: 'Full-text search over messages, subjects and buyer identity (stemmed per language)',
        querystring: SearchQuery,
        response: { 200: SearchResultView, ...errors },
      },
    },
    async (req) => ({
      items: (await svc.search(actorOf(req), req.query.q, req.query.limit)).map((h) => ({ ticket: ticketView(h.ticket), snippet: h.snippet, rank: h.rank })),
    }),
  );

  app.get(
    '/api/tickets/:id',
    {
      schema: { operationId: 'tickets.get',
        tags,
        summary: "A ticket with its whole thread (replies and internal notes) and the buyer's other tickets",
        params: IdParams,
        response: { 200: TicketDetailView, ...errors },
      },
    },
    async (req) => {
      const r = await svc.openTicket(actorOf(req), req.params.id);
      return { ticket: ticketView(r.ticket), messages: r.messages.map(messageView), otherTickets: r.otherTickets.map(ticketView) };
    },
  );

  app.get(
    '/api/tickets/:id/sidebar',
    {
      schema: { operationId: 'tickets.sidebar',
        tags,
        summary: "Ticket sidebar: the order (lines, traffic source, tracking, buyer history) and the buyer's other tickets",
        params: IdParams,
        response: { 200: TicketSidebarView, ...errors },
      },
    },
    async (req) => {
      const r = await svc.getSidebar(actorOf(req), req.params.id);
      // The carrier's tracking page, so the inbox links it without knowing carrier URL formats.
      // The orders module's sidebar (null when the ticket names no order, or one since deleted).
      const order = (r.order ?? null) as OrderSidebarView | null;
      const delivery = order?.delivery;
      return { order, otherTickets: r.otherTickets.map(ticketView), trackingUrl: delivery?.trackingNumber ? trackingUrl(delivery.carrier, delivery.trackingNumber) : null };
    },
  );

  app.post(
    '/api/tickets/:id/reply',
    {
      schema: { operationId: 'tickets.reply',
        tags,
        summary: 'Public reply to the buyer; sent through the channel (TikTok chat, e-mail, WhatsApp) via the outbox',
        description: 'Without `status`, the status the macro asks for (`defaultStatusAfter`), else a new/open ticket becomes waiting_on_buyer. A text still carrying `{{placeholders}}` is refused: 422 `tickets.unresolved_variables` with `details.variables`.',
        params: IdParams,
        body: ReplyInput,
        response: { 201: ReplyResultView, ...errors, 422: ErrorBody },
      },
    },
    async (req, reply) => {
      const r = await svc.reply(actorOf(req), req.params.id, req.body);
      reply.code(201);
      return { message: messageView(r.message), ticket: ticketView(r.ticket), outboxId: r.outboxId };
    },
  );

  app.post(
    '/api/tickets/:id/notes',
    { schema: { operationId: 'tickets.addNote', tags, summary: 'Internal note (never sent to the buyer)', params: IdParams, body: NoteInput, response: { 201: MessageView, ...errors } } },
    async (req, reply) => {
      reply.code(201);
      return messageView(await svc.addNote(actorOf(req), req.params.id, req.body));
    },
  );

  app.post(
    '/api/tickets/:id/messages/:messageId/review',
    {
      schema: {
        operationId: 'tickets.reviewMachineDraft',
        tags,
        summary: 'Confirm a person checked a machine-translated reply (it was sent unreviewed)',
        params: z.strictObject({ id: z.string().min(1).max(64), messageId: z.string().min(1).max(64) }),
        body: EmptyBody,
        response: { 200: MessageView, ...errors },
      },
    },
    async (req) => messageView(await svc.reviewMachineDraft(actorOf(req), req.params.id, req.params.messageId)),
  );

  app.post(
    '/api/tickets/bulk',
    {
      schema: { operationId: 'tickets.bulk',
        tags,
        summary: 'One action (status, priority, assign, tags) on up to 100 tickets; a result per ticket',
        description:
          'Each ticket goes through the same rules as its single endpoint, in its own transaction. A refusal for one ticket (e.g. `tickets.bad_status_change`, `ticket.not_found` — also for ids of another organisation) is reported in its result and does not stop the others. A role that may not do the action at all gets 403 for the whole request.',
        body: BulkInput,
        response: { 200: BulkResultView, ...errors },
      },
    },
    async (req) => ({ results: await svc.bulk(actorOf(req), req.body) }),
  );
  app.post('/api/tickets/:id/status', { schema: { operationId: 'tickets.setStatus', tags, summary: 'Set the ticket status', params: IdParams, body: StatusInput, response: { 200: TicketView, ...errors } } }, async (req) =>
    ticketView(await svc.setStatus(actorOf(req), req.params.id, req.body.status, req.body.reason)),
  );
  app.post('/api/tickets/:id/priority', { schema: { operationId: 'tickets.setPriority', tags, summary: 'Set the ticket priority', params: IdParams, body: PriorityInput, response: { 200: TicketView, ...errors } } }, async (req) =>
    ticketView(await svc.setPriority(actorOf(req), req.params.id, req.body.priority)),
  );
  app.post('/api/tickets/:id/tags', { schema: { operationId: 'tickets.setTags', tags, summary: 'Add, remove or replace tags', params: IdParams, body: TagsInput, response: { 200: TicketView, ...errors } } }, async (req) =>
    ticketView(await svc.setTags(actorOf(req), req.params.id, req.body)),
  );
  app.post(
    '/api/tickets/:id/assign',
    {
      schema: { operationId: 'tickets.assign',
        tags,
        summary: 'Assign (or unassign with null) and/or move to another queue',
        description: 'Agents may take an unowned ticket or hand back their own; supervisors and owners re-route anything.',
        params: IdParams,
        body: AssignInput,
        response: { 200: TicketView, ...errors },
      },
    },
    async (req) => ticketView(await svc.assign(actorOf(req), req.params.id, req.body)),
  );
  app.post(
    '/api/tickets/:id/reroute',
    {
      schema: { operationId: 'tickets.reroute',
        tags,
        summary: 'Re-run routing (language, skill, shift, load, round-robin); supervisors',
        params: IdParams,
        body: EmptyBody,
        response: { 200: RerouteResultView, ...errors },
      },
    },
    async (req) => {
      const r = await svc.reroute(actorOf(req), req.params.id);
      return { ticket: ticketView(r.ticket), decision: r.decision };
    },
  );
  app.post(
    '/api/tickets/:id/merge',
    {
      schema: { operationId: 'tickets.merge',
        tags,
        summary: 'Merge duplicate tickets into this one (messages move here; duplicates close with a link)',
        params: IdParams,
        body: MergeInput,
        response: { 200: TicketView, ...errors },
      },
    },
    async (req) => ticketView(await svc.merge(actorOf(req), req.params.id, req.body.sourceTicketIds)),
  );
  app.post('/api/tickets/:id/link', { schema: { operationId: 'tickets.link', tags, summary: 'Link the ticket to an order and/or buyer', params: IdParams, body: LinkInput, response: { 200: TicketView, ...errors } } }, async (req) =>
    ticketView(await svc.link(actorOf(req), req.params.id, req.body)),
  );

  app.post(
    '/api/tickets/:id/attachments',
    {
      schema: { operationId: 'tickets.attach',
        tags,
        summary: 'Upload a file for a reply or note (multipart field "file"); returns the attachment to send with it',
        description: 'Bytes go to the evidence file store (content-addressed); download with GET /api/evidence/files/{sha256}.',
        params: IdParams,
        consumes: ['multipart/form-data'],
        response: { 201: AttachmentRef, ...errors, 413: ErrorBody },
      },
      onRequest: refuseOversizedUpload(MAX_ATTACHMENT_BYTES),
    },
    async (req, reply) => {
      const actor = actorOf(req);
      await svc.getTicket(actor, req.params.id);
      if (!opts.files) throw new AppError('unavailable', 'tickets.no_file_store', 'No file store is configured');
      if (!req.isMultipart()) throw AppError.validation('tickets.not_multipart', 'Send the file as multipart/form-data in the field "file"', [{ field: 'file', message: 'required (multipart/form-data)' }]);
      const part = await req.file({ limits: { fileSize: MAX_ATTACHMENT_BYTES + 1, files: 1 } });
      if (!part || part.fieldname !== 'file') throw AppError.validation('tickets.file_required', 'Send the file in the multipart field "file"', [{ field: 'file', message: 'required' }]);
      const stored = await opts.files.storeUpload(actor.orgId, { stream: part.file, fileName: part.filename, declaredContentType: part.mimetype, maxBytes: MAX_ATTACHMENT_BYTES });
      reply.code(201);
      return { sha256: stored.sha256, fileName: part.filename, contentType: stored.contentType, size: stored.size };
    },
  );

  // ---- agent shifts (routing reads them) ----
  app.get(
    '/api/helpdesk/agents',
    {
      schema: { operationId: 'agents.list',
        tags,
        summary: 'People who take tickets: languages, skills, live load, shift and whether they are on shift now',
        response: {
          200: z.object({ items: z.array(AgentView) }),
          ...errors,
        },
      },
    },
    async (req) => ({ items: await svc.listAgents(actorOf(req)) }),
  );
  app.get('/api/helpdesk/agents/:id/schedule', { schema: { operationId: 'agents.getSchedule', tags, summary: "An agent's working hours (null: always available)", params: IdParams, response: { 200: ScheduleAnswer, ...errors } } }, async (req) => ({
    schedule: await svc.getSchedule(actorOf(req), req.params.id),
  }));
  app.put(
    '/api/helpdesk/agents/:id/schedule',
    {
      schema: { operationId: 'agents.setSchedule',
        tags,
        summary: "Set an agent's working hours in their own time zone (self or supervisor)",
        params: IdParams,
        body: z.strictObject({ timeZone: z.string().min(1).max(60), hours: BusinessHours }),
        response: { 200: ScheduleAnswer, ...errors },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      await svc.setSchedule(actor, req.params.id, req.body);
      return { schedule: await svc.getSchedule(actor, req.params.id) };
    },
  );
  app.post(
    '/api/helpdesk/agents/:id/reroute',
    {
      schema: { operationId: 'agents.rerouteTickets',
        tags,
        summary: "Re-route every open ticket assigned to this person (off shift, on leave); supervisors",
        params: IdParams,
        body: EmptyBody,
        response: { 200: AgentRerouteView, ...errors },
      },
    },
    async (req) => ({ items: await svc.rerouteAgentTickets(actorOf(req), req.params.id) }),
  );

  // ---- local channel providers (demo and tests) ----
  app.post(
    '/api/helpdesk/inbound/email',
    { schema: { operationId: 'inbound.email', tags, summary: 'Deliver a test e-mail through the local e-mail provider (as if a buyer wrote in)', body: InboundEmailTest, response: { 201: IngestResult, 200: IngestResult, ...errors } } },
    async (req, reply) => {
      if (!opts.inbound?.email) throw new AppError('unavailable', 'helpdesk.no_local_email', 'The local e-mail provider is not enabled');
      if (req.body.orderId) await svc.checkOrder(actorOf(req), req.body.orderId);
      const r = await opts.inbound.email(actorOf(req), req.body);
      reply.code(r.created ? 201 : 200);
      return r;
    },
  );
  app.post(
    '/api/helpdesk/inbound/whatsapp',
    { schema: { operationId: 'inbound.whatsapp', tags, summary: 'Deliver a test WhatsApp message through the local WhatsApp provider', body: InboundWhatsAppTest, response: { 201: IngestResult, 200: IngestResult, ...errors } } },
    async (req, reply) => {
      if (!opts.inbound?.whatsapp) throw new AppError('unavailable', 'helpdesk.no_local_whatsapp', 'The local WhatsApp provider is not enabled');
      if (req.body.orderId) await svc.checkOrder(actorOf(req), req.body.orderId);
      const r = await opts.inbound.whatsapp(actorOf(req), req.body);
      reply.code(r.created ? 201 : 200);
      return r;
    },
  );

  // ---- macros ----
  const mtags = ['macros'];
  app.get(
    '/api/macros',
    {
      schema: { operationId: 'macros.list',
        tags: mtags,
        summary: 'List macros (playbooks) with their bodies per language',
        querystring: z.strictObject({ includeInactive: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ items: z.array(MacroView) }), ...errors },
      },
    },
    async (req) => ({ items: (await svc.listMacros(actorOf(req), { includeInactive: req.query.includeInactive === 'true' })).map(macroView) }),
  );
  app.get('/api/macros/:id', { schema: { operationId: 'macros.get', tags: mtags, summary: 'One macro', params: IdParams, response: { 200: MacroView, ...errors } } }, async (req) => macroView(await svc.getMacro(actorOf(req), req.params.id)));
  app.post('/api/macros', { schema: { operationId: 'macros.create', tags: mtags, summary: 'Create a macro (supervisors); bodies per language, en required', body: CreateMacro, response: { 201: MacroView, ...errors } } }, async (req, reply) => {
    reply.code(201);
    return macroView(await svc.createMacro(actorOf(req), req.body));
  });
  app.patch('/api/macros/:id', { schema: { operationId: 'macros.update', tags: mtags, summary: 'Change a macro (supervisors)', params: IdParams, body: UpdateMacro, response: { 200: MacroView, ...errors } } }, async (req) =>
    macroView(await svc.updateMacro(actorOf(req), req.params.id, req.body)),
  );
  app.delete('/api/macros/:id', { schema: { operationId: 'macros.delete', tags: mtags, summary: 'Delete a macro (supervisors)', params: IdParams, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    await svc.deleteMacro(actorOf(req), req.params.id);
    return reply.code(204).send(null);
  });
  app.post(
    '/api/macros/:id/render',
    {
      schema: { operationId: 'macros.render',
        tags: mtags,
        summary: "Render a macro in the buyer's language (fallback en) with the ticket's variables",
        description: 'Variables: order_number, product, tracking_link, buyer_name, shop_name. Explicit `variables` win; placeholders with no value stay in the text and are listed in `missing`.',
        params: IdParams,
        body: RenderMacroInput,
        response: { 200: RenderedMacroView, ...errors },
      },
    },
    async (req) => svc.renderMacro(actorOf(req), req.params.id, req.body),
  );
  // issue 16 (playbooks): version history, restore, and the variables the one resolver knows.
  app.get('/api/macros/variables', { schema: { operationId: 'macros.variables', tags: mtags, summary: 'The variables a macro may use (the one resolver knows these; any other placeholder blocks sending)', response: { 200: MacroVariablesView, ...errors } } }, async () => ({
    items: KNOWN_VARIABLES.map((name) => ({ name })),
  }));
  app.get('/api/macros/:id/versions', { schema: { operationId: 'macros.versions', tags: mtags, summary: 'Saved states of a macro, newest first, with who saved them and when', params: IdParams, response: { 200: z.object({ items: z.array(MacroVersionView) }), ...errors } } }, async (req) => ({
    items: await svc.listMacroVersions(actorOf(req), req.params.id),
  }));
  app.post('/api/macros/:id/restore', { schema: { operationId: 'macros.restore', tags: mtags, summary: 'Restore an earlier version of a macro (saved as a new version)', params: IdParams, body: RestoreMacroVersion, response: { 200: MacroView, ...errors } } }, async (req) =>
    macroView(await svc.restoreMacroVersion(actorOf(req), req.params.id, req.body.version)),
  );
}
