import { actorOf, errors, IdParams, type Http } from '../../platform/http.js';
import { DraftTranslationView, TranslateDraftInput, TranslateMessagesInput, TranslationPreferenceInput, TranslationPreferenceView, TranslationSettingsInput, TranslationSettingsView, TranslationsQuery, TranslationsView } from './translation.dto.js';
import type { TranslationService } from './translation.service.js';

export function translationRoutes(app: Http, svc: TranslationService): void {
  const tags = ['translation'];
  app.get('/api/translation/settings', { schema: { tags, operationId: 'translation.settings', summary: 'The translation service (DeepL-compatible) of the organisation', response: { 200: TranslationSettingsView, ...errors() } } }, async (req) => svc.settings(actorOf(req)));
  app.put('/api/translation/settings', { schema: { tags, operationId: 'translation.setSettings', summary: 'Set the DeepL-compatible base URL and the seller’s own API key (stored encrypted)', body: TranslationSettingsInput, response: { 200: TranslationSettingsView, ...errors() } } }, async (req) =>
    svc.setSettings(actorOf(req), req.body),
  );
  app.get('/api/translation/preference', { schema: { tags, operationId: 'translation.preference', summary: 'Whether I always see buyer messages translated', response: { 200: TranslationPreferenceView, ...errors() } } }, async (req) => svc.preference(actorOf(req)));
  app.put('/api/translation/preference', { schema: { tags, operationId: 'translation.setPreference', summary: 'Always show buyer messages translated (or not)', body: TranslationPreferenceInput, response: { 200: TranslationPreferenceView, ...errors() } } }, async (req) =>
    svc.setPreference(actorOf(req), req.body.alwaysTranslate),
  );
  app.get('/api/tickets/:id/translations', { schema: { tags, operationId: 'translation.forTicket', summary: 'Stored translations of this ticket’s messages into one language', params: IdParams, querystring: TranslationsQuery, response: { 200: TranslationsView, ...errors(404) } } }, async (req) => ({
    items: await svc.listForTicket(actorOf(req), req.params.id, req.query.target),
  }));
  app.post(
    '/api/tickets/:id/translate',
    { schema: { tags, operationId: 'translation.translateMessages', summary: 'Translate messages of this ticket into a language; stored beside the originals', params: IdParams, body: TranslateMessagesInput, response: { 200: TranslationsView, ...errors(404, 409, 502) } } },
    async (req) => ({ items: await svc.translateMessages(actorOf(req), req.params.id, req.body.target, req.body.messageIds) }),
  );
  app.post(
    '/api/tickets/:id/translate-draft',
    { schema: { tags, operationId: 'translation.translateDraft', summary: 'A reply draft in the buyer’s language (not stored)', params: IdParams, body: TranslateDraftInput, response: { 200: DraftTranslationView, ...errors(404, 409, 502) } } },
    async (req) => svc.translateDraft(actorOf(req), req.params.id, req.body.text),
  );
}
