import { DateTime } from 'luxon';

/*
 * The one macro-variable resolver. A text written for a buyer may carry `{{variable}}` placeholders
 * (macros, knowledge answers, incident notices); `variablesFor` derives their values from the
 * ticket, its order and shop and the agent, and `fillVariables` puts them in. Whatever stays
 * unresolved — an unknown name, or a known one this ticket has no value for — blocks sending
 * (`unresolvedVariables`): a buyer must never read `{{order_number}}`.
 */

export const KNOWN_VARIABLES = ['buyer_name', 'order_number', 'product', 'tracking_link', 'shop_name', 'agent_name', 'return_deadline'] as const;
export type KnownVariable = (typeof KNOWN_VARIABLES)[number];

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Every placeholder name in the text, once each, in order of appearance. */
export function placeholdersIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** Placeholders in a text that no source of the resolver can fill (a typo, or a variable nobody provides). */
export function unknownPlaceholders(text: string, extra: readonly string[] = []): string[] {
  return placeholdersIn(text).filter((n) => !(KNOWN_VARIABLES as readonly string[]).includes(n) && !extra.includes(n));
}

/** Put the known values in; placeholders without a value stay as written and are listed. */
export function fillVariables(text: string, vars: Record<string, string | null | undefined>): { text: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const filled = text.replace(PLACEHOLDER, (whole, name: string) => {
    const v = vars[name];
    if (v === undefined || v === null || v === '') {
      if (!unresolved.includes(name)) unresolved.push(name);
      return whole;
    }
    return v;
  });
  return { text: filled, unresolved };
}

/** The placeholders a text about to be sent still carries (after filling): sending must stop. */
export function unresolvedVariables(text: string): string[] {
  return placeholdersIn(text);
}

export interface VariableSources {
  buyerName?: string | null;
  shopName?: string | null;
  shopTimeZone?: string | null;
  agentName?: string | null;
  order?: {
    externalId?: string | null;
    id?: string | null;
    productName?: string | null;
    trackingUrl?: string | null;
    trackingNumber?: string | null;
    carrier?: string | null;
    deliveredAt?: string | Date | null;
  } | null;
  returnWindowDays?: number | null;
  /** The language the date is written in (the buyer's). */
  language?: string;
}

/** Values for the known variables from what the ticket knows; a variable without a source is left out. */
export function variablesFrom(s: VariableSources): Partial<Record<KnownVariable, string>> {
  const v: Partial<Record<KnownVariable, string>> = {};
  const first = s.buyerName?.trim().split(/\s+/)[0];
  if (first) v.buyer_name = first;
  if (s.shopName) v.shop_name = s.shopName;
  if (s.agentName) v.agent_name = s.agentName.trim().split(/\s+/)[0]!;
  const o = s.order;
  if (o) {
    const number = o.externalId ?? null;
    if (number) v.order_number = number;
    if (o.productName) v.product = o.productName;
    if (o.trackingUrl) v.tracking_link = o.trackingUrl;
    else if (o.trackingNumber) v.tracking_link = `${o.carrier ? `${o.carrier} ` : ''}${o.trackingNumber}`;
    if (o.deliveredAt && s.returnWindowDays != null) {
      const delivered = DateTime.fromJSDate(new Date(o.deliveredAt), { zone: s.shopTimeZone ?? 'UTC' });
      v.return_deadline = delivered.plus({ days: s.returnWindowDays }).setLocale(s.language ?? 'en').toLocaleString(DateTime.DATE_FULL);
    }
  }
  return v;
}
