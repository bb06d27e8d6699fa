export { createAuthService, userView, type AuthService, type UserRow } from './auth.service.js';
export { authRoutes } from './auth.routes.js';
export { passwordWeakness, assertStrongPassword } from './auth.password.js';
export { withinRemedyLimits, defaultRemedyLimits, SESSION_COOKIE, type RemedyLimits, type LimitCheck } from './auth.rules.js';
export * from './auth.dto.js';
export { remedyLimitsOf, orgOfUserEmail, userIn, routableAgentsIn, deskPeopleIn, firstSupervisorIn, staffEmailsIn, type PersonRef, type DeskPerson } from './auth.readers.js';
