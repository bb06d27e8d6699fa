export { createPortalService, type PortalService, type PortalPorts, type PortalDeps, type PortalSession } from './portal.service.js';
export { portalRoutes, portalPublicRoutes, PORTAL_PAGES, PORTAL_COOKIE, PORTAL_CSRF_COOKIE, type PortalPublicOptions } from './portal.routes.js';
export { renderCards, hoursLine, policyLine, CARD_SIZES, type CardSize } from './portal.cards.js';
export * from './portal.rules.js';
export * from './portal.dto.js';
export { portalPrivacy } from './portal.privacy.js';
export { registerPortalHandlers } from './portal.jobs.js';
