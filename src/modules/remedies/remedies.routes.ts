import { z } from 'zod';
import { EmptyBody, errors, actorOf, IdParams, type Http } from '../../platform/http.js';
import {
  DecisionBody,
  EconomicsBody,
  ItemEconomicsView,
  ProposeBody,
  QuoteBody,
  QuoteView,
  RemedyListQuery,
  RemedyPage,
  RemedySettingsView,
  RemedyView,
  RequiredNoteBody,
  SettingsBody,
  ShopParams,
  StepParams,
  SuggestBody,
  SuggestionView,
} from './remedies.dto.js';
import type { LadderConfig } from './remedies.rules.js';
import type { RemediesService, SettingsRow } from './remedies.service.js';

/** The stored settings row without its tenancy columns. */
function settingsView(r: SettingsRow): RemedySettingsView {
  return {
    shopId: r.id,
    ladder: r.ladder,
    highTicketThreshold: r.highTicketThreshold,
    couponMinimumRule: r.couponMinimumRule,
    defaultCostPercent: r.defaultCostPercent,
    defaultResalePercent: r.defaultResalePercent,
    returnShipping: r.returnShipping,
    outboundShipping: r.outboundShipping,
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function remediesRoutes(app: Http, svc: RemediesService): void {
  const tags = ['remedies'];
  app.post(
    '/api/remedies/suggest',
    { schema: { tags, operationId: 'remedies.suggest', summary: "Suggest a problem category from the buyer's text", body: SuggestBody, response: { 200: SuggestionView, ...errors() } } },
    async (req) => {
      actorOf(req);
      return svc.suggest(req.body.text);
    },
  );
  app.post(
    '/api/remedies/quote',
    { schema: { tags, operationId: 'remedies.quote', summary: "Ladder options with economics and the caller's authority for each", body: QuoteBody, response: { 200: QuoteView, ...errors(404, 422) } } },
    async (req) => svc.quote(actorOf(req), req.body),
  );
  app.post(
    '/api/remedies',
    { schema: { tags, operationId: 'remedies.propose', summary: 'Offer a remedy: executes within authority, else waits for a supervisor', body: ProposeBody, response: { 201: RemedyView, ...errors(404, 409, 422) } } },
    async (req, reply) => {
      reply.code(201);
      return svc.propose(actorOf(req), req.body);
    },
  );
  app.get(
    '/api/remedies',
    {
      schema: {
        tags,
        operationId: 'remedies.list',
        summary: 'List remedies, newest first (e.g. the approval queue: status=pending_approval); cursor pagination',
        querystring: RemedyListQuery,
        response: { 200: RemedyPage, ...errors() },
      },
    },
    async (req) => svc.page(actorOf(req), req.query),
  );
  app.get('/api/remedies/:id', { schema: { tags, operationId: 'remedies.get', summary: 'One remedy with its execution steps', params: IdParams, response: { 200: RemedyView, ...errors(404) } } }, async (req) =>
    svc.get(actorOf(req), req.params.id),
  );
  app.post(
    '/api/remedies/:id/approve',
    { schema: { tags, operationId: 'remedies.approve', summary: 'Supervisor approval; starts execution', params: IdParams, body: DecisionBody, response: { 200: RemedyView, ...errors(404, 409, 422) } } },
    async (req) => svc.approve(actorOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/remedies/:id/reject',
    { schema: { tags, operationId: 'remedies.reject', summary: 'Supervisor rejection with a note', params: IdParams, body: RequiredNoteBody, response: { 200: RemedyView, ...errors(404, 409) } } },
    async (req) => svc.reject(actorOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/remedies/:id/steps/:step/retry',
    { schema: { tags, operationId: 'remedies.retryStep', summary: 'Retry a failed execution step', params: StepParams, body: EmptyBody, response: { 200: RemedyView, ...errors(404, 409) } } },
    async (req) => svc.retryStep(actorOf(req), req.params.id, req.params.step),
  );
  app.post(
    '/api/remedies/:id/abandon',
    { schema: { tags, operationId: 'remedies.abandon', summary: 'Give up a remedy that cannot complete; compensates earlier steps', params: IdParams, body: RequiredNoteBody, response: { 200: RemedyView, ...errors(404, 409) } } },
    async (req) => svc.abandon(actorOf(req), req.params.id, req.body),
  );
  app.get(
    '/api/shops/:shopId/remedy-settings',
    { schema: { tags, operationId: 'remedies.getSettings', summary: "The shop's remedy ladder and economics defaults", params: ShopParams, response: { 200: RemedySettingsView, ...errors(404) } } },
    async (req) => settingsView(await svc.getSettings(actorOf(req), req.params.shopId)),
  );
  app.patch(
    '/api/shops/:shopId/remedy-settings',
    {
      schema: {
        tags,
        operationId: 'remedies.updateSettings',
        summary: "Change the shop's ladder and economics defaults (owner)",
        params: ShopParams,
        body: SettingsBody,
        response: { 200: RemedySettingsView, ...errors(404) },
      },
    },
    async (req) => {
      const { ladder, ...rest } = req.body;
      return settingsView(await svc.updateSettings(actorOf(req), req.params.shopId, { ...rest, ...(ladder ? { ladder: ladder as LadderConfig } : {}) }));
    },
  );
  app.get(
    '/api/shops/:shopId/item-economics',
    { schema: { tags, operationId: 'remedies.listItemEconomics', summary: 'Item cost and resale value set per product or category of this shop', params: ShopParams, response: { 200: z.object({ items: z.array(ItemEconomicsView) }), ...errors(404) } } },
    async (req) => ({
      items: (await svc.listProductEconomics(actorOf(req), req.params.shopId)).map((r) => ({ id: r.id, shopId: r.shopId, key: r.key, itemCost: r.itemCost, resalePercent: r.resalePercent, updatedAt: r.updatedAt.toISOString() })),
    }),
  );
  app.put(
    '/api/shops/:shopId/item-economics',
    { schema: { tags, operationId: 'remedies.setItemEconomics', summary: 'Item cost and resale value per product or category', params: ShopParams, body: EconomicsBody, response: { 200: ItemEconomicsView, ...errors(404) } } },
    async (req) => {
      const r = await svc.setProductEconomics(actorOf(req), req.params.shopId, req.body);
      return { id: r.id, shopId: r.shopId, key: r.key, itemCost: r.itemCost, resalePercent: r.resalePercent, updatedAt: r.updatedAt.toISOString() };
    },
  );
}
