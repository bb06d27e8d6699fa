export { createLookupService, type LookupService } from './lookup.service.js';
export { lookupRoutes } from './lookup.routes.js';
export { rankHits, scoreOf } from './lookup.rules.js';
export * from './lookup.dto.js';
