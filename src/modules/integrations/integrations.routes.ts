import { z } from 'zod';
import { actorOf, EmptyBody, errors, IdParams, type Http } from '../../platform/http.js';
import { ROUTE_SCOPES } from './integrations.http.js';
import { ApiTokenView, CreateApiToken, CreatedApiToken, CreatedWebhook, CreateWebhook, DeliveryPage, DeliveryQuery, ScopeList, TestSendView, UpdateWebhook, WebhookEndpointView } from './integrations.dto.js';
import { TOKEN_SCOPES } from './integrations.rules.js';
import type { IntegrationsService } from './integrations.service.js';

export function integrationsRoutes(app: Http, svc: IntegrationsService): void {
  const tags = ['integrations'];
  app.get('/api/integrations/scopes', { schema: { operationId: 'integrations.scopes', tags, summary: 'The scopes an API token can have, with the routes each opens', response: { 200: ScopeList, ...errors() } } }, async () => ({
    items: TOKEN_SCOPES.map((scope) => ({ scope, routes: ROUTE_SCOPES().filter((r) => r.scope === scope).map((r) => r.route) })),
  }));
  app.get('/api/integrations/tokens', { schema: { operationId: 'integrations.listTokens', tags, summary: 'API tokens of the organisation (owner)', response: { 200: z.object({ items: z.array(ApiTokenView) }), ...errors() } } }, async (req) => ({
    items: await svc.listTokens(actorOf(req)),
  }));
  app.post('/api/integrations/tokens', { schema: { operationId: 'integrations.createToken', tags, summary: 'Create an API token; the token is in this answer only (owner)', body: CreateApiToken, response: { 201: CreatedApiToken, ...errors() } } }, async (req, reply) => {
    reply.code(201);
    return svc.createToken(actorOf(req), req.body);
  });
  app.post('/api/integrations/tokens/:id/revoke', { schema: { operationId: 'integrations.revokeToken', tags, summary: 'Revoke an API token (owner)', params: IdParams, body: EmptyBody, response: { 200: ApiTokenView, ...errors(404) } } }, async (req) =>
    svc.revokeToken(actorOf(req), req.params.id),
  );

  app.get('/api/integrations/webhooks', { schema: { operationId: 'integrations.listWebhooks', tags, summary: 'Outgoing webhook endpoints (owner)', response: { 200: z.object({ items: z.array(WebhookEndpointView) }), ...errors() } } }, async (req) => ({
    items: await svc.listWebhooks(actorOf(req)),
  }));
  app.post('/api/integrations/webhooks', { schema: { operationId: 'integrations.createWebhook', tags, summary: 'Register an endpoint; its signing secret is in this answer only (owner)', body: CreateWebhook, response: { 201: CreatedWebhook, ...errors() } } }, async (req, reply) => {
    reply.code(201);
    return svc.createWebhook(actorOf(req), req.body);
  });
  app.patch('/api/integrations/webhooks/:id', { schema: { operationId: 'integrations.updateWebhook', tags, summary: 'Change an endpoint, or turn it on/off (owner)', params: IdParams, body: UpdateWebhook, response: { 200: WebhookEndpointView, ...errors(404) } } }, async (req) =>
    svc.updateWebhook(actorOf(req), req.params.id, req.body),
  );
  app.delete('/api/integrations/webhooks/:id', { schema: { operationId: 'integrations.deleteWebhook', tags, summary: 'Remove an endpoint (owner)', params: IdParams, response: { 204: z.null(), ...errors(404) } } }, async (req, reply) => {
    await svc.deleteWebhook(actorOf(req), req.params.id);
    return reply.code(204).send(null);
  });
  app.get('/api/integrations/webhooks/:id/deliveries', { schema: { operationId: 'integrations.deliveries', tags, summary: "An endpoint's delivery log, newest first (owner)", params: IdParams, querystring: DeliveryQuery, response: { 200: DeliveryPage, ...errors(404) } } }, async (req) =>
    svc.deliveries(actorOf(req), req.params.id, req.query),
  );
  app.post('/api/integrations/webhooks/:id/test', { schema: { operationId: 'integrations.testWebhook', tags, summary: 'Send a test event to the endpoint (owner)', params: IdParams, body: EmptyBody, response: { 202: TestSendView, ...errors(404) } } }, async (req, reply) => {
    reply.code(202);
    return svc.testSend(actorOf(req), req.params.id);
  });
}
