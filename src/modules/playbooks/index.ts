export { createPlaybooksService, noticeView, SEND_NOTICE_HANDLER, type PlaybooksService, type PlaybooksPorts } from './playbooks.service.js';
export { playbooksRoutes } from './playbooks.routes.js';
export { registerPlaybooksJobs, NOTICES_RUN_JOB } from './playbooks.jobs.js';
export { playbooksPrivacy } from './playbooks.privacy.js';
export * from './playbooks.rules.js';
export * from './playbooks.dto.js';
