export { createIncidentsService, incidentView, INCIDENT_CHAT_HANDLER, INCIDENT_EMAIL_HANDLER, INCIDENT_TEST_MAIL_HANDLER, INCIDENT_WHATSAPP_HANDLER, INCIDENT_WHATSAPP_TEMPLATE, SENDABLE_CHANNELS, type IncidentsService, type IncidentsPorts, type IncidentsDeps } from './incidents.service.js';
export { incidentsRoutes } from './incidents.routes.js';
export { registerIncidentJobs, PROPOSE_JOB, REFRESH_JOB } from './incidents.jobs.js';
export { incidentsPrivacy } from './incidents.privacy.js';
export * from './incidents.rules.js';
export * from './incidents.dto.js';
export { csvHeader } from './incidents.lots.rules.js';
