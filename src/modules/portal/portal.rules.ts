import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const PORTAL_LANGUAGES = ['en', 'de', 'fr', 'it', 'es'] as const;
export type PortalLanguage = (typeof PORTAL_LANGUAGES)[number];

/** Days of warranty after the return window when the shop configured none. */
export const DEFAULT_WARRANTY_DAYS = 365;
export const DEFAULT_HOLDOUT_PERCENT = 10;
/** Card codes avoid look-alike characters (0/O, 1/I/L) so they are typed from paper without doubt. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/**
 * The QR token: 24 random bytes (192 bits), base64url. It carries nothing about the order or the
 * buyer; the server keeps only its SHA-256, so a database reader cannot rebuild a card's link.
 */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A token is well-formed before any lookup; anything else is answered exactly like an unknown one. */
export function wellFormedToken(t: string): boolean {
  return /^[A-Za-z0-9_-]{32}$/.test(t);
}

/** An 8-character code for entry by order number (TikTok masks buyers' e-mails, so they cannot serve). */
export function newShortCode(): string {
  const bytes = randomBytes(8);
  let s = '';
  for (const b of bytes) s += CODE_ALPHABET[b % CODE_ALPHABET.length];
  return s;
}

export function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

export function normaliseOrderNumber(n: string): string {
  return n.trim().replace(/\s+/g, '');
}

/** The lookup key: order number and card code together; either alone finds nothing. */
export function lookupHash(orderNumber: string, code: string): string {
  return hashSecret(`${normaliseOrderNumber(orderNumber)}\u0000${normaliseCode(code)}`);
}

/**
 * Hold-out: a deterministic share of orders gets no card, chosen by a hash of the order id so a
 * reprint gives the same answer and analysis can rebuild the groups.
 */
export function isHoldout(orderId: string, percent: number): boolean {
  if (percent <= 0) return false;
  const n = createHash('sha256').update(`holdout:${orderId}`).digest().readUInt32BE(0);
  return n % 10_000 < percent * 100;
}

/**
 * A card stays valid through the return window plus the warranty period, counted from delivery (or
 * printing); a warranty for life (or longer than ten years) keeps it for ten years after the window.
 */
export function cardExpiry(from: Date, returnWindowDays: number, warrantyDays: number): Date {
  return new Date(from.getTime() + (returnWindowDays + Math.min(warrantyDays, CARD_MAX_WARRANTY_DAYS)) * 86_400_000);
}

export type TokenState = 'ok' | 'unknown';

/** Revoked, expired and never-issued tokens are one state to the outside: unknown. */
export function tokenState(card: { holdout: boolean; revokedAt: Date | null; expiresAt: Date | null } | null, now: Date): TokenState {
  if (!card || card.holdout || card.revokedAt) return 'unknown';
  if (card.expiresAt && card.expiresAt.getTime() <= now.getTime()) return 'unknown';
  return 'ok';
}

/** The CSRF token of a portal session: an HMAC of the session secret, checked in constant time. */
export function csrfFor(sessionSecret: string): string {
  return createHmac('sha256', sessionSecret).update('portal-csrf').digest('base64url');
}

export function csrfMatches(sessionSecret: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(csrfFor(sessionSecret));
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The buyer's language: an explicit choice, then the card's, then Accept-Language, then English. */
export function pickLanguage(choice: string | undefined, card: string | undefined, acceptLanguage: string | undefined): PortalLanguage {
  const ok = (l: string | undefined): l is PortalLanguage => !!l && (PORTAL_LANGUAGES as readonly string[]).includes(l);
  if (ok(choice)) return choice;
  if (ok(card)) return card;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const l = part.split(';')[0]!.trim().slice(0, 2).toLowerCase();
    if (ok(l)) return l;
  }
  return 'en';
}

/** Which return states the buyer sees, in the order they happen. */
export const RETURN_TIMELINE = ['requested', 'approved', 'in_transit', 'received', 'inspected', 'refunded', 'closed'] as const;

/** Fixed-window counter keyed by things the client cannot choose (socket or trusted-proxy address; order). */
export function createPortalLimiter(now: () => number, limit: number, windowMs = 60_000) {
  const hits = new Map<string, { start: number; n: number }>();
  return {
    /** Counts one attempt; true when the key is over its limit. */
    hit(key: string): boolean {
      const t = now();
      if (hits.size > 50_000) for (const [k, w] of hits) if (t - w.start >= windowMs) hits.delete(k);
      const w = hits.get(key);
      if (!w || t - w.start >= windowMs) {
        hits.set(key, { start: t, n: 1 });
        return false;
      }
      w.n++;
      return w.n > limit;
    },
  };
}

/**
 * What a card may carry per market (see docs/ARCHITECTURE.md "Buyer side"). TikTok Shop Thailand's
 * customer communication guidelines cover notes in parcels and ask sellers to keep communication on
 * the platform, so Thai cards default to the QR (the order's support page) without phone, WhatsApp
 * and e-mail. Other markets: no verified rule against the seller's own support contacts.
 * A print request may override the default (`showContacts`).
 */
export const CARD_MARKET_DEFAULTS: Record<string, { showContacts: boolean }> = { TH: { showContacts: false } };

export function cardContentFor(market: string, override?: { showContacts?: boolean }): { showContacts: boolean } {
  return { showContacts: override?.showContacts ?? CARD_MARKET_DEFAULTS[market.toUpperCase()]?.showContacts ?? true };
}

/**
 * How a TikTok return reaches the platform from the buyer's page. TikTok's seller-initiated
 * Create Return (`POST /return_refund/202309/returns`) was launched for local US and UK sellers;
 * the Partner Center overview leaves a seller-initiated return on a delivered order to "market
 * policy" (docs/tiktok-conformance.md "Returns started on the buyer's page"). So: 'api' in the US
 * and UK (we create it, RETURN_AND_REFUND), 'app' elsewhere (the page guides the buyer to open it
 * in the TikTok app with the matching reason), 'none' for orders not from TikTok.
 */
export type PlatformReturnRoute = 'api' | 'app' | 'none';
export const SELLER_CREATE_RETURN_MARKETS = ['US', 'GB', 'UK'] as const;

export function platformReturnRoute(orderPlatform: string, market: string | null | undefined): PlatformReturnRoute {
  if (orderPlatform !== 'tiktok') return 'none';
  return (SELLER_CREATE_RETURN_MARKETS as readonly string[]).includes((market ?? '').toUpperCase()) ? 'api' : 'app';
}

/** The seller reason code for a RETURN_AND_REFUND we create for the buyer (Partner Center "Return reasons"). */
export function sellerReturnReason(market: string, ourReason: string): string {
  const uk = ['GB', 'UK'].includes(market.toUpperCase());
  if (!uk) return 'seller_ecom_delivered_return_refund_reason1';
  const map: Record<string, string> = {
    damaged: 'damaged',
    defective: 'defective',
    not_as_described: 'not_match_description',
    colour_difference: 'not_match_description',
    wrong_item: 'wrong_product',
    missing_parts: 'missing_product',
  };
  return map[ourReason] ? `ecom_order_delivered_refund_and_return_reason_${map[ourReason]}_seller_uk` : 'seller_ecom_delivered_return_refund_reason1_uk';
}

/** Which return reason the buyer picks in the TikTok app for ours (the step text names it). */
export function appReasonKey(ourReason: string): 'appReasonDamaged' | 'appReasonDefective' | 'appReasonWrong' | 'appReasonMissing' | 'appReasonDescription' | 'appReasonChoice' {
  if (ourReason === 'damaged') return 'appReasonDamaged';
  if (ourReason === 'defective' || ourReason === 'product_issue') return 'appReasonDefective';
  if (ourReason === 'wrong_item' || ourReason === 'order_issue') return 'appReasonWrong';
  if (ourReason === 'missing_parts') return 'appReasonMissing';
  if (ourReason === 'not_as_described' || ourReason === 'colour_difference') return 'appReasonDescription';
  return 'appReasonChoice';
}

/** Serial numbers: letters, digits and - / . only, 3–64 characters (what is printed on products). */
export function normaliseSerial(s: string): string | null {
  const v = s.trim().toUpperCase().replace(/\s+/g, '');
  return /^[A-Z0-9][A-Z0-9./-]{2,63}$/.test(v) ? v : null;
}

/** A birthday the buyer gives: a real calendar date, in the past, not more than 120 years ago. */
export function validBirthday(s: string, now: Date): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  if (d.getUTCFullYear() !== +m[1]! || d.getUTCMonth() !== +m[2]! - 1 || d.getUTCDate() !== +m[3]!) return null;
  if (d.getTime() >= now.getTime() || now.getUTCFullYear() - d.getUTCFullYear() > 120) return null;
  return s.trim();
}

/** Warranty end: the card's warranty days counted from delivery (or, undelivered, from now). */
export function warrantyEnds(deliveredAt: Date | null, now: Date, warrantyDays: number): Date {
  return new Date((deliveredAt ?? now).getTime() + warrantyDays * 86_400_000);
}

/**
 * How long a card (and with it a "lifetime" warranty shown on the page) lives at most: ten years.
 * A lifetime warranty has no end date, but a card link must expire some day.
 */
export const CARD_MAX_WARRANTY_DAYS = 3650;

/** A warranty length read from text: days, or "for life" (no end; the card's maximum stands in). */
export type WarrantyTerm = { lifetime: false; days: number } | { lifetime: true; days: typeof CARD_MAX_WARRANTY_DAYS };

const NUMBER_WORDS: Record<string, number> = {
  one: 1, a: 1, an: 1, ein: 1, eine: 1, einen: 1, un: 1, une: 1, uno: 1, una: 1,
  two: 2, zwei: 2, deux: 2, due: 2, dos: 2,
  three: 3, drei: 3, trois: 3, tre: 3, tres: 3, 'três': 3,
  four: 4, vier: 4, quatre: 4, quattro: 4, cuatro: 4,
  five: 5, 'fünf': 5, cinq: 5, cinque: 5, cinco: 5,
  six: 6, sechs: 6, sei: 6, seis: 6,
  ten: 10, zehn: 10, dix: 10, dieci: 10, diez: 10,
  twelve: 12, 'zwölf': 12, douze: 12, dodici: 12, doce: 12,
  half: 0.5, halbes: 0.5, halben: 0.5, demi: 0.5, mezzo: 0.5, medio: 0.5,
};

/** Unit words of the five buyer languages (and common abbreviations), in days. */
const UNIT_WORDS: [RegExp, number][] = [
  [/^(?:years?|yrs?|y|jahre?s?n?|j|jährige[nrs]?|ans?|ann[ée]es?|ann[oi]|annuale|a[ñn]os?)$/, 365],
  [/^(?:months?|mos?|mths?|monate?n?|monats|mon|monatige[nrs]?|mois|mes[ei]|mes(?:es)?|mensile)$/, 30],
  [/^(?:weeks?|wks?|wochen?|semaines?|settiman[ae]|semanas?)$/, 7],
  [/^(?:days?|d|tage?n?|tägige[nrs]?|jours?|giorn[oi]|d[ií]as?)$/, 1],
];

/** "For life" in the five languages: one word, or a phrase of words in a row. */
const LIFETIME_PHRASES: string[][] = [
  ['lifetime'], ['lifelong'], ['life', 'time'], ['life', 'long'], ['unlimited'],
  ['lebenslang'], ['lebenslange'], ['lebenslanger'], ['unbegrenzt'], ['unbegrenzte'], ['unbegrenzter'], ['lebenszeit'],
  ['à', 'vie'], ['a', 'vie'], ['illimitée'], ['illimitee'],
  ['a', 'vita'], ['illimitata'],
  ['de', 'por', 'vida'], ['vitalicia'], ['vitalicio'], ['ilimitada'],
];

/**
 * A warranty length from a product's terms as sellers write them, in the five buyer languages:
 * "Warranty Period: 2 years", "Garantie: 24 Monate", "garantie 2 ans", "Garanzia 12 mesi",
 * "Garantía: 1 año", "90 days", "one year", "2.5 years", "1,5 Jahre", "halbes Jahr", and "for life"
 * ("lifetime", "lebenslang", "unbegrenzt", "à vie", "a vita", "de por vida"). A number (digits with an
 * optional decimal point or comma, or a number word) followed by a unit (year, month, week, day); a
 * year is 365 days, a month 30, a fraction rounds to the nearest day. Whatever comes first in the text
 * counts; a text with neither ("Manufacturer warranty", "no warranty") gives null, and so does a
 * length over 30 years (a typo: sellers who mean "for life" say so).
 */
export function warrantyTermIn(text: string | null | undefined): WarrantyTerm | null {
  if (!text) return null;
  const tokens = text
    .toLowerCase()
    .normalize('NFC')
    .replace(/(\d)(\p{L})/gu, '$1 $2')
    .split(/[^\p{L}\p{N}.,]+/u)
    .map((t) => t.replace(/^[.,]+|[.,]+$/g, ''))
    .filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    if (LIFETIME_PHRASES.some((p) => p.every((w, k) => tokens[i + k] === w))) return { lifetime: true, days: CARD_MAX_WARRANTY_DAYS };
    const t = tokens[i]!;
    const n = /^\d{1,4}(?:[.,]\d{1,2})?$/.test(t) ? Number(t.replace(',', '.')) : NUMBER_WORDS[t];
    // "half a year": the article between belongs to the half.
    const u = n === 0.5 && (tokens[i + 1] === 'a' || tokens[i + 1] === 'an') ? i + 2 : i + 1;
    if (!n || u >= tokens.length) continue;
    const unit = UNIT_WORDS.find(([re]) => re.test(tokens[u]!));
    if (!unit) continue;
    const days = Math.round(n * unit[1]);
    return days > 0 && days <= 30 * 365 ? { lifetime: false, days } : null;
  }
  return null;
}

/** The length in days only ("for life" as the card's maximum); null when the text names none. */
export function warrantyDaysIn(text: string | null | undefined): number | null {
  return warrantyTermIn(text)?.days ?? null;
}

/** Where a product's warranty length came from: its own terms, or the shop's default. */
export interface LineWarranty {
  days: number;
  source: 'product' | 'default';
  /** The terms say "for life": no end date; `days` is the card's maximum lifetime. */
  lifetime: boolean;
}

/**
 * A product's warranty: the listing's warranty attribute first (what the buyer was shown), then the
 * seller's warranty knowledge (the buyer's language, then English, then any), else the default.
 */
export function lineWarranty(terms: { warranty: string | null; warrantyTexts: { language: string; body: string }[] } | undefined, language: string, defaultDays: number): LineWarranty {
  if (terms) {
    const byLang = [...terms.warrantyTexts].sort((a, b) => rank(a.language) - rank(b.language));
    for (const t of [terms.warranty, ...byLang.map((x) => x.body)]) {
      const term = warrantyTermIn(t);
      if (term) return { days: term.days, source: 'product', lifetime: term.lifetime };
    }
  }
  return { days: defaultDays, source: 'default', lifetime: false };
  function rank(l: string) {
    return l === language ? 0 : l === 'en' ? 1 : 2;
  }
}

/**
 * The address a buyer gives on the page for answers by e-mail ("e-mail me the answer"): trimmed,
 * lower-cased, one plain mailbox (local@domain with a dot in the domain, no spaces, no display name
 * or list), at most 254 characters. Empty → null (the field is optional); anything else → 'invalid'.
 */
export function replyAddress(raw: string): string | null | 'invalid' {
  const a = raw.trim().toLowerCase();
  if (!a) return null;
  if (a.length > 254) return 'invalid';
  const m = /^([a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64})@([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)$/.exec(a);
  if (!m) return 'invalid';
  const local = m[1]!;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return 'invalid';
  // The top-level domain is letters (or an IDN's xn--), never digits only.
  if (!/^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(m[2]!.split('.').pop()!)) return 'invalid';
  return a;
}

/** One variant the buyer may exchange for: the catalogue SKU, the order line it replaces, what the return records. */
export interface ExchangeChoice {
  /** The platform SKU id (the form's value). */
  value: string;
  label: string;
  lineId: string;
  /** What the return's exchange names: the seller SKU (what exchange stock is kept by), else the variant's name. */
  exchangeSku: string;
}

/**
 * The variants a buyer can pick for an exchange: for each order line whose product the catalogue
 * knows, every other SKU of that product (the one bought is left out). Empty when no product of
 * the order has variants; the page then asks for the wish in free text.
 */
export function exchangeChoices(
  lines: { id: string; productId: string; skuId: string; productName: string }[],
  terms: { externalProductId: string; skus: { externalSkuId: string; sellerSku: string | null; name: string | null }[] }[],
): ExchangeChoice[] {
  const out: ExchangeChoice[] = [];
  const seen = new Set<string>();
  for (const l of lines) {
    const p = terms.find((t) => t.externalProductId === l.productId);
    for (const sku of p?.skus ?? []) {
      if (sku.externalSkuId === l.skuId || seen.has(sku.externalSkuId)) continue;
      const name = sku.name ?? sku.sellerSku;
      if (!name) continue;
      seen.add(sku.externalSkuId);
      out.push({ value: sku.externalSkuId, label: `${l.productName} — ${name}`, lineId: l.id, exchangeSku: (sku.sellerSku ?? name).slice(0, 100) });
    }
  }
  return out;
}

/**
 * The buyer reads every refusal in their language: a server error code (and, for returns, each
 * eligibility reason's code) maps to a text key; anything unknown gets the general refusal, never
 * the staff-facing English message.
 */
export function buyerMessageKeys(code: string, reasonCodes: string[] = []): string[] {
  const byCode: Record<string, string> = {
    'portal.no_lines': 'errNoLines',
    'portal.serial_invalid': 'errSerial',
    'portal.product_required': 'errProduct',
    'portal.birthday_invalid': 'errBirthday',
    'portal.consent_required': 'errConsent',
    'portal.message_required': 'errMessage',
    'portal.email_invalid': 'errEmail',
    'returns.exchange_sku_required': 'errExchangeSku',
    'portal.exchange_choice_invalid': 'errExchangeSku',
    'portal.csat_invalid': 'errCsat',
    'returns.unknown_reason': 'errReason',
  };
  if (code === 'returns.not_eligible') {
    const keys = [...new Set(reasonCodes.map((c) => `elig_${c}`))];
    return ['notEligible', ...(keys.length ? keys : ['errGeneral'])];
  }
  if (code.startsWith('upload.') || code.startsWith('evidence.')) return ['badFile'];
  return [byCode[code] ?? 'errGeneral'];
}
