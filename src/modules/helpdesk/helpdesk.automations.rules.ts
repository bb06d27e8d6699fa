import type { Channel, Priority, RuleActions, RuleConditions } from './helpdesk.dto.js';

/*
 * Automation rules, decided without I/O: which rules a new ticket matches and what they do to it.
 * Rules run in their order (position, then id); each matching rule's actions apply on top of the
 * previous ones — tags add up, the last priority / assignee / queue named wins.
 */

export interface RuleFacts {
  channel: Channel;
  shopId: string;
  language: string;
  tags: readonly string[];
  /** The order's total in minor units, when the ticket has an order. */
  orderValue: number | null;
  categories: readonly string[];
  text: string;
  /** The ticket's status now (after the change that triggered the rule). */
  status?: string;
}

export interface Rule {
  id: string;
  name: string;
  trigger?: string;
  conditions: RuleConditions;
  actions: RuleActions;
}

export function ruleMatches(c: RuleConditions, f: RuleFacts): boolean {
  if (c.channels?.length && !c.channels.includes(f.channel)) return false;
  if (c.shopIds?.length && !c.shopIds.includes(f.shopId)) return false;
  if (c.languages?.length && !c.languages.includes(f.language as never)) return false;
  if (c.tags?.length && !c.tags.every((t) => f.tags.includes(t))) return false;
  if (c.orderValueMin !== undefined && (f.orderValue === null || f.orderValue < c.orderValueMin)) return false;
  if (c.orderValueMax !== undefined && (f.orderValue === null || f.orderValue > c.orderValueMax)) return false;
  if (c.categories?.length) {
    const mine = f.categories.map((x) => x.toLowerCase());
    if (!c.categories.some((x) => mine.includes(x.toLowerCase()))) return false;
  }
  if (c.statuses?.length && (!f.status || !c.statuses.includes(f.status as never))) return false;
  if (c.keywords?.length) {
    const text = f.text.toLowerCase();
    if (!c.keywords.some((k) => text.includes(k.toLowerCase()))) return false;
  }
  return true;
}

export interface AutomationOutcome {
  /** The rules that matched, in order, with the actions each applied. */
  fired: { ruleId: string; name: string; actions: RuleActions }[];
  addTags: string[];
  priority: Priority | null;
  assigneeId: string | null;
  queue: string | null;
}

export function evaluateRules(rules: readonly Rule[], facts: RuleFacts): AutomationOutcome {
  const out: AutomationOutcome = { fired: [], addTags: [], priority: null, assigneeId: null, queue: null };
  // Tags a rule adds count for the rules after it ("tag VIP, then route VIP to the team").
  let tags = [...facts.tags];
  for (const r of rules) {
    if (!ruleMatches(r.conditions, { ...facts, tags })) continue;
    out.fired.push({ ruleId: r.id, name: r.name, actions: r.actions });
    for (const t of r.actions.addTags ?? []) {
      if (!tags.includes(t)) tags = [...tags, t];
      if (!out.addTags.includes(t) && !facts.tags.includes(t)) out.addTags.push(t);
    }
    if (r.actions.priority) out.priority = r.actions.priority;
    if (r.actions.assigneeId) out.assigneeId = r.actions.assigneeId;
    if (r.actions.queue) out.queue = r.actions.queue;
  }
  return out;
}

const DAY_MS = 86_400_000;

/**
 * Loop protection for rules on ticket updates: a rule fires on one ticket at most this many times
 * a day. Changes an automation makes never trigger rules themselves (only people, buyers, the SLA
 * clock and the idle timer do), and a rule whose actions would change nothing writes nothing.
 */
export const MAX_FIRINGS_PER_DAY = 3;

export function mayFireAgain(firingsLastDay: number): boolean {
  return firingsLastDay < MAX_FIRINGS_PER_DAY;
}

/** Whether applying an outcome changes the ticket at all (no line for a rule that does nothing). */
export function outcomeChanges(out: AutomationOutcome, t: { tags: readonly string[]; priority: string; assigneeId: string | null; queue: string | null }): boolean {
  return out.addTags.some((x) => !t.tags.includes(x)) || (out.priority !== null && out.priority !== t.priority) || (out.assigneeId !== null && out.assigneeId !== t.assigneeId) || (out.queue !== null && out.queue !== t.queue);
}

/** Whether a ticket quiet since `lastActivity` is due for an idle rule of `hours` that last fired at `lastFired`. */
export function idleDue(lastActivity: Date, hours: number, lastFired: Date | null, now: Date): boolean {
  if (now.getTime() - lastActivity.getTime() < hours * 3_600_000) return false;
  // Once per quiet stretch: a rule that fired after the last message waits for new activity.
  return !lastFired || lastFired.getTime() < lastActivity.getTime();
}

/** Whether a ticket waiting on the buyer since `since` is due for the automatic close. */
export function dueForAutoClose(status: string, waitingSince: Date | null, days: number | null, now: Date): boolean {
  if (status !== 'waiting_on_buyer' || !waitingSince || !days) return false;
  return now.getTime() - waitingSince.getTime() >= days * DAY_MS;
}

type Lang = 'en' | 'de' | 'fr' | 'it' | 'es';
const lang = (l: string): Lang => (['en', 'de', 'fr', 'it', 'es'].includes(l) ? (l as Lang) : 'en');

/** The last message before an automatic close, in the buyer's language. */
export function autoCloseMessage(language: string, days: number): string {
  const t: Record<Lang, string> = {
    en: `We haven't heard back from you for ${days} days, so we are closing this conversation. If you still need help, just reply to this message and we will pick it up again.`,
    de: `Da wir seit ${days} Tagen nichts von Ihnen gehört haben, schließen wir diese Unterhaltung. Wenn Sie noch Hilfe brauchen, antworten Sie einfach auf diese Nachricht – wir melden uns dann wieder.`,
    fr: `Sans nouvelles de votre part depuis ${days} jours, nous clôturons cette conversation. Si vous avez encore besoin d'aide, répondez simplement à ce message et nous reprendrons.`,
    it: `Non avendo ricevuto risposta da ${days} giorni, chiudiamo questa conversazione. Se hai ancora bisogno di aiuto, rispondi a questo messaggio e la riprenderemo.`,
    es: `Como no hemos tenido noticias tuyas en ${days} días, cerramos esta conversación. Si aún necesitas ayuda, responde a este mensaje y la retomaremos.`,
  };
  return t[lang(language)];
}

/** The acknowledgement sent outside business hours, naming when the shop will answer (already in the shop's zone, in the buyer's words). */
export function outOfHoursMessage(language: string, shopName: string, answerBy: string): string {
  const t: Record<Lang, string> = {
    en: `Thanks for your message to ${shopName}. Our team is away right now; we will answer by ${answerBy}.`,
    de: `Danke für Ihre Nachricht an ${shopName}. Unser Team ist gerade nicht erreichbar; wir antworten bis ${answerBy}.`,
    fr: `Merci pour votre message à ${shopName}. Notre équipe est absente pour le moment ; nous vous répondrons d'ici ${answerBy}.`,
    it: `Grazie per il tuo messaggio a ${shopName}. Il nostro team al momento non è disponibile; ti risponderemo entro ${answerBy}.`,
    es: `Gracias por tu mensaje a ${shopName}. Nuestro equipo no está disponible ahora; te responderemos antes de ${answerBy}.`,
  };
  return t[lang(language)];
}
