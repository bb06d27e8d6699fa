export { createOrdersService, orderView, platformReturnView, type OrdersService, type OrderRow, type OrderLineRow, type BuyerRow, type PlatformReturnRow } from './orders.service.js';
export { ordersRoutes } from './orders.routes.js';
export * from './orders.dto.js';
export { buyers as buyersTable, orders as ordersTable, orderLines as orderLinesTable, platformReturns as platformReturnsTable, type TrafficSourceType } from './orders.schema.js';
export { openReturnRequests, orgsWithOpenReturnRequests, type OpenReturnRequest } from './orders.readers.js';
export { ordersPrivacy } from './orders.privacy.js';
