import { actorOf, errors, IdParams, type Http } from '../../platform/http.js';
import { pageOf } from '../../platform/pagination.js';
import { BuyerListQuery, BuyerSummaryView, OrderListQuery, OrderSummaryView, BuyerView, OrderSidebarView, OrderView, PlatformReturnFilter, PlatformReturnView } from './orders.dto.js';
import type { OrdersService } from './orders.service.js';

export function ordersRoutes(app: Http, svc: OrdersService): void {
  const tags = ['orders'];
  app.get(
    '/api/orders',
    {
      schema: {
        tags,
        operationId: 'orders.list',
        summary: 'Orders, newest first; q matches the platform order number or tracking number exactly, the buyer name or e-mail in part; cursor pagination',
        querystring: OrderListQuery,
        response: { 200: pageOf(OrderSummaryView), ...errors() },
      },
    },
    async (req) => svc.pageOrders(actorOf(req), req.query),
  );
  app.get(
    '/api/buyers',
    {
      schema: {
        tags,
        operationId: 'buyers.list',
        summary: 'Customers, newest first, with order count and lifetime value; q matches name, e-mail, platform buyer id or an order number; cursor pagination',
        querystring: BuyerListQuery,
        response: { 200: pageOf(BuyerSummaryView), ...errors() },
      },
    },
    async (req) => svc.pageBuyers(actorOf(req), req.query),
  );
  app.get(
    '/api/orders/:id',
    { schema: { tags, operationId: 'orders.get', summary: 'One order with its lines (one line per unit) and traffic sources', params: IdParams, response: { 200: OrderView, ...errors(404) } } },
    async (req) => svc.getOrder(actorOf(req), req.params.id),
  );
  app.get(
    '/api/orders/:id/sidebar',
    {
      schema: {
        tags,
        operationId: 'orders.sidebar',
        summary: 'Order sidebar for the inbox: lines, delivery and tracking, buyer return history and lifetime value',
        params: IdParams,
        response: { 200: OrderSidebarView, ...errors(404) },
      },
    },
    async (req) => svc.getOrderSidebar(actorOf(req), req.params.id),
  );
  app.get(
    '/api/buyers/:id',
    { schema: { tags, operationId: 'buyers.get', summary: 'A buyer with lifetime value (minor units) and order count', params: IdParams, response: { 200: BuyerView, ...errors(404) } } },
    async (req) => svc.getBuyer(actorOf(req), req.params.id),
  );
  app.get(
    '/api/platform-returns',
    {
      schema: {
        tags,
        operationId: 'platformReturns.list',
        summary: 'Platform after-sales requests (TikTok returns, refunds, replacements, cancellations), newest first; cursor pagination',
        querystring: PlatformReturnFilter,
        response: { 200: pageOf(PlatformReturnView), ...errors() },
      },
    },
    async (req) => svc.pagePlatformReturns(actorOf(req), req.query),
  );
  app.get(
    '/api/platform-returns/:id',
    { schema: { tags, operationId: 'platformReturns.get', summary: 'One platform after-sales request', params: IdParams, response: { 200: PlatformReturnView, ...errors(404) } } },
    async (req) => svc.getPlatformReturn(actorOf(req), req.params.id),
  );
}
