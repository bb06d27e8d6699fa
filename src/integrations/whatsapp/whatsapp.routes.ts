import { z } from 'zod';
import { actorOf, ErrorBody, errors, type Http } from '../../platform/http.js';
import { NumberOrNone, NumberParams, ShopParams, VerifyQuery, WhatsAppNumberInput, WhatsAppNumberView } from './whatsapp.dto.js';
import type { WhatsAppNumbers } from './numbers.js';

/** Settings → Channels (a shop's number) and the Cloud API webhook of each number. */
export async function whatsappRoutes(app: Http, numbers: WhatsAppNumbers): Promise<void> {
  const tags = ['channels'];
  app.get(
    '/api/shops/:shopId/whatsapp',
    { schema: { tags, operationId: 'whatsapp.getNumber', summary: "The shop's WhatsApp Business number (secrets never leave the server) and its webhook URL", params: ShopParams, response: { 200: NumberOrNone, ...errors(404) } } },
    async (req) => ({ number: await numbers.get(actorOf(req), req.params.shopId) }),
  );
  app.put(
    '/api/shops/:shopId/whatsapp',
    { schema: { tags, operationId: 'whatsapp.saveNumber', summary: "Connect the shop's WhatsApp Cloud API number (token, app secret and verify token sealed at rest; leave one out to keep it)", params: ShopParams, body: WhatsAppNumberInput, response: { 200: WhatsAppNumberView, ...errors(404, 409) } } },
    async (req) => numbers.save(actorOf(req), req.params.shopId, req.body),
  );
  app.delete(
    '/api/shops/:shopId/whatsapp',
    { schema: { tags, operationId: 'whatsapp.removeNumber', summary: "Disconnect the shop's WhatsApp number (its tickets stay)", params: ShopParams, response: { 200: z.object({ removed: z.literal(true) }), ...errors(404) } } },
    async (req) => {
      await numbers.remove(actorOf(req), req.params.shopId);
      return { removed: true as const };
    },
  );

  await app.register(async (plain) => {
    const inst = plain as unknown as Http;
    // The signature covers the exact bytes: this context keeps the raw body.
    inst.removeAllContentTypeParsers();
    inst.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 3 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    inst.get(
      '/webhooks/whatsapp/:numberId',
      {
        config: { securityHeaders: false },
        schema: {
          tags,
          operationId: 'whatsapp.verifyWebhook',
          summary: 'Meta’s subscription handshake: echoes hub.challenge when hub.verify_token is this number’s',
          security: [],
          params: NumberParams,
          querystring: VerifyQuery,
          response: { 200: z.string(), 401: ErrorBody },
        },
      },
      async (req, reply) => {
        const q = req.query;
        const challenge = await numbers.verify(req.params.numberId, { mode: q['hub.mode'], token: q['hub.verify_token'], challenge: q['hub.challenge'] });
        if (challenge === null) return reply.code(401).send({ code: 'whatsapp.verify_refused', message: 'The verify token does not match this number', requestId: req.id });
        return reply.code(200).type('text/plain').send(challenge);
      },
    );
    inst.post(
      '/webhooks/whatsapp/:numberId',
      {
        config: { securityHeaders: false },
        logLevel: 'warn',
        schema: {
          tags,
          operationId: 'whatsapp.webhook',
          summary: 'WhatsApp Cloud API webhook: X-Hub-Signature-256 checked over the raw body; messages become tickets, statuses update replies',
          security: [],
          params: NumberParams,
          response: { 200: z.null().describe('Empty: accepted'), 401: ErrorBody },
        },
      },
      async (req, reply) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const sig = req.headers['x-hub-signature-256'];
        const r = await numbers.webhook(req.params.numberId, raw, typeof sig === 'string' ? sig : undefined);
        if (r.status === 401) {
          req.log.warn('WhatsApp webhook refused (unknown number or bad signature)');
          return reply.code(401).send({ code: 'whatsapp.bad_signature', message: 'Unknown number or a signature that does not match the body', requestId: req.id });
        }
        return reply.code(200).send(null);
      },
    );
  });
}
