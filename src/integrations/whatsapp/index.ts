export * from './whatsapp.js';
export { registerWhatsAppChannel, localWhatsAppInbound, type LocalWhatsAppInput } from './channel.js';
export { WhatsAppCloudProvider, messagesFromCloudWebhook, type WhatsAppCloudOptions } from './cloud.js';
