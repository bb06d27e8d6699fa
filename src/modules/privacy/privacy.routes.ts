import { z } from 'zod';
import { actorOf, EmptyBody, ErrorBody, type Http } from '../../platform/http.js';
import { BuyerExportView, BuyerMatch, BuyerParams, BuyerSearchQuery, ErasureReport, RetentionSettings } from './privacy.dto.js';
import type { PrivacyService } from './privacy.service.js';

const tags = ['privacy'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export function privacyRoutes(app: Http, privacy: PrivacyService): void {
  app.get(
    '/api/privacy/buyers',
    { schema: { tags, summary: 'Find a buyer by name, e-mail, phone, platform id or order number', operationId: 'privacy.findBuyers', querystring: BuyerSearchQuery, response: { 200: z.object({ items: z.array(BuyerMatch) }), ...errors } } },
    async (req) => ({ items: await privacy.findBuyers(actorOf(req), req.query.q) }),
  );

  app.get(
    '/api/privacy/buyers/:id/export',
    { schema: { tags, summary: 'Everything held about a buyer, as one JSON document (GDPR Art. 15/20)', operationId: 'privacy.exportBuyer', params: BuyerParams, response: { 200: BuyerExportView, ...errors } } },
    async (req, reply) => {
      const { orgId: _org, ...doc } = await privacy.exportForActor(actorOf(req), req.params.id);
      void reply.header('content-disposition', `attachment; filename="buyer-${req.params.id.replace(/[^A-Za-z0-9_-]/g, '_')}.json"`);
      return doc;
    },
  );

  app.post(
    '/api/privacy/buyers/:id/erase',
    { schema: { tags, summary: 'Erase a buyer (GDPR Art. 17); evidence an open dispute needs is held back and reported', operationId: 'privacy.eraseBuyer', params: BuyerParams, body: EmptyBody, response: { 200: ErasureReport, ...errors } } },
    async (req) => privacy.eraseForActor(actorOf(req), req.params.id),
  );

  app.get(
    '/api/privacy/settings',
    { schema: { tags, summary: 'Retention periods of the organisation (days; null keeps)', operationId: 'privacy.getSettings', response: { 200: RetentionSettings, ...errors } } },
    async (req) => privacy.getSettings(actorOf(req)),
  );

  app.put(
    '/api/privacy/settings',
    { schema: { tags, summary: 'Set the retention periods', operationId: 'privacy.updateSettings', body: RetentionSettings, response: { 200: RetentionSettings, ...errors } } },
    async (req) => privacy.updateSettings(actorOf(req), req.body),
  );
}
