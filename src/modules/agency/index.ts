export { createAgencyService, type AgencyService } from './agency.service.js';
export { agencyRoutes } from './agency.routes.js';
export * from './agency.dto.js';
