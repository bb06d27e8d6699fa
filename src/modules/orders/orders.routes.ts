import { z } from 'zod';
import { actorOf, IdParams, type Http } from '../../platform/http.js';
import { BuyerView, OrderSidebarView, OrderView, PlatformReturnFilter, PlatformReturnView } from './orders.dto.js';
import type { OrdersService } from './orders.service.js';

export function ordersRoutes(app: Http, svc: OrdersService): void {
  const tags = ['orders'];
  app.get('/api/orders/:id', { schema: { tags, summary: 'One order with its lines (one line per unit) and traffic sources', params: IdParams, response: { 200: OrderView } } }, async (req) =>
    svc.getOrder(actorOf(req), req.params.id),
  );
  app.get(
    '/api/orders/:id/sidebar',
    { schema: { tags, summary: 'Order sidebar for the inbox: lines, delivery and tracking, buyer return history and lifetime value', params: IdParams, response: { 200: OrderSidebarView } } },
    async (req) => svc.getOrderSidebar(actorOf(req), req.params.id),
  );
  app.get('/api/buyers/:id', { schema: { tags, summary: 'A buyer with lifetime value (minor units) and order count', params: IdParams, response: { 200: BuyerView } } }, async (req) =>
    svc.getBuyer(actorOf(req), req.params.id),
  );
  app.get(
    '/api/platform-returns',
    { schema: { tags, summary: 'Platform after-sales requests (TikTok returns, refunds, replacements, cancellations)', querystring: PlatformReturnFilter, response: { 200: z.object({ items: z.array(PlatformReturnView) }) } } },
    async (req) => ({ items: await svc.listPlatformReturns(actorOf(req), req.query) }),
  );
  app.get('/api/platform-returns/:id', { schema: { tags, summary: 'One platform after-sales request', params: IdParams, response: { 200: PlatformReturnView } } }, async (req) =>
    svc.getPlatformReturn(actorOf(req), req.params.id),
  );
}
