import type { PortalLanguage } from './portal.rules.js';

/** Every text a buyer sees, on the card and the page, in the five buyer languages. */
const T = {
  cardTitle: { en: 'Need help with your order?', de: 'Hilfe zu Ihrer Bestellung?', fr: 'Besoin d’aide pour votre commande\u00a0?', it: 'Serve aiuto con il tuo ordine?', es: '¿Necesitas ayuda con tu pedido?' },
  cardIntro: { en: 'Contact us first — we answer in your language.', de: 'Schreiben Sie uns zuerst – wir antworten in Ihrer Sprache.', fr: 'Contactez-nous d’abord\u00a0: nous répondons dans votre langue.', it: 'Contattaci prima: rispondiamo nella tua lingua.', es: 'Contáctanos primero: respondemos en tu idioma.' },
  scan: { en: 'Scan for returns, problems and warranty', de: 'Scannen für Rückgabe, Probleme und Garantie', fr: 'Scannez pour retours, problèmes et garantie', it: 'Scansiona per resi, problemi e garanzia', es: 'Escanea para devoluciones, problemas y garantía' },
  phone: { en: 'Phone', de: 'Telefon', fr: 'Téléphone', it: 'Telefono', es: 'Teléfono' },
  email: { en: 'E-mail', de: 'E-Mail', fr: 'E-mail', it: 'E-mail', es: 'Correo' },
  whatsapp: { en: 'WhatsApp', de: 'WhatsApp', fr: 'WhatsApp', it: 'WhatsApp', es: 'WhatsApp' },
  hours: { en: 'Support hours', de: 'Servicezeiten', fr: 'Horaires du service', it: 'Orari di assistenza', es: 'Horario de atención' },
  closed: { en: 'closed', de: 'geschlossen', fr: 'fermé', it: 'chiuso', es: 'cerrado' },
  code: { en: 'Order code', de: 'Bestellcode', fr: 'Code de commande', it: 'Codice ordine', es: 'Código del pedido' },
  policyDays: { en: '{days}-day returns', de: '{days} Tage Rückgaberecht', fr: 'Retours sous {days} jours', it: 'Reso entro {days} giorni', es: 'Devoluciones en {days} días' },
  policyNoReason: { en: ', no reason needed', de: ', ohne Angabe von Gründen', fr: ', sans justification', it: ', senza motivazione', es: ', sin necesidad de motivo' },
  policyFreeShip: { en: '; return shipping paid by us', de: '; Rückversand zahlen wir', fr: '; retour à nos frais', it: '; spedizione di reso a nostro carico', es: '; envío de devolución a nuestro cargo' },
  policyBuyerShip: { en: '; return shipping paid by you', de: '; Rückversand zahlen Sie', fr: '; retour à votre charge', it: '; spedizione di reso a tuo carico', es: '; envío de devolución a tu cargo' },
  // page
  pageTitle: { en: 'Your order', de: 'Ihre Bestellung', fr: 'Votre commande', it: 'Il tuo ordine', es: 'Tu pedido' },
  unknown: { en: 'This link or code is not valid (any more). Check the code on your card, or contact us.', de: 'Dieser Link oder Code ist nicht (mehr) gültig. Prüfen Sie den Code auf Ihrer Karte oder schreiben Sie uns.', fr: 'Ce lien ou ce code n’est pas (ou plus) valable. Vérifiez le code de votre carte ou contactez-nous.', it: 'Questo link o codice non è (più) valido. Controlla il codice sulla tua scheda o contattaci.', es: 'Este enlace o código no es válido (o ha caducado). Revisa el código de tu tarjeta o contáctanos.' },
  lookupTitle: { en: 'Find your order', de: 'Bestellung finden', fr: 'Retrouver votre commande', it: 'Trova il tuo ordine', es: 'Encuentra tu pedido' },
  orderNumber: { en: 'Order number', de: 'Bestellnummer', fr: 'Numéro de commande', it: 'Numero d’ordine', es: 'Número de pedido' },
  open: { en: 'Open', de: 'Öffnen', fr: 'Ouvrir', it: 'Apri', es: 'Abrir' },
  tooMany: { en: 'Too many attempts. Please wait a minute and try again.', de: 'Zu viele Versuche. Bitte warten Sie eine Minute.', fr: 'Trop de tentatives. Patientez une minute.', it: 'Troppi tentativi. Attendi un minuto.', es: 'Demasiados intentos. Espera un minuto.' },
  delivery: { en: 'Delivery', de: 'Lieferung', fr: 'Livraison', it: 'Consegna', es: 'Entrega' },
  delivered: { en: 'Delivered', de: 'Zugestellt', fr: 'Livré', it: 'Consegnato', es: 'Entregado' },
  inTransit: { en: 'On its way', de: 'Unterwegs', fr: 'En route', it: 'In viaggio', es: 'En camino' },
  items: { en: 'Items', de: 'Artikel', fr: 'Articles', it: 'Articoli', es: 'Artículos' },
  returns: { en: 'Your returns', de: 'Ihre Rücksendungen', fr: 'Vos retours', it: 'I tuoi resi', es: 'Tus devoluciones' },
  startReturn: { en: 'Start a return', de: 'Rücksendung starten', fr: 'Demander un retour', it: 'Avvia un reso', es: 'Iniciar una devolución' },
  reason: { en: 'Reason', de: 'Grund', fr: 'Motif', it: 'Motivo', es: 'Motivo' },
  resolution: { en: 'I would like', de: 'Ich möchte', fr: 'Je souhaite', it: 'Vorrei', es: 'Quiero' },
  refund: { en: 'a refund', de: 'eine Erstattung', fr: 'un remboursement', it: 'un rimborso', es: 'un reembolso' },
  exchange: { en: 'an exchange', de: 'einen Umtausch', fr: 'un échange', it: 'un cambio', es: 'un cambio' },
  note: { en: 'What happened?', de: 'Was ist passiert?', fr: 'Que s’est-il passé\u00a0?', it: 'Cosa è successo?', es: '¿Qué ha pasado?' },
  photo: { en: 'Photo (optional unless asked)', de: 'Foto (optional, außer wenn verlangt)', fr: 'Photo (facultative sauf si demandée)', it: 'Foto (facoltativa salvo richiesta)', es: 'Foto (opcional salvo que se pida)' },
  send: { en: 'Send', de: 'Senden', fr: 'Envoyer', it: 'Invia', es: 'Enviar' },
  writeUs: { en: 'Write to us', de: 'Schreiben Sie uns', fr: 'Écrivez-nous', it: 'Scrivici', es: 'Escríbenos' },
  message: { en: 'Your message', de: 'Ihre Nachricht', fr: 'Votre message', it: 'Il tuo messaggio', es: 'Tu mensaje' },
  conversation: { en: 'Conversation', de: 'Unterhaltung', fr: 'Conversation', it: 'Conversazione', es: 'Conversación' },
  you: { en: 'You', de: 'Sie', fr: 'Vous', it: 'Tu', es: 'Tú' },
  us: { en: 'Support', de: 'Kundenservice', fr: 'Service client', it: 'Assistenza', es: 'Atención al cliente' },
  returnStarted: { en: 'Your return has been started. We will reply here.', de: 'Ihre Rücksendung wurde gestartet. Wir antworten hier.', fr: 'Votre retour est enregistré. Nous répondrons ici.', it: 'Il reso è stato avviato. Risponderemo qui.', es: 'Tu devolución se ha iniciado. Responderemos aquí.' },
  messageSent: { en: 'Thank you — your message has reached us.', de: 'Danke – Ihre Nachricht ist bei uns angekommen.', fr: 'Merci, votre message nous est parvenu.', it: 'Grazie, abbiamo ricevuto il tuo messaggio.', es: 'Gracias, hemos recibido tu mensaje.' },
  notEligible: { en: 'This return is not possible:', de: 'Diese Rücksendung ist nicht möglich:', fr: 'Ce retour n’est pas possible :', it: 'Questo reso non è possibile:', es: 'Esta devolución no es posible:' },
  badFile: { en: 'This file cannot be accepted (only photos and short videos, within the size limit).', de: 'Diese Datei kann nicht angenommen werden (nur Fotos und kurze Videos innerhalb der Größengrenze).', fr: 'Ce fichier ne peut pas être accepté (photos et courtes vidéos uniquement, taille limitée).', it: 'Questo file non può essere accettato (solo foto e brevi video, entro il limite di dimensione).', es: 'Este archivo no se puede aceptar (solo fotos y vídeos cortos, dentro del límite de tamaño).' },
  expired: { en: 'Your session has expired. Please scan your card again.', de: 'Ihre Sitzung ist abgelaufen. Bitte scannen Sie Ihre Karte erneut.', fr: 'Votre session a expiré. Scannez à nouveau votre carte.', it: 'La sessione è scaduta. Scansiona di nuovo la scheda.', es: 'Tu sesión ha caducado. Vuelve a escanear tu tarjeta.' },
  attachments: { en: 'Attachments', de: 'Anhänge', fr: 'Pièces jointes', it: 'Allegati', es: 'Adjuntos' },
  language: { en: 'Language', de: 'Sprache', fr: 'Langue', it: 'Lingua', es: 'Idioma' },
  requested: { en: 'Requested', de: 'Angefragt', fr: 'Demandé', it: 'Richiesto', es: 'Solicitado' },
  received: { en: 'Received by us', de: 'Bei uns eingegangen', fr: 'Reçu', it: 'Ricevuto', es: 'Recibido' },
  inspected: { en: 'Checked', de: 'Geprüft', fr: 'Vérifié', it: 'Controllato', es: 'Revisado' },
  refunded: { en: 'Refunded', de: 'Erstattet', fr: 'Remboursé', it: 'Rimborsato', es: 'Reembolsado' },
  closedStep: { en: 'Closed', de: 'Abgeschlossen', fr: 'Clôturé', it: 'Chiuso', es: 'Cerrado' },
  days: { en: 'Mon,Tue,Wed,Thu,Fri,Sat,Sun', de: 'Mo,Di,Mi,Do,Fr,Sa,So', fr: 'lun,mar,mer,jeu,ven,sam,dim', it: 'lun,mar,mer,gio,ven,sab,dom', es: 'lun,mar,mié,jue,vie,sáb,dom' },
} as const;

export type TextKey = keyof typeof T;

export function tx(lang: PortalLanguage, key: TextKey, vars: Record<string, string | number> = {}): string {
  return T[key][lang].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

export const LANGUAGE_NAMES: Record<PortalLanguage, string> = { en: 'English', de: 'Deutsch', fr: 'Français', it: 'Italiano', es: 'Español' };
