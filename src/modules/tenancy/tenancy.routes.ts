import { z } from 'zod';
import { actorOf, IdParams, type Http } from '../../platform/http.js';
import { CreateBrand, CreateShop, ShopView, UpdateShop } from './tenancy.dto.js';
import { publicHolidays } from './tenancy.rules.js';
import { shopView, type TenancyService } from './tenancy.service.js';

const BrandView = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });
const brandView = (b: { id: string; name: string; createdAt: Date }) => ({ id: b.id, name: b.name, createdAt: b.createdAt.toISOString() });

export function tenancyRoutes(app: Http, svc: TenancyService): void {
  const tags = ['shops'];
  app.get('/api/organisation', { schema: { tags, summary: 'The signed-in user\'s organisation' } }, async (req) => {
    const o = await svc.getOrganisation(actorOf(req));
    return { id: o.orgId, name: o.name, kind: o.kind, defaultLocale: o.defaultLocale };
  });

  app.get('/api/brands', { schema: { tags, summary: 'List client brands', response: { 200: z.object({ items: z.array(BrandView) }) } } }, async (req) => ({
    items: (await svc.listBrands(actorOf(req))).map(brandView),
  }));
  app.get('/api/brands/:id', { schema: { tags, params: IdParams, response: { 200: BrandView } } }, async (req) => brandView(await svc.getBrand(actorOf(req), req.params.id)));
  app.post('/api/brands', { schema: { tags, summary: 'Create a client brand', body: CreateBrand, response: { 201: BrandView } } }, async (req, reply) => {
    reply.code(201);
    return brandView(await svc.createBrand(actorOf(req), req.body));
  });

  app.get('/api/shops', { schema: { tags, summary: 'List shops', response: { 200: z.object({ items: z.array(ShopView) }) } } }, async (req) => ({
    items: (await svc.listShops(actorOf(req))).map(shopView),
  }));
  app.get('/api/shops/:id', { schema: { tags, params: IdParams, response: { 200: ShopView } } }, async (req) => shopView(await svc.getShop(actorOf(req), req.params.id)));
  app.post('/api/shops', { schema: { tags, summary: 'Create a shop (defaults come from its market)', body: CreateShop, response: { 201: ShopView } } }, async (req, reply) => {
    reply.code(201);
    return shopView(await svc.createShop(actorOf(req), req.body));
  });
  app.patch('/api/shops/:id', { schema: { tags, params: IdParams, body: UpdateShop, response: { 200: ShopView } } }, async (req) =>
    shopView(await svc.updateShop(actorOf(req), req.params.id, req.body)),
  );
  app.get(
    '/api/shops/:id/holidays',
    {
      schema: {
        tags,
        summary: "Public holidays of the shop's market and region (date-holidays)",
        params: IdParams,
        querystring: z.strictObject({ year: z.coerce.number().int().min(2000).max(2100).optional() }),
        response: { 200: z.object({ year: z.number(), items: z.array(z.object({ date: z.string(), name: z.string() })) }) },
      },
    },
    async (req) => {
      const shop = await svc.getShop(actorOf(req), req.params.id);
      const year = req.query.year ?? new Date().getUTCFullYear();
      return { year, items: publicHolidays(shop.market, shop.region, year) };
    },
  );
}
