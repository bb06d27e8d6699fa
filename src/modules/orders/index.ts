export { createOrdersService, likePattern, orderView, platformReturnView, type OrdersService, type OrderRow, type OrderLineRow, type BuyerRow, type PlatformReturnRow } from './orders.service.js';
export { ordersRoutes } from './orders.routes.js';
export * from './orders.dto.js';
export type { TrafficSourceType } from './orders.schema.js';
export { lineProductsOf } from './orders.readers.js';
export { openReturnRequests, orgsWithOpenReturnRequests, ordersByExternalIds, trafficSourcesOf, setLineSources, orgsHoldingBuyer, buyersMatching, ordersMatching, orderLabels, orderIdsPlacedSince, buyerShopFacts, buyerShopFactsOf, buyerShopFactsQuery, buyersChangedSinceQuery, dueBuyerCandidates, buyerOrdersBetween, orderOutcomes, buyerPlatformIds, averageOrderValueBefore, ordersForProductTrigger, productsSold, type OpenReturnRequest, type BuyerMatch, type OrderMatch, type BuyerShopFacts, productHistory, buyersMatchingPattern, linesOfPlatformOrders, sourcesSold, productsSoldInShop, complaintCounts, type ComplaintCount, type OrderLinePattern, type PatternBuyer } from './orders.readers.js';
export { ordersPrivacy } from './orders.privacy.js';
export { orderViewIn, orderViewJson, orderViewFromJson } from './orders.readers.js';
