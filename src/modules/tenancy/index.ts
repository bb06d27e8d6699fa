export { createTenancyService, shopView, type TenancyService, type ShopRow, type BrandRow, type OrganisationRow } from './tenancy.service.js';
export { tenancyRoutes } from './tenancy.routes.js';
export { publicHolidays, marketDefaults, defaultBusinessHours, MARKET_DEFAULTS, type Holiday } from './tenancy.rules.js';
export * from './tenancy.dto.js';
export { shops as shopsTable, brands as brandsTable, organisations as organisationsTable } from './tenancy.schema.js';
export { shopIn } from './tenancy.readers.js';
