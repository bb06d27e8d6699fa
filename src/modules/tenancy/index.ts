export { createTenancyService, shopView, type TenancyService, type ShopRow, type BrandRow, type OrganisationRow } from './tenancy.service.js';
export { tenancyRoutes } from './tenancy.routes.js';
export { publicHolidays, marketDefaults, defaultBusinessHours, MARKET_DEFAULTS, type Holiday } from './tenancy.rules.js';
export * from './tenancy.dto.js';
export { shopIn, shopBindingsIn, shopsBoundTo, shopOfTikTokShop, bindTikTokShop, unbindTikTokShop, organisationsByIds, brandsIn, shopIdsOfBrands, orgOfShop } from './tenancy.readers.js';
