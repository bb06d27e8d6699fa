export { recordAudit, recordMembershipChange, recordCouponBudgetChange, createAuditService, auditEventView, type AuditInput, type RecordAudit, type AuditService } from './audit.service.js';
export { auditRoutes } from './audit.routes.js';
export { auditPrivacy } from './audit.privacy.js';
export { AUDIT_ACTIONS, auditActorOf, diffStates, changedOnly, coarseIp, type AuditAction, type AuditActor, type FieldChange } from './audit.rules.js';
export * from './audit.dto.js';
