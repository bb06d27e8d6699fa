/**
 * Which comments under a shop's videos are after-sales work. A comment is public and usually
 * praise, a question about the product, or noise; it becomes a ticket only when it is a complaint
 * (one of the remedy categories: damage, wrong or missing item, size, colour, …) or an after-sales
 * question (an order, a refund, a return, a parcel), judged in the comment's own language.
 */
import { detectLanguage } from '../../modules/helpdesk/index.js';
import { suggestCategory, type ProblemCategory } from '../../modules/remedies/index.js';

/** After-sales words that are not a problem category yet: "my order", "refund", "return", "help". */
const AFTER_SALES: Record<'en' | 'de' | 'fr' | 'it' | 'es', string[]> = {
  en: ['my order', 'order number', 'refund', 'return it', 'send it back', 'money back', 'never arrived', 'still waiting', 'customer service', 'nobody answers', 'no reply', 'scam', 'complaint', 'disappointed'],
  de: ['meine bestellung', 'bestellnummer', 'rückerstattung', 'erstattung', 'zurückschicken', 'rücksendung', 'geld zurück', 'warte immer noch', 'kundenservice', 'keine antwort', 'betrug', 'reklamation', 'enttäuscht'],
  fr: ['ma commande', 'numéro de commande', 'remboursement', 'rembourser', 'renvoyer', 'retourner', 'toujours pas', "j'attends", 'service client', 'aucune réponse', 'arnaque', 'réclamation', 'déçu'],
  it: ['il mio ordine', 'mio ordine', 'numero ordine', 'rimborso', 'restituire', 'reso', 'sto ancora aspettando', 'servizio clienti', 'nessuna risposta', 'truffa', 'reclamo', 'deluso', 'delusa'],
  es: ['mi pedido', 'número de pedido', 'reembolso', 'devolver', 'devolución', 'sigo esperando', 'atención al cliente', 'servicio al cliente', 'nadie responde', 'estafa', 'reclamación', 'decepcionado', 'decepcionada'],
};

export interface CommentTriage {
  ticket: boolean;
  language: 'en' | 'de' | 'fr' | 'it' | 'es';
  /** The remedy category the words suggest ('other' for an after-sales question without one). */
  category: ProblemCategory;
  /** The cues that decided it (empty when the comment stays out of the inbox). */
  matched: string[];
}

/** Decide whether a buyer's comment is after-sales work, in its language. */
export function triageComment(text: string, opts: { shopLanguages?: readonly string[] } = {}): CommentTriage {
  const { language } = detectLanguage(text, { shopLanguages: opts.shopLanguages });
  const lower = text.toLowerCase();
  const s = suggestCategory(text);
  // Look in the comment's language first, then in every language (short comments mislead detection).
  const own = AFTER_SALES[language].filter((c) => lower.includes(c));
  const any = own.length ? own : Object.values(AFTER_SALES).flatMap((cues) => cues.filter((c) => lower.includes(c)));
  // "size" or "color" alone asks about the product before buying ("what size is the model?"), not
  // about an order: a category cue needs a second cue or an after-sales word to count.
  const weakOnly = s.category !== 'other' && s.matched.every((m) => WEAK_CUES.has(m)) && any.length === 0;
  if (s.category !== 'other' && !weakOnly) return { ticket: true, language, category: s.category, matched: [...s.matched, ...any] };
  if (any.length) return { ticket: true, language, category: 'other', matched: any };
  return { ticket: false, language, category: 'other', matched: [] };
}

const WEAK_CUES = new Set(['size', 'colour', 'color', 'größe', 'farbe', 'taille', 'couleur', 'taglia', 'colore', 'talla', 'delivery', 'lieferung', 'livraison', 'consegna', 'entrega', 'envío', 'spedizione', 'dove', 'shipped']);

/** The conversation a comment belongs to: its top-level comment (replies join their parent). */
export function commentThreadId(c: { comment_id: string; video_id: string; parent_comment_id?: string }): string {
  const parent = c.parent_comment_id && c.parent_comment_id !== c.comment_id && c.parent_comment_id !== c.video_id && c.parent_comment_id !== '0' ? c.parent_comment_id : c.comment_id;
  return `ttcomment:${parent}`;
}

/** The top-level comment id of a thread id. */
export function commentOfThread(threadId: string): string | null {
  return threadId.startsWith('ttcomment:') ? threadId.slice('ttcomment:'.length) : null;
}

/**
 * Whether one of the account's own replies under a comment is this message (after a send whose
 * outcome we did not hear): the same text, written no earlier than the message was queued.
 */
export function findOwnReply(replies: { comment_id: string; text: string; owner?: boolean; create_time: number }[], want: { text: string; notBefore: Date }): string | null {
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  const hit = replies.find((r) => r.owner && norm(r.text) === norm(want.text) && r.create_time * 1000 >= want.notBefore.getTime() - 60_000);
  return hit?.comment_id ?? null;
}
