export * from './email.js';
export { ImapSmtpEmailProvider, type ImapSmtpOptions } from './imap-smtp.js';
export { registerEmailChannel, pollEmail, localEmailInbound, type LocalEmailInput } from './channel.js';
