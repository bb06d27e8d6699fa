import { actorOf, IdParams, type Http } from '../../platform/http.js';
import { DecisionBody, EconomicsBody, ProposeBody, QuoteBody, RemedyListQuery, RequiredNoteBody, SettingsBody, ShopParams, StepParams, SuggestBody } from './remedies.dto.js';
import type { LadderConfig } from './remedies.rules.js';
import type { RemediesService } from './remedies.service.js';

export function remediesRoutes(app: Http, svc: RemediesService): void {
  const tags = ['remedies'];
  app.post('/api/remedies/suggest', { schema: { tags, summary: 'Suggest a problem category from the buyer\'s text', body: SuggestBody } }, async (req) => {
    actorOf(req);
    return svc.suggest(req.body.text);
  });
  app.post('/api/remedies/quote', { schema: { tags, summary: 'Ladder options with economics and the caller\'s authority for each', body: QuoteBody } }, async (req) => svc.quote(actorOf(req), req.body));
  app.post('/api/remedies', { schema: { tags, summary: 'Offer a remedy: executes within authority, else waits for a supervisor', body: ProposeBody } }, async (req, reply) => {
    reply.code(201);
    return svc.propose(actorOf(req), req.body);
  });
  app.get('/api/remedies', { schema: { tags, summary: 'List remedies (e.g. the approval queue: status=pending_approval)', querystring: RemedyListQuery } }, async (req) => ({ items: await svc.list(actorOf(req), req.query) }));
  app.get('/api/remedies/:id', { schema: { tags, summary: 'One remedy with its execution steps', params: IdParams } }, async (req) => svc.get(actorOf(req), req.params.id));
  app.post('/api/remedies/:id/approve', { schema: { tags, summary: 'Supervisor approval; starts execution', params: IdParams, body: DecisionBody } }, async (req) => svc.approve(actorOf(req), req.params.id, req.body));
  app.post('/api/remedies/:id/reject', { schema: { tags, summary: 'Supervisor rejection with a note', params: IdParams, body: RequiredNoteBody } }, async (req) => svc.reject(actorOf(req), req.params.id, req.body));
  app.post('/api/remedies/:id/steps/:step/retry', { schema: { tags, summary: 'Retry a failed execution step', params: StepParams } }, async (req) => svc.retryStep(actorOf(req), req.params.id, req.params.step));
  app.post('/api/remedies/:id/abandon', { schema: { tags, summary: 'Give up a remedy that cannot complete; compensates earlier steps', params: IdParams, body: RequiredNoteBody } }, async (req) => svc.abandon(actorOf(req), req.params.id, req.body));
  app.get('/api/shops/:shopId/remedy-settings', { schema: { tags, summary: 'The shop\'s remedy ladder and economics defaults', params: ShopParams } }, async (req) => svc.getSettings(actorOf(req), req.params.shopId));
  app.patch('/api/shops/:shopId/remedy-settings', { schema: { tags, summary: 'Change the shop\'s ladder and economics defaults (owner)', params: ShopParams, body: SettingsBody } }, async (req) => {
    const { ladder, ...rest } = req.body;
    return svc.updateSettings(actorOf(req), req.params.shopId, { ...rest, ...(ladder ? { ladder: ladder as LadderConfig } : {}) });
  });
  app.put('/api/shops/:shopId/item-economics', { schema: { tags, summary: 'Item cost and resale value per product or category', params: ShopParams, body: EconomicsBody } }, async (req) => svc.setProductEconomics(actorOf(req), req.params.shopId, req.body));
}
