import { z } from 'zod';
import { actorOf, errors, IdParams, type Http } from '../../platform/http.js';
import { BrandView, CreateBrand, CreateShop, OrganisationView, ShopView, UpdateShop } from './tenancy.dto.js';
import { publicHolidays } from './tenancy.rules.js';
import { shopView, type TenancyService } from './tenancy.service.js';

const brandView = (b: { id: string; name: string; createdAt: Date }) => ({ id: b.id, name: b.name, createdAt: b.createdAt.toISOString() });

export function tenancyRoutes(app: Http, svc: TenancyService): void {
  const tags = ['shops'];
  app.get('/api/organisation', { schema: { operationId: 'organisation.get', tags, summary: 'The signed-in user\'s organisation', response: { 200: OrganisationView, ...errors() } } }, async (req) => {
    const o = await svc.getOrganisation(actorOf(req));
    return { id: o.orgId, name: o.name, kind: o.kind, defaultLocale: o.defaultLocale };
  });

  app.get('/api/brands', { schema: { operationId: 'brands.list', tags, summary: 'List client brands', response: { 200: z.object({ items: z.array(BrandView) }), ...errors() } } }, async (req) => ({
    items: (await svc.listBrands(actorOf(req))).map(brandView),
  }));
  app.get('/api/brands/:id', { schema: { operationId: 'brands.get', tags, params: IdParams, response: { 200: BrandView, ...errors(404) } } }, async (req) => brandView(await svc.getBrand(actorOf(req), req.params.id)));
  app.post('/api/brands', { schema: { operationId: 'brands.create', tags, summary: 'Create a client brand', body: CreateBrand, response: { 201: BrandView, ...errors(409) } } }, async (req, reply) => {
    reply.code(201);
    return brandView(await svc.createBrand(actorOf(req), req.body));
  });

  app.get('/api/shops', { schema: { operationId: 'shops.list', tags, summary: 'List shops', response: { 200: z.object({ items: z.array(ShopView) }), ...errors() } } }, async (req) => ({
    items: (await svc.listShops(actorOf(req))).map(shopView),
  }));
  app.get('/api/shops/:id', { schema: { operationId: 'shops.get', tags, params: IdParams, response: { 200: ShopView, ...errors(404) } } }, async (req) => shopView(await svc.getShop(actorOf(req), req.params.id)));
  app.post('/api/shops', { schema: { operationId: 'shops.create', tags, summary: 'Create a shop (defaults come from its market)', body: CreateShop, response: { 201: ShopView, ...errors(404, 409) } } }, async (req, reply) => {
    reply.code(201);
    return shopView(await svc.createShop(actorOf(req), req.body));
  });
  app.patch('/api/shops/:id', { schema: { operationId: 'shops.update', tags, params: IdParams, body: UpdateShop, response: { 200: ShopView, ...errors(404, 409) } } }, async (req) =>
    shopView(await svc.updateShop(actorOf(req), req.params.id, req.body)),
  );
  app.get(
    '/api/shops/:id/holidays',
    {
      schema: { operationId: 'shops.holidays',
        tags,
        summary: "Public holidays of the shop's market and region (date-holidays)",
        params: IdParams,
        querystring: z.strictObject({ year: z.coerce.number().int().min(2000).max(2100).optional() }),
        response: { 200: z.object({ year: z.number(), items: z.array(z.object({ date: z.string(), name: z.string() })) }), ...errors(404) },
      },
    },
    async (req) => {
      const shop = await svc.getShop(actorOf(req), req.params.id);
      const year = req.query.year ?? new Date().getUTCFullYear();
      return { year, items: publicHolidays(shop.market, shop.region, year) };
    },
  );
}
