export * from './email.js';
export { registerEmailChannel, localEmailInbound, type LocalEmailInput, type ShopMailSender } from './channel.js';
export { createMailboxes, mailboxView, MAX_MAIL_BYTES, type Mailboxes } from './mailboxes.js';
export { emailRoutes } from './email.routes.js';
export { createInstallationMail, passwordResetSender, sendInvitationMail, type InstallationMail } from './installation.js';
export { channelsPrivacy } from './channels.privacy.js';
