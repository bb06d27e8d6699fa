import { actorOf, errors, IdParams, type Http } from '../../platform/http.js';
import { requireRole } from '../../platform/tenancy.js';
import { CreateProgrammeBody, IssueBody, LedgerList, LedgerView, PlatformCouponList, ProgrammeDetail, ProgrammeList, ProgrammesQuery, ProgrammeView, RunView, SendableQuery, SendableView, ShopQuery, SyncView, UpdateProgrammeBody } from './coupons.dto.js';
import type { CouponsService } from './coupons.service.js';

export function couponsRoutes(app: Http, svc: CouponsService): void {
  const tags = ['coupons'];
  app.get('/api/coupons/platform', { schema: { tags, operationId: 'coupons.listPlatform', summary: "The shop's platform coupons as last synced, with what keeps each from going out as a chat card", querystring: ShopQuery, response: { 200: PlatformCouponList, ...errors(404) } } }, async (req) =>
    svc.listPlatformCoupons(actorOf(req), req.query.shopId),
  );
  app.post('/api/coupons/platform/sync', { schema: { tags, operationId: 'coupons.sync', summary: "Re-read the shop's coupons from TikTok Shop now (they are created in Seller Center; the API only reads them)", body: ShopQuery, response: { 200: SyncView, ...errors(404, 409, 502) } } }, async (req) =>
    svc.syncShop(actorOf(req), req.body.shopId),
  );
  app.get('/api/coupons/programmes', { schema: { tags, operationId: 'coupons.listProgrammes', summary: 'Coupon programmes with live figures', querystring: ProgrammesQuery, response: { 200: ProgrammeList, ...errors() } } }, async (req) =>
    svc.listProgrammes(actorOf(req), { shopId: req.query.shopId }),
  );
  app.post('/api/coupons/programmes', { schema: { tags, operationId: 'coupons.createProgramme', summary: 'Create a lifecycle programme; each variant is bound to one platform coupon (422 naming the field when a coupon cannot serve it)', body: CreateProgrammeBody, response: { 200: ProgrammeView, ...errors(404, 422) } } }, async (req) => {
    const b = req.body;
    return svc.createProgramme(actorOf(req), {
      shopId: b.shopId,
      name: b.name,
      kind: b.kind,
      schedule: b.schedule,
      segment: { segments: b.segments },
      holdoutPercent: b.holdoutPercent,
      budget: b.budget,
      channel: b.channel,
      maxMinSpend: b.maxMinSpend,
      maxFaceValue: b.maxFaceValue,
      messages: b.messages,
      whatsappTemplate: b.whatsappTemplate,
      variants: b.variants.map((v) => ({ key: v.key, platformCouponId: v.platformCouponId, weight: v.weight, messages: v.messages ?? null })),
    });
  });
  app.get('/api/coupons/programmes/:id', { schema: { tags, operationId: 'coupons.getProgramme', summary: 'A programme with its report: per variant sent, redeemed (net), redemption rate, lift against the hold-out with a 95 % interval, cost and ROI; redemptions over time', params: IdParams, response: { 200: ProgrammeDetail, ...errors(404) } } }, async (req) =>
    svc.getProgramme(actorOf(req), req.params.id),
  );
  app.patch('/api/coupons/programmes/:id', { schema: { tags, operationId: 'coupons.updateProgramme', summary: 'Change, pause or resume a programme', params: IdParams, body: UpdateProgrammeBody, response: { 200: ProgrammeView, ...errors(404, 422) } } }, async (req) => {
    const b = req.body;
    return svc.updateProgramme(actorOf(req), req.params.id, { ...b, segment: b.segments ? { segments: b.segments } : undefined });
  });
  app.post('/api/coupons/programmes/run', { schema: { tags, operationId: 'coupons.runDue', summary: "Plan today's sends for the shop's active programmes now (the daily job does this by itself)", body: ShopQuery, response: { 200: RunView, ...errors(404) } } }, async (req) => {
    const actor = actorOf(req);
    requireRole(actor, ['owner', 'supervisor'], 'running coupon programmes');
    await svc.listPlatformCoupons(actor, req.body.shopId);
    return svc.runDue(actor.orgId, req.body.shopId);
  });
  app.get('/api/coupons/sendable', { schema: { tags, operationId: 'coupons.sendable', summary: "Coupons that may be sent to this buyer now, with the contact policy's answer", querystring: SendableQuery, response: { 200: SendableView, ...errors(404) } } }, async (req) =>
    svc.sendableFor(actorOf(req), req.query),
  );
  app.post('/api/coupons/issue', { schema: { tags, operationId: 'coupons.issue', summary: 'Send one platform coupon to one buyer as a chat card (outbox step; once per coupon, buyer and day)', body: IssueBody, response: { 200: LedgerView, ...errors(404, 422) } } }, async (req) =>
    svc.issue(actorOf(req), req.body),
  );
  app.get('/api/coupons/buyers/:id/ledger', { schema: { tags, operationId: 'coupons.buyerLedger', summary: "A buyer's coupons: planned, sent, redeemed, expired, voided, clawed back", params: IdParams, response: { 200: LedgerList, ...errors(404) } } }, async (req) =>
    svc.ledgerOfBuyer(actorOf(req), req.params.id),
  );
}
