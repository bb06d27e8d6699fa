export * from './whatsapp.js';
export { registerWhatsAppChannel, localWhatsAppInbound, type LocalWhatsAppInput } from './channel.js';
