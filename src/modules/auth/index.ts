export { createAuthService, userView, INVITATION_MAIL_STEP, type AuthService, type UserRow } from './auth.service.js';
export { authRoutes } from './auth.routes.js';
export { passwordWeakness, assertStrongPassword } from './auth.password.js';
export { withinRemedyLimits, defaultRemedyLimits, SESSION_COOKIE, type RemedyLimits, type LimitCheck } from './auth.rules.js';
export * from './auth.dto.js';
export { remedyLimitsOf, orgOfUserEmail, namesOf, userIn, routableAgentsIn, deskPeopleIn, firstSupervisorIn, staffEmailsIn, mailRecipientIn, type PersonRef, type DeskPerson, userEmailIn } from './auth.readers.js';

export { createAccountService, PASSWORD_RESET_MAIL_STEP, type AccountService, type MailSender } from './auth.account.js';
export { accountRoutes, registerAccountGuard } from './auth.account.routes.js';
export { accountPrivacy } from './auth.privacy.js';
export { totpCode } from './auth.totp.js';
export * from './auth.account.dto.js';
