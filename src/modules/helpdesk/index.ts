export { createHelpdeskService, ticketView, messageView, macroView, replyHandlerFor, type HelpdeskService, type TicketRow, type MessageRow, type MacroRow } from './helpdesk.service.js';
export * from './helpdesk.dto.js';
export { helpdeskOrdersPort, type HelpdeskPorts, type SlaPort, type RecordEvidence, type EvidenceInput, type FilesPort, type OrdersPort, type OrderFacts, type StoredFile, type OrdersLike } from './helpdesk.ports.js';
export { detectLanguage, routeTicket, renderMacro, queueFor, trackingUrl, HISTORY_HORIZON_MS, HISTORY_ANSWERED, HISTORY_UNANSWERED } from './helpdesk.rules.js';
export { DEFAULT_MACROS } from './helpdesk.macros.js';
export { buyersWithTicketContact, buyerChatFacts, ticketExists } from './helpdesk.readers.js';
export { seedHelpdeskDemo, type HelpdeskDemoDeps } from './helpdesk.seed.js';
export { registerHelpdeskHandlers } from './helpdesk.jobs.js';
export { helpdeskPrivacy } from './helpdesk.privacy.js';
