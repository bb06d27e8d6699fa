import { actorOf, EmptyBody, errors, IdParams, type Http } from '../../platform/http.js';
import {
  CreateGapTask, EntryVersionList, GapQuery, GapReport, GapTaskView, KnowledgeEntryList, KnowledgeEntryView, ProductListQuery, ProductPage, ProductView,
  RecordUse, SaveEntry, ShopParams, SuggestionsView, SuggestQuery, SyncResult, TicketParams, UseRecorded,
} from './knowledge.dto.js';
import type { KnowledgeService } from './knowledge.service.js';
import { z } from 'zod';

export function knowledgeRoutes(app: Http, svc: KnowledgeService): void {
  const tags = ['knowledge'];
  app.get('/api/catalogue/products', { schema: { tags, operationId: 'knowledge.listProducts', summary: 'Products synced from the shops, newest first', querystring: ProductListQuery, response: { 200: ProductPage, ...errors(404) } } }, async (req) => svc.listProducts(actorOf(req), req.query));
  app.get('/api/catalogue/products/:id', { schema: { tags, operationId: 'knowledge.getProduct', summary: 'One product with its SKUs and what its listing tells buyers', params: IdParams, response: { 200: ProductView, ...errors(404) } } }, async (req) => svc.getProduct(actorOf(req), req.params.id));
  app.post('/api/catalogue/shops/:shopId/sync', { schema: { tags, operationId: 'knowledge.syncCatalogue', summary: "Fetch the shop's catalogue from its platform now", params: ShopParams, body: EmptyBody, response: { 200: SyncResult, ...errors(404, 409) } } }, async (req) => svc.syncNow(actorOf(req), req.params.shopId));
  app.get('/api/catalogue/products/:id/knowledge', { schema: { tags, operationId: 'knowledge.listEntries', summary: "A product's knowledge in every language, with translation status", params: IdParams, response: { 200: KnowledgeEntryList, ...errors(404) } } }, async (req) => ({ items: await svc.listEntries(actorOf(req), req.params.id) }));
  app.put('/api/catalogue/products/:id/knowledge', { schema: { tags, operationId: 'knowledge.saveEntry', summary: 'Write one knowledge text (a new version; translations of an edited source become out of date)', params: IdParams, body: SaveEntry, response: { 200: KnowledgeEntryView, ...errors(404) } } }, async (req) => svc.saveEntry(actorOf(req), req.params.id, req.body));
  app.delete('/api/knowledge/entries/:id', { schema: { tags, operationId: 'knowledge.deleteEntry', summary: 'Delete one knowledge text', params: IdParams, response: { 200: z.object({ deleted: z.boolean() }), ...errors(404) } } }, async (req) => {
    await svc.deleteEntry(actorOf(req), req.params.id);
    return { deleted: true };
  });
  app.get('/api/knowledge/entries/:id/versions', { schema: { tags, operationId: 'knowledge.entryVersions', summary: 'Every saved version of a knowledge text, newest first', params: IdParams, response: { 200: EntryVersionList, ...errors(404) } } }, async (req) => ({ items: await svc.entryVersions(actorOf(req), req.params.id) }));
  app.get('/api/knowledge/tickets/:ticketId/suggestions', { schema: { tags, operationId: 'knowledge.suggest', summary: "Knowledge answers for the ticket's product and the buyer's question, in the buyer's language", params: TicketParams, querystring: SuggestQuery, response: { 200: SuggestionsView, ...errors(404) } } }, async (req) => svc.suggest(actorOf(req), req.params.ticketId, { q: req.query.q }));
  app.post('/api/knowledge/entries/:id/uses', { schema: { tags, operationId: 'knowledge.recordUse', summary: 'Record that an agent put a suggested answer into a reply', params: IdParams, body: RecordUse, response: { 200: UseRecorded, ...errors(404) } } }, async (req) => svc.recordUse(actorOf(req), req.params.id, req.body));
  app.get('/api/knowledge/gaps', { schema: { tags, operationId: 'knowledge.gaps', summary: 'Products whose buyers ask what the listing and knowledge do not answer', querystring: GapQuery, response: { 200: GapReport, ...errors(404) } } }, async (req) => svc.gaps(actorOf(req), req.query));
  app.post('/api/knowledge/gaps/tasks', { schema: { tags, operationId: 'knowledge.createGapTask', summary: "A feedback task for the listing's owner about a product's gaps", body: CreateGapTask, response: { 200: GapTaskView, ...errors(404, 409) } } }, async (req) => svc.createGapTask(actorOf(req), req.body));
}
