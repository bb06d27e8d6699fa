export { createOutreachService, type OutreachService, type ContactRequest } from './outreach.service.js';
export { decideContact, chatReachable, quietUntil, DEFAULT_POLICY, CHAT_WINDOW_DAYS, ORDER_WINDOW_DAYS, type ContactDecision, type ContactReason, type ContactPolicy, type Purpose, type Channel as OutreachChannel, type Reach } from './outreach.rules.js';
export { outreachPrivacy } from './outreach.privacy.js';
