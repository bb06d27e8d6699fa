import { formatMoney } from '../../platform/money.js';

/** Buyer-facing remedy messages in the five shop languages, written as a person would write them. */

export type BuyerLanguage = 'en' | 'de' | 'fr' | 'it' | 'es';
export const BUYER_LANGUAGES: BuyerLanguage[] = ['en', 'de', 'fr', 'it', 'es'];

export function buyerLanguage(lang: string | null | undefined): BuyerLanguage {
  const l = (lang ?? 'en').slice(0, 2).toLowerCase();
  return (BUYER_LANGUAGES as string[]).includes(l) ? (l as BuyerLanguage) : 'en';
}

export interface RemedyMessageInput {
  /** The agent's own words (an explanation, a care tip), placed right after the apology. */
  personal?: string | null;
  refund: { amount: number; currency: string } | null;
  reship: boolean;
  apologyCard: boolean;
  coupon: { code: string; amount: number; currency: string; minSpend: number; expiresAt: Date } | null;
}

const LOCALE: Record<BuyerLanguage, string> = { en: 'en-GB', de: 'de-DE', fr: 'fr-FR', it: 'it-IT', es: 'es-ES' };

function date(d: Date, lang: BuyerLanguage): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d);
}

export function remedyMessage(langIn: string | null | undefined, m: RemedyMessageInput): string {
  const lang = buyerLanguage(langIn);
  const fm = (amount: number, currency: string) => formatMoney({ amount, currency }, LOCALE[lang]);
  const parts: string[] = [];
  const T = {
    en: {
      open: 'We are sorry this did not go as it should.',
      refund: (a: string) => `We have refunded ${a} to your original payment method; depending on your bank it shows up within a few days.`,
      reship: 'A replacement is on its way to you; you will receive the tracking number as soon as it leaves our local warehouse.',
      card: 'We have added a small handwritten note to the parcel.',
      coupon: (c: string, a: string, min: string | null, until: string) => `As a thank-you for your patience, here is a coupon worth ${a} for your next order: ${c}${min ? ` (from an order value of ${min})` : ''}, valid until ${until}.`,
      close: 'If anything else comes up, just reply to this message.',
    },
    de: {
      open: 'Es tut uns leid, dass hier etwas schiefgelaufen ist.',
      refund: (a: string) => `Wir haben Ihnen ${a} auf Ihr ursprüngliches Zahlungsmittel erstattet; je nach Bank ist der Betrag in wenigen Tagen sichtbar.`,
      reship: 'Ein Ersatz ist bereits unterwegs zu Ihnen; die Sendungsnummer erhalten Sie, sobald das Paket unser Lager vor Ort verlässt.',
      card: 'Dem Paket liegt eine kleine handgeschriebene Karte von uns bei.',
      coupon: (c: string, a: string, min: string | null, until: string) => `Als Dankeschön für Ihre Geduld schenken wir Ihnen einen Gutschein über ${a} für Ihre nächste Bestellung: ${c}${min ? ` (ab einem Bestellwert von ${min})` : ''}, gültig bis ${until}.`,
      close: 'Wenn noch etwas ist, antworten Sie einfach auf diese Nachricht.',
    },
    fr: {
      open: 'Nous sommes désolés que cela ne se soit pas passé comme prévu.',
      refund: (a: string) => `Nous vous avons remboursé ${a} sur votre moyen de paiement d'origine ; selon votre banque, le montant apparaîtra sous quelques jours.`,
      reship: "Un article de remplacement est en route ; vous recevrez le numéro de suivi dès qu'il quittera notre entrepôt local.",
      card: 'Nous avons glissé un petit mot manuscrit dans le colis.',
      coupon: (c: string, a: string, min: string | null, until: string) => `Pour vous remercier de votre patience, voici un bon de réduction de ${a} pour votre prochaine commande : ${c}${min ? ` (à partir de ${min} d'achat)` : ''}, valable jusqu'au ${until}.`,
      close: "Si vous avez la moindre question, répondez simplement à ce message.",
    },
    it: {
      open: 'Ci dispiace che qualcosa non sia andato come doveva.',
      refund: (a: string) => `Ti abbiamo rimborsato ${a} sul metodo di pagamento originale; a seconda della banca, l'importo sarà visibile entro pochi giorni.`,
      reship: 'Un prodotto sostitutivo è già in viaggio; riceverai il numero di tracciamento appena lascerà il nostro magazzino locale.',
      card: 'Nel pacco troverai anche un nostro biglietto scritto a mano.',
      coupon: (c: string, a: string, min: string | null, until: string) => `Per ringraziarti della pazienza, ecco un buono da ${a} per il tuo prossimo ordine: ${c}${min ? ` (con una spesa minima di ${min})` : ''}, valido fino al ${until}.`,
      close: 'Per qualsiasi altra cosa, rispondi pure a questo messaggio.',
    },
    es: {
      open: 'Sentimos mucho que esto no haya salido como debía.',
      refund: (a: string) => `Te hemos reembolsado ${a} en tu método de pago original; según tu banco, lo verás en unos días.`,
      reship: 'Ya te hemos enviado un artículo de sustitución; recibirás el número de seguimiento en cuanto salga de nuestro almacén local.',
      card: 'Hemos incluido en el paquete una pequeña nota escrita a mano.',
      coupon: (c: string, a: string, min: string | null, until: string) => `Para agradecerte la paciencia, aquí tienes un cupón de ${a} para tu próximo pedido: ${c}${min ? ` (en compras a partir de ${min})` : ''}, válido hasta el ${until}.`,
      close: 'Si necesitas cualquier otra cosa, responde a este mensaje.',
    },
  }[lang];
  parts.push(T.open);
  if (m.personal?.trim()) parts.push(m.personal.trim());
  if (m.refund && m.refund.amount > 0) parts.push(T.refund(fm(m.refund.amount, m.refund.currency)));
  if (m.reship) parts.push(T.reship);
  if (m.reship && m.apologyCard) parts.push(T.card);
  if (m.coupon) {
    parts.push(T.coupon(m.coupon.code, fm(m.coupon.amount, m.coupon.currency), m.coupon.minSpend > 0 ? fm(m.coupon.minSpend, m.coupon.currency) : null, date(m.coupon.expiresAt, lang)));
  }
  parts.push(T.close);
  return parts.join(' ');
}

export interface ReturnInstructionsInput {
  rma: string;
  warehouseAddress: string | null;
  buyerPaysShipping: boolean;
  windowEndsAt: string | null;
  refundOn: 'on_request' | 'on_receipt' | 'on_inspection_pass';
}

export function returnInstructions(langIn: string | null | undefined, r: ReturnInstructionsInput): string {
  const lang = buyerLanguage(langIn);
  const addr = r.warehouseAddress ?? '';
  const by = r.windowEndsAt ? date(new Date(r.windowEndsAt), lang) : null;
  const T = {
    en: {
      head: `Your return ${r.rma} is approved.`,
      pack: `Please pack the item with all accessories, write ${r.rma} clearly on the parcel and send it to our local return centre:`,
      ship: r.buyerPaysShipping ? 'Please choose a tracked service; the postage is on you.' : 'We cover the return postage; keep the receipt and send it to us.',
      by: by ? `Please send it by ${by}.` : '',
      refund: { on_request: 'Your refund is already on its way.', on_receipt: 'We refund you as soon as the parcel arrives.', on_inspection_pass: 'We refund you as soon as our team has checked the item, usually the same day it arrives.' }[r.refundOn],
    },
    de: {
      head: `Ihre Rücksendung ${r.rma} ist genehmigt.`,
      pack: `Bitte verpacken Sie den Artikel mit allem Zubehör, schreiben Sie ${r.rma} gut lesbar auf das Paket und senden Sie es an unser Rücksendelager vor Ort:`,
      ship: r.buyerPaysShipping ? 'Bitte wählen Sie einen Versand mit Sendungsverfolgung; das Porto tragen Sie.' : 'Das Rückporto übernehmen wir; bitte heben Sie den Beleg auf und schicken Sie ihn uns.',
      by: by ? `Bitte senden Sie das Paket bis zum ${by} ab.` : '',
      refund: { on_request: 'Ihre Erstattung ist bereits veranlasst.', on_receipt: 'Sobald das Paket bei uns ankommt, erstatten wir den Betrag.', on_inspection_pass: 'Sobald unser Team den Artikel geprüft hat – meist noch am Tag der Ankunft –, erstatten wir den Betrag.' }[r.refundOn],
    },
    fr: {
      head: `Votre retour ${r.rma} est accepté.`,
      pack: `Merci d'emballer l'article avec tous ses accessoires, d'inscrire lisiblement ${r.rma} sur le colis et de l'envoyer à notre centre de retour local :`,
      ship: r.buyerPaysShipping ? "Choisissez un envoi suivi ; les frais de port sont à votre charge." : 'Nous prenons en charge les frais de retour ; gardez le reçu et envoyez-le-nous.',
      by: by ? `Merci de l'expédier au plus tard le ${by}.` : '',
      refund: { on_request: 'Votre remboursement est déjà en cours.', on_receipt: 'Nous vous remboursons dès réception du colis.', on_inspection_pass: "Nous vous remboursons dès que notre équipe a vérifié l'article, en général le jour même de son arrivée." }[r.refundOn],
    },
    it: {
      head: `Il tuo reso ${r.rma} è stato approvato.`,
      pack: `Imballa l'articolo con tutti gli accessori, scrivi ${r.rma} in modo ben leggibile sul pacco e spediscilo al nostro centro resi locale:`,
      ship: r.buyerPaysShipping ? 'Scegli una spedizione tracciabile; le spese sono a tuo carico.' : 'Le spese di reso sono a carico nostro; conserva la ricevuta e inviacela.',
      by: by ? `Spediscilo entro il ${by}.` : '',
      refund: { on_request: 'Il rimborso è già stato avviato.', on_receipt: 'Ti rimborsiamo appena il pacco arriva da noi.', on_inspection_pass: "Ti rimborsiamo appena il nostro team ha controllato l'articolo, di solito il giorno stesso dell'arrivo." }[r.refundOn],
    },
    es: {
      head: `Tu devolución ${r.rma} está aprobada.`,
      pack: `Empaqueta el artículo con todos sus accesorios, escribe ${r.rma} de forma visible en el paquete y envíalo a nuestro centro de devoluciones local:`,
      ship: r.buyerPaysShipping ? 'Elige un envío con seguimiento; los gastos corren de tu cuenta.' : 'Nosotros pagamos el envío de vuelta; guarda el recibo y envíanoslo.',
      by: by ? `Envíalo antes del ${by}.` : '',
      refund: { on_request: 'Tu reembolso ya está en marcha.', on_receipt: 'Te reembolsamos en cuanto recibamos el paquete.', on_inspection_pass: 'Te reembolsamos en cuanto nuestro equipo revise el artículo, normalmente el mismo día que llega.' }[r.refundOn],
    },
  }[lang];
  return [T.head, T.pack, addr, T.ship, T.by, T.refund].filter(Boolean).join('\n');
}
