export * from './whatsapp.js';
export { localWhatsAppInbound, type LocalWhatsAppInput } from './channel.js';
export { WhatsAppCloudProvider, parseCloudWebhook, hubSignature, verifyHubSignature, type WhatsAppCloudOptions } from './cloud.js';
export { createWhatsAppNumbers, FETCH_MEDIA, type WhatsAppNumbers } from './numbers.js';
export { whatsappRoutes } from './whatsapp.routes.js';
export { startWhatsAppStandIn, type WhatsAppStandIn } from './standin.js';
