import { z } from 'zod';
import { actorOf, EmptyBody, errors, IdParams, type Http } from '../../platform/http.js';
import {
  AutomationRuleInput,
  AutomationRulePatch,
  AutomationRulesView,
  AutomationRuleView,
  AutomationSettingsInput,
  AutomationSettingsView,
  ResolvedTextView,
  ResolveVariablesInput,
  SavedViewInput,
  SavedViewsView,
  SavedViewView,
  ViewersView,
} from './helpdesk.dto.js';
import type { HelpdeskService } from './helpdesk.service.js';

const Deleted = z.object({ deleted: z.literal(true) });

/** Saved views, presence, the variable resolver and automations (Settings → Automations). */
export function helpdeskWorkspaceRoutes(app: Http, svc: HelpdeskService): void {
  const tags = ['tickets'];
  app.get('/api/saved-views', { schema: { tags, operationId: 'tickets.savedViews', summary: 'My saved inbox views', response: { 200: SavedViewsView, ...errors() } } }, async (req) => ({ items: await svc.listSavedViews(actorOf(req)) }));
  app.post('/api/saved-views', { schema: { tags, operationId: 'tickets.saveView', summary: 'Save the current inbox filter under a name', body: SavedViewInput, response: { 201: SavedViewView, ...errors(404, 409) } } }, async (req, reply) => {
    reply.code(201);
    return svc.saveView(actorOf(req), req.body);
  });
  app.delete('/api/saved-views/:id', { schema: { tags, operationId: 'tickets.deleteView', summary: 'Delete one of my saved views', params: IdParams, response: { 200: Deleted, ...errors(404) } } }, async (req) => {
    await svc.deleteSavedView(actorOf(req), req.params.id);
    return { deleted: true as const };
  });
  app.post(
    '/api/tickets/:id/viewing',
    { schema: { tags, operationId: 'tickets.viewing', summary: 'I have this ticket open (heartbeat); answers who else has it open', params: IdParams, body: EmptyBody, response: { 200: ViewersView, ...errors(404) } } },
    async (req) => svc.viewing(actorOf(req), req.params.id),
  );
  app.post(
    '/api/tickets/:id/resolve-text',
    {
      schema: {
        tags,
        operationId: 'tickets.resolveText',
        summary: 'Fill {{variables}} in a text from the ticket, its order, shop and the agent; lists what stays unresolved',
        params: IdParams,
        body: ResolveVariablesInput,
        response: { 200: ResolvedTextView, ...errors(404) },
      },
    },
    async (req) => svc.resolveText(actorOf(req), req.params.id, req.body.text, req.body.variables),
  );

  const atags = ['automations'];
  app.get('/api/automations/rules', { schema: { tags: atags, operationId: 'automations.list', summary: 'Automation rules in the order they run', response: { 200: AutomationRulesView, ...errors() } } }, async (req) => ({ items: await svc.listRules(actorOf(req)) }));
  app.post('/api/automations/rules', { schema: { tags: atags, operationId: 'automations.create', summary: 'Add an automation rule (trigger + conditions → actions): a new ticket, the buyer writing again, a status change, a tag added, an SLA warning, a quiet ticket', body: AutomationRuleInput, response: { 201: AutomationRuleView, ...errors(404) } } }, async (req, reply) => {
    reply.code(201);
    return svc.createRule(actorOf(req), req.body);
  });
  app.patch('/api/automations/rules/:id', { schema: { tags: atags, operationId: 'automations.update', summary: 'Change an automation rule', params: IdParams, body: AutomationRulePatch, response: { 200: AutomationRuleView, ...errors(404) } } }, async (req) =>
    svc.updateRule(actorOf(req), req.params.id, req.body),
  );
  app.delete('/api/automations/rules/:id', { schema: { tags: atags, operationId: 'automations.delete', summary: 'Delete an automation rule', params: IdParams, response: { 200: Deleted, ...errors(404) } } }, async (req) => {
    await svc.deleteRule(actorOf(req), req.params.id);
    return { deleted: true as const };
  });
  app.get('/api/automations/settings', { schema: { tags: atags, operationId: 'automations.settings', summary: 'Auto-close and out-of-hours acknowledgement', response: { 200: AutomationSettingsView, ...errors() } } }, async (req) => svc.automationSettings(actorOf(req)));
  app.put('/api/automations/settings', { schema: { tags: atags, operationId: 'automations.setSettings', summary: 'Change auto-close and the out-of-hours acknowledgement', body: AutomationSettingsInput, response: { 200: AutomationSettingsView, ...errors() } } }, async (req) =>
    svc.setAutomationSettings(actorOf(req), req.body),
  );
}
