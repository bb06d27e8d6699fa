import { systemActor, type Actor } from '../../platform/tenancy.js';
import type { InboundMessage } from './helpdesk.dto.js';
import type { HelpdeskService } from './helpdesk.service.js';

/**
 * Demo tickets: e-mail and WhatsApp conversations in en/de/fr/it/es about the things buyers of
 * high-ticket goods actually write about. Idempotent: message ids are fixed, so a second run adds
 * nothing (ingest dedupes) and replies are only written for tickets created in this run.
 */

interface DemoThread {
  market: string;
  channel: 'email' | 'whatsapp' | 'livestream';
  key: string;
  buyer: { name: string; email?: string; phone?: string };
  subject?: string;
  /** Minutes before now, oldest first. */
  messages: { ago: number; text: string }[];
  reply?: { agentEmail: string; text: string; status?: 'waiting_on_buyer' | 'waiting_on_warehouse' | 'solved' };
  note?: { agentEmail: string; text: string };
  tags?: string[];
  priority?: 'high' | 'urgent';
  livestreamSessionId?: string;
}

const THREADS: DemoThread[] = [
  {
    market: 'US',
    channel: 'email',
    key: 'us-anc-noise',
    buyer: { name: 'Jordan Miller', email: 'jordan.miller@example.com' },
    subject: 'Noise cancelling stopped working',
    messages: [
      {
        ago: 190,
        text: 'Hi there,\n\nI bought the Voltix Aura ANC headphones three weeks ago. Since yesterday the noise cancelling only works on the right side — the left cup just hisses. I already reset them twice following the manual.\n\nCan you help? I use them every day on my commute.\n\nThanks,\nJordan',
      },
    ],
    tags: ['defect'],
  },
  {
    market: 'US',
    channel: 'whatsapp',
    key: 'us-es-wismo',
    buyer: { name: 'Lucía Fernández', phone: '+1 305 555 0182' },
    messages: [
      { ago: 75, text: 'Hola, compré la barra de sonido hace diez días y el seguimiento dice "etiqueta creada" desde entonces. ¿Me pueden decir cuándo llega?' },
      { ago: 40, text: 'El número de pedido es 5770012398411. Gracias.' },
    ],
  },
  {
    market: 'GB',
    channel: 'email',
    key: 'gb-wrong-colour',
    buyer: { name: 'Olivia Hughes', email: 'olivia.hughes@example.co.uk' },
    subject: 'Speaker colour is not what I ordered',
    messages: [{ ago: 520, text: 'Hello,\n\nI ordered the Pulse Mini speaker in "sage green" but the one that arrived is clearly grey. It was a birthday present, so I would like the right colour before Saturday if at all possible.\n\nKind regards,\nOlivia Hughes' }],
    reply: {
      agentEmail: 'agent.en@demo.afterdesk.dev',
      text: 'Hi Olivia,\n\nsorry about the mix-up! Could you send us a photo of the speaker and the label on the box? Then we can ship the sage green one straight away.\n\nBest regards,\nVoltix UK',
      status: 'waiting_on_buyer',
    },
  },
  {
    market: 'GB',
    channel: 'livestream',
    key: 'gb-live-bundle',
    buyer: { name: 'Aaron Patel' },
    messages: [{ ago: 30, text: 'Bought the earbuds + charging case bundle in your live on Sunday but only the earbuds came. The case was part of the live deal!' }],
    livestreamSessionId: 'live-2026-w47-sun',
    priority: 'high',
  },
  {
    market: 'DE',
    channel: 'email',
    key: 'de-tarnished',
    buyer: { name: 'Katharina Vogel', email: 'k.vogel@example.de' },
    subject: 'Kette nach zwei Wochen angelaufen',
    messages: [
      {
        ago: 310,
        text: 'Guten Tag,\n\nich habe vor zwei Wochen die Kette „Luna“ aus Sterlingsilber gekauft. Nach nur wenigen Tagen Tragen ist sie an mehreren Stellen dunkel angelaufen. Für den Preis hätte ich deutlich mehr erwartet.\n\nIch hätte gern einen Ersatz oder mein Geld zurück.\n\nMit freundlichen Grüßen\nKatharina Vogel',
      },
    ],
    note: { agentEmail: 'agent.eu@demo.afterdesk.dev', text: 'Third tarnish complaint for Luna this month — checked with the supplier, batch L-0925 affected.' },
    tags: ['quality'],
  },
  {
    market: 'DE',
    channel: 'whatsapp',
    key: 'de-size-ring',
    buyer: { name: 'Tobias Krüger', phone: '+49 151 2345 6789' },
    messages: [{ ago: 55, text: 'Hallo! Der Ring ist leider eine Nummer zu klein. Kann ich ihn gegen Größe 60 umtauschen? Verpackung ist noch original.' }],
    reply: {
      agentEmail: 'agent.eu@demo.afterdesk.dev',
      text: 'Hallo Tobias, klar, das machen wir! Wir schicken Ihnen gleich ein Rücksendeetikett, und sobald der Ring bei uns ist, geht Größe 60 raus.',
      status: 'waiting_on_warehouse',
    },
  },
  {
    market: 'DE',
    channel: 'email',
    key: 'de-it-clasp',
    buyer: { name: 'Giulia Romano', email: 'giulia.romano@example.it' },
    subject: 'Chiusura del bracciale rotta',
    messages: [{ ago: 140, text: "Buongiorno,\n\nho ricevuto ieri il bracciale Stella ma la chiusura si apre da sola, l'ho quasi perso per strada. Potete sostituirlo? Vi allego una foto.\n\nGrazie mille,\nGiulia" }],
  },
  {
    market: 'FR',
    channel: 'email',
    key: 'fr-not-delivered',
    buyer: { name: 'Camille Laurent', email: 'camille.laurent@example.fr' },
    subject: 'Colis marqué livré mais jamais reçu',
    messages: [
      { ago: 900, text: "Bonjour,\n\nle suivi indique que mon colis a été livré mardi, mais je n'ai rien reçu et mes voisins non plus. Il s'agit des boucles d'oreilles Aurore (189 €).\n\nMerci de me dire ce que vous pouvez faire.\n\nCamille Laurent" },
      { ago: 600, text: "Je me permets de relancer : toujours rien, et la Poste me dit de voir avec le vendeur." },
    ],
    priority: 'urgent',
    tags: ['not-received'],
  },
  {
    market: 'FR',
    channel: 'whatsapp',
    key: 'fr-colour',
    buyer: { name: 'Hugo Martin', phone: '+33 6 12 34 56 78' },
    messages: [{ ago: 20, text: "Bonjour, la montre est jolie mais le bracelet est marron foncé alors que sur la vidéo il était cognac. C'est normal ?" }],
  },
  {
    market: 'US',
    channel: 'email',
    key: 'us-es-return',
    buyer: { name: 'Mateo García', email: 'mateo.garcia@example.com' },
    subject: 'Devolución de auriculares',
    messages: [{ ago: 1500, text: 'Hola,\n\nquiero devolver los auriculares Aura porque me aprietan demasiado después de una hora. Están como nuevos y tengo la caja. ¿Cómo hago la devolución?\n\nSaludos,\nMateo' }],
    reply: {
      agentEmail: 'agent.en@demo.afterdesk.dev',
      text: 'Hola Mateo:\n\nsin problema. Abre el pedido en la app de TikTok Shop, pulsa «Devolución/Reembolso» y elige el motivo. En cuanto lo aprobemos te llega la etiqueta.\n\nUn saludo,\nVoltix US',
      status: 'solved',
    },
  },
];

const SHIFTS: Record<string, { timeZone: string; hours: Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', { start: string; end: string }[]> }> = {
  'agent.en@demo.afterdesk.dev': {
    timeZone: 'America/New_York',
    hours: { mon: [{ start: '08:00', end: '17:00' }], tue: [{ start: '08:00', end: '17:00' }], wed: [{ start: '08:00', end: '17:00' }], thu: [{ start: '08:00', end: '17:00' }], fri: [{ start: '08:00', end: '17:00' }], sat: [], sun: [] },
  },
  'agent.eu@demo.afterdesk.dev': {
    timeZone: 'Europe/Berlin',
    hours: { mon: [{ start: '08:00', end: '17:00' }], tue: [{ start: '08:00', end: '17:00' }], wed: [{ start: '08:00', end: '17:00' }], thu: [{ start: '08:00', end: '17:00' }], fri: [{ start: '08:00', end: '16:00' }], sat: [{ start: '10:00', end: '14:00' }], sun: [] },
  },
};

export interface HelpdeskDemoDeps {
  helpdesk: HelpdeskService;
  tenancy: { listShops(actor: Actor): Promise<{ id: string; market: string }[]> };
  auth: { listUsers(actor: Actor): Promise<{ id: string; email: string }[]> };
  clock: { now(): Date };
}

export async function seedHelpdeskDemo(d: HelpdeskDemoDeps, orgId: string): Promise<{ macros: number; ticketsCreated: number; messages: number }> {
  const sys = systemActor(orgId);
  const macros = await d.helpdesk.seedDefaultMacros(orgId);
  const shops = await d.tenancy.listShops(sys);
  const users = await d.auth.listUsers(sys);
  const userByEmail = new Map(users.map((u) => [u.email, u.id]));
  for (const [email, shift] of Object.entries(SHIFTS)) {
    const id = userByEmail.get(email);
    if (id) await d.helpdesk.setSchedule(sys, id, shift);
  }
  const now = d.clock.now().getTime();
  let ticketsCreated = 0;
  let messages = 0;
  for (const th of THREADS) {
    const shop = shops.find((s) => s.market === th.market);
    if (!shop) continue;
    let ticketId: string | undefined;
    let created = false;
    for (const [i, m] of th.messages.entries()) {
      const input: InboundMessage = {
        orgId,
        shopId: shop.id,
        channel: th.channel,
        externalThreadId: th.channel === 'email' ? `<demo-${th.key}@buyer.example>` : th.channel === 'whatsapp' ? th.buyer.phone!.replace(/[^\d+]/g, '') : `demo-live-${th.key}`,
        externalMessageId: th.channel === 'email' ? (i === 0 ? `<demo-${th.key}@buyer.example>` : `<demo-${th.key}-${i}@buyer.example>`) : `demo-${th.key}-${i}`,
        buyer: { name: th.buyer.name, email: th.buyer.email, phone: th.buyer.phone?.replace(/[^\d+]/g, ''), externalId: th.buyer.email ?? th.buyer.phone?.replace(/[^\d+]/g, '') ?? th.key },
        direction: 'inbound',
        text: m.text,
        subject: th.subject,
        sentAt: new Date(now - m.ago * 60_000).toISOString(),
        livestreamSessionId: th.livestreamSessionId,
      };
      const r = await d.helpdesk.ingestInbound(input);
      ticketId = r.ticketId;
      if (i === 0) created = r.created;
    }
    // Fixed message ids: a thread whose first message already existed was seeded before in full.
    if (created) messages += th.messages.length;
    if (!ticketId || !created) continue;
    ticketsCreated++;
    if (th.tags) await d.helpdesk.setTags(sys, ticketId, { add: th.tags });
    if (th.priority) await d.helpdesk.setPriority(sys, ticketId, th.priority);
    if (th.note) {
      const uid = userByEmail.get(th.note.agentEmail);
      if (uid) await d.helpdesk.addNote({ orgId, userId: uid, role: 'agent' }, ticketId, { text: th.note.text });
    }
    if (th.reply) {
      const uid = userByEmail.get(th.reply.agentEmail);
      if (uid) {
        const agent: Actor = { orgId, userId: uid, role: 'agent' };
        // Supervisors route; the demo hands the ticket to the agent who answers it.
        await d.helpdesk.assign({ orgId, userId: 'system', role: 'owner' }, ticketId, { assigneeId: uid });
        await d.helpdesk.reply(agent, ticketId, { text: th.reply.text, status: th.reply.status });
      }
    }
  }
  return { macros, ticketsCreated, messages };
}
