export { createRemediesService, settingsDefaults, RECONCILE_HANDLER, MESSAGE_HANDLER, RESHIP_HANDLER, RESHIP_CANCEL_HANDLER, type RemediesService, type RemedyRow, type StepView, type HoldReport } from './remedies.service.js';
export { registerRemedyHandlers, remediesOrdersPort, ticketsPortFrom } from './remedies.wiring.js';
export { remediesRoutes } from './remedies.routes.js';
export * from './remedies.rules.js';
export * from './remedies.dto.js';
export type { RemediesPorts, OrdersPort, TicketsPort, ReturnsPort, OrderInfo, OrderLineInfo, EvidenceInput, RecordEvidence } from './remedies.ports.js';
export { remedyMessage, returnInstructions, buyerLanguage } from './remedies.texts.js';
export { remediesPrivacy } from './remedies.privacy.js';
export { approvalsWaitingCount } from './remedies.readers.js';
