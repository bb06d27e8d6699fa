import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../platform/errors.js';
import { actorOf, binaryResponse, EmptyBody, errors, type Http } from '../../platform/http.js';
import { BatchList, BatchListQuery, OrderParams, PreviewBody, PrintBody, RevokeView } from './portal.dto.js';
import { lookupForm, layout, orderPage, unknownPage } from './portal.page.js';
import { buyerMessageKeys, createPortalLimiter, csrfMatches, normaliseOrderNumber, pickLanguage, type PortalLanguage } from './portal.rules.js';
import type { PortalService, PortalSession } from './portal.service.js';
import { tx, type TextKey } from './portal.texts.js';
import { BuyerParams, BuyerSelfServiceView } from './portal.dto.js';

const tags = ['portal'];

/** Staff side: print card batches (owner, supervisor), preview one, list batches with scans, revoke. */
export function portalRoutes(app: Http, svc: PortalService): void {
  app.post(
    '/api/portal/batches',
    {
      schema: {
        tags,
        operationId: 'portal.printBatch',
        summary: 'Print after-sales cards for orders as one PDF (one page per card; the hold-out share gets none, and a batch held out entirely gets one page saying so)',
        body: PrintBody,
        response: { 200: binaryResponse('application/pdf', 'The cards'), ...errors(404) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const { batch, pdf } = await svc.printCards(actorOf(req), { shopId: b.shopId, orderIds: b.orderIds, since: b.since ? new Date(b.since) : undefined, size: b.size, language: b.language, holdoutPercent: b.holdoutPercent, showContacts: b.showContacts });
      return (reply as unknown as FastifyReply)
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="cards-${batch.id}.pdf"`)
        .header('x-batch-id', batch.id)
        .header('x-cards', String(batch.cardCount))
        .header('x-holdouts', String(batch.holdoutOrderIds.length))
        .send(pdf);
    },
  );

  app.post(
    '/api/portal/preview',
    { schema: { tags, operationId: 'portal.previewCard', summary: "A sample card with the shop's real content (no live link)", body: PreviewBody, response: { 200: binaryResponse('application/pdf', 'One sample card'), ...errors(404) } } },
    async (req, reply) => (reply as unknown as FastifyReply).header('content-type', 'application/pdf').header('content-disposition', 'inline; filename="card-preview.pdf"').send(await svc.previewCard(actorOf(req), req.body)),
  );

  app.get(
    '/api/portal/batches',
    { schema: { tags, operationId: 'portal.listBatches', summary: 'The 100 newest card batches with hold-outs and QR scans', querystring: BatchListQuery, response: { 200: BatchList, ...errors() } } },
    async (req) => ({ items: await svc.listBatches(actorOf(req), req.query.shopId) }),
  );

  app.get(
    '/api/portal/buyers/:buyerId',
    { schema: { tags, operationId: 'portal.buyerSelfService', summary: "What a buyer registered (warranties) and agreed to (birthday, marketing e-mail) on the self-service page", params: BuyerParams, response: { 200: BuyerSelfServiceView, ...errors(404) } } },
    async (req) => svc.buyerSelfService(actorOf(req), req.params.buyerId),
  );

  app.post(
    '/api/portal/orders/:orderId/revoke',
    { schema: { tags, operationId: 'portal.revokeOrder', summary: "Revoke every card of an order (its QR and code stop working)", params: OrderParams, body: EmptyBody, response: { 200: RevokeView, ...errors(404) } } },
    async (req) => svc.revokeOrder(actorOf(req), req.params.orderId),
  );
}

export interface PortalPublicOptions {
  cookieSecure: (req: FastifyRequest) => boolean;
  /** The origin forms must come from (PUBLIC_URL), or the request's own when unset. */
  publicOrigin?: string;
  now: () => number;
  limits?: { opensPerAddress?: number; lookupsPerAddress?: number; lookupsPerOrder?: number; writesPerOrder?: number };
}

/**
 * The buyer's pages. They are not in the OpenAPI document, on purpose: they are HTML pages for a
 * browser (plain forms posting multipart, 303 redirects, answers that are pages in five languages),
 * not a JSON API anyone integrates with; describing them as operations would promise a contract
 * (JSON error codes, stable bodies) they do not have. test/http/portal.test.ts pins this list, that
 * none of it leaks into the document, and that each answers HTML with the portal's headers.
 */
export const PORTAL_PAGES = [
  ['GET', '/p'],
  ['GET', '/p/:token'],
  ['POST', '/p/lookup'],
  ['GET', '/p/order'],
  ['POST', '/p/order/message'],
  ['POST', '/p/order/return'],
  ['POST', '/p/order/warranty'],
  ['POST', '/p/order/preferences'],
  ['POST', '/p/order/csat'],
] as const;

export const PORTAL_COOKIE = 'afterdesk_portal';
export const PORTAL_CSRF_COOKIE = 'afterdesk_portal_csrf';
const MAX_PHOTO = 15 * 1024 * 1024;

// The page allows no script at all and loads nothing from elsewhere.
const PORTAL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function html(reply: FastifyReply, status: number, body: string) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', PORTAL_CSP)
    .header('cache-control', 'no-store')
    // Links out of the portal carry no Referer; same-origin keeps the Origin header on our own
    // form posts (with no-referrer, Chrome sends "Origin: null" and the origin check would refuse).
    .header('referrer-policy', 'same-origin')
    .send(body);
}

interface Form {
  fields: Record<string, string[]>;
  photo: { bytes: Buffer; fileName: string; contentType?: string } | null;
}

async function readForm(req: FastifyRequest): Promise<Form | 'too_large' | 'not_form'> {
  if (!req.isMultipart()) return 'not_form';
  const fields: Record<string, string[]> = {};
  let photo: Form['photo'] = null;
  for await (const part of req.parts({ limits: { fileSize: MAX_PHOTO, files: 1, fields: 40, fieldSize: 8_000 } })) {
    if (part.type === 'file') {
      const bytes = await part.toBuffer().catch(() => null);
      if (!bytes || part.file.truncated) return 'too_large';
      if (part.fieldname === 'photo' && bytes.length) photo = { bytes, fileName: part.filename || 'photo', contentType: part.mimetype };
    } else {
      (fields[part.fieldname] ??= []).push(String(part.value));
    }
  }
  return { fields, photo };
}

const first = (f: Form, k: string) => (f.fields[k]?.[0] ?? '').trim();

function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The buyer's side, under /p: public pages with their own session cookie (path /p, never the
 * staff cookie: server.ts does not even read that cookie here), a CSRF token on every form, an
 * Origin check, and rate limits keyed by the socket address (or the one a TRUST_PROXY hop
 * reports: `req.ip`) and by the order, never by anything the client can vary freely.
 */
export function portalPublicRoutes(app: Http, svc: PortalService, opts: PortalPublicOptions): void {
  const lim = opts.limits ?? {};
  const opens = createPortalLimiter(opts.now, lim.opensPerAddress ?? 30);
  const lookupsByAddress = createPortalLimiter(opts.now, lim.lookupsPerAddress ?? 10);
  const lookupsByOrder = createPortalLimiter(opts.now, lim.lookupsPerOrder ?? 5);
  const writes = createPortalLimiter(opts.now, lim.writesPerOrder ?? 10);

  const langOf = (req: FastifyRequest, card?: string): PortalLanguage => pickLanguage((req.query as { lang?: string } | undefined)?.lang, card, req.headers['accept-language']);
  const cookieOpts = (req: FastifyRequest) => ({ path: '/p', httpOnly: true, sameSite: 'strict' as const, secure: opts.cookieSecure(req) });
  const preCsrf = (req: FastifyRequest, reply: FastifyReply) => {
    const have = req.cookies?.[PORTAL_CSRF_COOKIE];
    if (have && /^[A-Za-z0-9_-]{32}$/.test(have)) return have;
    const t = randomBytes(24).toString('base64url');
    void reply.setCookie(PORTAL_CSRF_COOKIE, t, cookieOpts(req));
    return t;
  };
  /** A form post must come from our own page: the browser's Origin / Sec-Fetch-Site when sent. */
  const crossSite = (req: FastifyRequest): boolean => {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return true;
    const origin = req.headers.origin;
    return origin !== undefined && origin !== (opts.publicOrigin ?? `${req.protocol}://${req.host}`);
  };
  const refused = (reply: FastifyReply, lang: PortalLanguage) => html(reply, 403, layout(lang, tx(lang, 'expired'), `<section class="err" role="alert"><p>${tx(lang, 'expired')}</p></section>`));
  const tooMany = (reply: FastifyReply, lang: PortalLanguage, body?: string) => html(reply.header('retry-after', '60'), 429, body ?? layout(lang, tx(lang, 'tooMany'), `<section class="err" role="alert"><p>${tx(lang, 'tooMany')}</p></section>`));

  const hide = { hide: true } as const;

  app.get('/p', { schema: hide }, async (req, reply) => {
    const lang = langOf(req);
    return html(reply, 200, layout(lang, tx(lang, 'lookupTitle'), lookupForm(lang, preCsrf(req, reply)), { langLinks: '/p' }));
  });

  app.get('/p/:token', { schema: hide }, async (req, reply) => {
    const { token } = req.params as { token: string };
    const lang = langOf(req);
    if (opens.hit(`ip:${req.ip}`)) return tooMany(reply, lang);
    const hit = await svc.openByToken(token, (req.query as { lang?: string }).lang ? lang : undefined);
    // Unknown, tampered, revoked and expired tokens: one answer, the same bytes but the CSRF value.
    if (!hit) return html(reply, 404, unknownPage(lang, preCsrf(req, reply)));
    void reply.setCookie(PORTAL_COOKIE, hit.secret, { ...cookieOpts(req), maxAge: 2 * 3600 });
    // Off the token URL at once: it stays out of history, screenshots and shared links.
    return reply.code(303).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect('/p/order', 303);
  });

  app.post('/p/lookup', { schema: hide }, async (req, reply) => {
    let lang = langOf(req);
    if (crossSite(req)) return refused(reply, lang);
    if (lookupsByAddress.hit(`ip:${req.ip}`)) return tooMany(reply, lang);
    const form = await readForm(req);
    if (typeof form === 'string') return refused(reply, lang);
    lang = pickLanguage(first(form, 'lang'), undefined, req.headers['accept-language']);
    if (!sameToken(req.cookies?.[PORTAL_CSRF_COOKIE], first(form, 'csrf'))) return refused(reply, lang);
    const orderNumber = first(form, 'orderNumber').slice(0, 64);
    if (lookupsByOrder.hit(`order:${normaliseOrderNumber(orderNumber)}`)) return tooMany(reply, lang);
    const hit = orderNumber ? await svc.openByLookup(orderNumber, first(form, 'code').slice(0, 20), lang) : null;
    if (!hit) return html(reply, 404, unknownPage(lang, preCsrf(req, reply)));
    void reply.setCookie(PORTAL_COOKIE, hit.secret, { ...cookieOpts(req), maxAge: 2 * 3600 });
    return reply.code(303).header('cache-control', 'no-store').redirect('/p/order', 303);
  });

  const sessionOf = async (req: FastifyRequest) => svc.session(req.cookies?.[PORTAL_COOKIE]);

  const render = async (reply: FastifyReply, s: PortalSession, status: number, notice?: { kind: 'ok' | 'err'; text: string }) =>
    html(reply, status, orderPage(s.language, s.csrf, await svc.page(s), notice));

  app.get('/p/order', { schema: hide }, async (req, reply) => {
    const q = req.query as { lang?: string; done?: string };
    // Session, card, order, returns, conversation and shop in one transaction (svc.view).
    const v = await svc.view(req.cookies?.[PORTAL_COOKIE], q.lang);
    if (!v) {
      const lang = langOf(req);
      return html(reply, 404, unknownPage(lang, preCsrf(req, reply)));
    }
    const s = v.session;
    const done: Record<string, TextKey> = { return: 'returnStarted', message: 'messageSent', warranty: 'warrantyDone', preferences: 'prefsDone', csat: 'csatDone' };
    const notice = q.done && done[q.done] ? { kind: 'ok' as const, text: tx(s.language, done[q.done]!) } : undefined;
    return html(reply, 200, orderPage(s.language, s.csrf, v.page, notice));
  });

  /** Common gate of the two forms: same origin, a live session, its CSRF token, the per-order limit. */
  const gate = async (req: FastifyRequest, reply: FastifyReply): Promise<{ s: PortalSession; form: Form } | FastifyReply> => {
    const s = await sessionOf(req);
    const lang = s?.language ?? langOf(req);
    if (crossSite(req) || !s) return refused(reply, lang);
    if (writes.hit(`order:${s.orgId}:${s.orderId}`) || writes.hit(`ip:${req.ip}`)) return tooMany(reply, lang);
    const form = await readForm(req);
    if (form === 'too_large') return render(reply, s, 413, { kind: 'err', text: tx(lang, 'badFile') });
    if (form === 'not_form' || !csrfMatches(req.cookies![PORTAL_COOKIE]!, first(form, 'csrf'))) return refused(reply, lang);
    return { s, form };
  };

  /** Every refusal in the buyer's language: error codes (and eligibility reasons) → page texts, never staff English. */
  const failure = async (reply: FastifyReply, s: PortalSession, e: unknown) => {
    if (!(e instanceof AppError)) throw e;
    if (e.kind !== 'validation' && e.kind !== 'unprocessable' && !e.code.startsWith('upload.') && !e.code.startsWith('evidence.')) throw e;
    const reasons = ((e.details as { reasons?: { code: string }[] } | undefined)?.reasons ?? []).map((r) => r.code);
    const text = buyerMessageKeys(e.code, reasons).map((k) => tx(s.language, k as TextKey)).join(' ');
    return render(reply, s, 422, { kind: 'err', text });
  };

  app.post('/p/order/message', { schema: hide }, async (req, reply) => {
    const g = await gate(req, reply);
    if (!('s' in g)) return g;
    const text = first(g.form, 'text').slice(0, 4000);
    if (!text && !g.form.photo) return render(reply, g.s, 422, { kind: 'err', text: tx(g.s.language, 'errMessage') });
    try {
      await svc.write(g.s, { text: text || '(photo)', photo: g.form.photo, replyEmail: first(g.form, 'email').slice(0, 400) });
    } catch (e) {
      return failure(reply, g.s, e);
    }
    return reply.code(303).redirect('/p/order?done=message', 303);
  });

  app.post('/p/order/return', { schema: hide }, async (req, reply) => {
    const g = await gate(req, reply);
    if (!('s' in g)) return g;
    const f = g.form;
    try {
      await svc.startReturn(g.s, {
        orderLineIds: (f.fields.line ?? []).slice(0, 100),
        reasonCode: first(f, 'reason').slice(0, 100),
        resolution: first(f, 'resolution') === 'exchange' ? 'exchange' : 'refund',
        exchangeWish: first(f, 'exchangeWish').slice(0, 100),
        exchangeChoice: first(f, 'exchangeChoice').slice(0, 100),
        note: first(f, 'note').slice(0, 4000),
        replyEmail: first(f, 'email').slice(0, 400),
        photo: f.photo,
      });
    } catch (e) {
      return failure(reply, g.s, e);
    }
    return reply.code(303).redirect('/p/order?done=return', 303);
  });

  app.post('/p/order/warranty', { schema: hide }, async (req, reply) => {
    const g = await gate(req, reply);
    if (!('s' in g)) return g;
    try {
      await svc.registerWarranty(g.s, { orderLineId: first(g.form, 'line').slice(0, 100), serial: first(g.form, 'serial').slice(0, 100), replyEmail: first(g.form, 'email').slice(0, 400), proof: g.form.photo });
    } catch (e) {
      return failure(reply, g.s, e);
    }
    return reply.code(303).redirect('/p/order?done=warranty', 303);
  });

  app.post('/p/order/csat', { schema: hide }, async (req, reply) => {
    const g = await gate(req, reply);
    if (!('s' in g)) return g;
    try {
      await svc.answerCsat(g.s, Number(first(g.form, 'score') || 'NaN'));
    } catch (e) {
      return failure(reply, g.s, e);
    }
    return reply.code(303).redirect('/p/order?done=csat', 303);
  });

  app.post('/p/order/preferences', { schema: hide }, async (req, reply) => {
    const g = await gate(req, reply);
    if (!('s' in g)) return g;
    try {
      await svc.savePreferences(g.s, { birthday: first(g.form, 'birthday').slice(0, 20), birthdayConsent: first(g.form, 'birthdayConsent') === 'yes', marketingConsent: first(g.form, 'marketingConsent') === 'yes' });
    } catch (e) {
      return failure(reply, g.s, e);
    }
    return reply.code(303).redirect('/p/order?done=preferences', 303);
  });
}
