import type { OrderView } from '../orders/index.js';
import type { BuyerReturnTimeline, ReasonNode } from '../returns/index.js';
import type { BuyerConversationMessage } from '../helpdesk/index.js';
import type { ShopRow } from '../tenancy/index.js';
import { hoursLine, policyLine } from './portal.cards.js';
import { appReasonKey, PORTAL_LANGUAGES, type ExchangeChoice, type PlatformReturnRoute, type PortalLanguage } from './portal.rules.js';
import { LANGUAGE_NAMES, tx, type TextKey } from './portal.texts.js';

/**
 * The buyer's page, rendered on the server: plain HTML forms, no script at all (0 kB of
 * JavaScript), so it works on any phone and the CSP can forbid every script.
 */
export function esc(s: string | number | null | undefined): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f4f5f7}
header{background:#1d2b4f;color:#fff;padding:12px 16px}header h1{margin:0;font-size:1.15rem}
main{max-width:560px;margin:0 auto;padding:12px}section{background:#fff;border-radius:10px;padding:14px 16px;margin:12px 0;border:1px solid #d9dce3}
h2{font-size:1.05rem;margin:0 0 8px}label{display:block;font-weight:600;margin:10px 0 4px}
input[type=text],input[type=email],input[type=date],select,textarea{width:100%;padding:10px;font:inherit;border:1px solid #6b7280;border-radius:6px;background:#fff;color:#1a1a1a}
textarea{min-height:90px}button{margin-top:12px;padding:12px 18px;font:inherit;font-weight:600;color:#fff;background:#1d4ed8;border:0;border-radius:6px;width:100%}
button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.muted{color:#4b5563;font-size:.92rem}.ok{background:#e7f6ec;border-color:#2f855a}.err{background:#fdecec;border-color:#c53030}
nav.lang{display:flex;gap:10px;flex-wrap:wrap;margin-top:6px}nav.lang a{color:#fff}
ol.tl{padding-left:20px;margin:6px 0}ol.tl li.done{font-weight:600}.msg{border-left:4px solid #9ca3af;padding:4px 10px;margin:8px 0}.msg.us{border-color:#1d4ed8}
a.btn{display:block;text-align:center;padding:12px 18px;font-weight:600;color:#fff;background:#111827;border-radius:6px;text-decoration:none}.guide{border-color:#1d4ed8}
.note{display:block;color:#7c2d12}ul.terms{padding-left:20px;margin:6px 0}fieldset{border:0;padding:0;margin:0}legend{font-weight:600;margin:10px 0 4px}.check{display:flex;gap:8px;align-items:flex-start;margin:4px 0}
`;

export function layout(lang: PortalLanguage, title: string, body: string, opts: { langLinks?: string } = {}): string {
  const links = opts.langLinks
    ? `<nav class="lang" aria-label="${esc(tx(lang, 'language'))}">${PORTAL_LANGUAGES.map((l) => (l === lang ? `<span lang="${l}" aria-current="true">${LANGUAGE_NAMES[l]}</span>` : `<a lang="${l}" href="${esc(opts.langLinks)}?lang=${l}">${LANGUAGE_NAMES[l]}</a>`)).join('')}</nav>`
    : '';
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${esc(title)}</title><style>${CSS}</style></head><body><header><h1>${esc(title)}</h1>${links}</header><main>${body}</main></body></html>`;
}

export function unknownPage(lang: PortalLanguage, csrf: string): string {
  return layout(lang, tx(lang, 'lookupTitle'), `<section class="err" role="alert"><p>${esc(tx(lang, 'unknown'))}</p></section>${lookupForm(lang, csrf)}`, { langLinks: '/p' });
}

export function lookupForm(lang: PortalLanguage, csrf: string, notice?: string): string {
  return `${notice ? `<section class="err" role="alert"><p>${esc(notice)}</p></section>` : ''}<section><h2>${esc(tx(lang, 'lookupTitle'))}</h2>
<form method="post" action="/p/lookup" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="${esc(csrf)}"><input type="hidden" name="lang" value="${lang}">
<label for="orderNumber">${esc(tx(lang, 'orderNumber'))}</label><input type="text" id="orderNumber" name="orderNumber" autocomplete="off" inputmode="numeric" required maxlength="64">
<label for="code">${esc(tx(lang, 'code'))}</label><input type="text" id="code" name="code" autocomplete="off" autocapitalize="characters" required maxlength="20">
<button type="submit">${esc(tx(lang, 'open'))}</button></form></section>`;
}

export interface PageData {
  order: OrderView;
  shop: ShopRow;
  returns: BuyerReturnTimeline[];
  reasons: ReasonNode[];
  messages: BuyerConversationMessage[];
  platformRoute: PlatformReturnRoute;
  warranties: { productName: string; serialNumber: string; endsAt: string }[];
  /** Each line's warranty: from the product's terms, or the shop's default (shown with a note). */
  lineWarranties: { lineId: string; productName: string; days: number; source: 'product' | 'default'; lifetime: boolean; endsAt: string }[];
  /** When this card (and the page it opens) stops working: what a lifetime warranty is good for here. */
  cardExpiresAt: string | null;
  defaultWarrantyDays: number;
  /** Variants to exchange for (catalogue); empty: the wish is free text. */
  exchangeChoices: ExchangeChoice[];
  /** Ask "how happy are you" (the conversation is solved and the buyer has not answered here). */
  askCsat: boolean;
}

/**
 * Where TikTok lets only the buyer open the return: the steps in the app, with the reason to pick
 * named in their language, for each return started here that TikTok does not have yet. The link
 * opens TikTok's site (the app takes it over on a phone); no deep link into an order is published.
 */
function tiktokGuide(lang: PortalLanguage, d: PageData): string {
  if (d.platformRoute === 'none') return '';
  const pending = d.returns.filter((r) => r.channel === 'self_service' && !r.platformReturnId && !r.closedAt);
  const linked = d.returns.filter((r) => r.channel === 'self_service' && r.platformReturnId);
  const parts: string[] = [];
  if (d.platformRoute === 'api' && pending.length) parts.push(`<section class="ok" role="status"><p>${esc(tx(lang, 'tiktokCreated'))}</p></section>`);
  if (d.platformRoute === 'app' && pending.length) {
    const reason = tx(lang, appReasonKey(pending[0]!.reason?.code ?? ''));
    parts.push(`<section class="guide" aria-labelledby="tt-guide"><h2 id="tt-guide">${esc(tx(lang, 'tiktokGuideTitle'))}</h2><p>${esc(tx(lang, 'tiktokGuideWhy'))}</p><ol>
<li>${esc(tx(lang, 'tiktokStep1'))}</li><li>${esc(tx(lang, 'tiktokStep2', { order: d.order.externalId }))}</li><li>${esc(tx(lang, 'tiktokStep3', { reason }))}</li><li>${esc(tx(lang, 'tiktokStep4'))}</li></ol>
<p><a class="btn" href="https://www.tiktok.com/" rel="noopener noreferrer">${esc(tx(lang, 'tiktokOpenApp'))}</a></p></section>`);
  }
  if (linked.length) parts.push(`<section class="ok" role="status"><p>${esc(tx(lang, 'tiktokLinked'))} ${linked.map((r) => esc(r.rma)).join(', ')}</p></section>`);
  return parts.join('\n');
}

function warrantySection(lang: PortalLanguage, d: PageData, hidden: string): string {
  const list = d.warranties.length
    ? `<p><strong>${esc(tx(lang, 'warrantyList'))}</strong></p><ul>${d.warranties.map((w) => `<li>${esc(w.productName)} — ${esc(w.serialNumber)} (${esc(date(w.endsAt, lang, d.shop.timeZone))})</li>`).join('')}</ul>`
    : '';
  const terms = d.lineWarranties
    .map((w) => `<li>${esc(w.lifetime ? tx(lang, 'warrantyLifetime', { product: w.productName, until: date(d.cardExpiresAt ?? w.endsAt, lang, d.shop.timeZone) }) : tx(lang, 'warrantyLine', { product: w.productName, days: w.days, until: date(w.endsAt, lang, d.shop.timeZone) }))}${w.source === 'default' ? ` <span class="note">${esc(tx(lang, 'warrantyDefault'))}</span>` : ''}</li>`)
    .join('');
  return `<section><h2>${esc(tx(lang, 'warrantyTitle'))}</h2><ul class="muted terms">${terms}</ul><p class="muted">${esc(tx(lang, 'warrantyKeep'))}</p>${list}
<form method="post" action="/p/order/warranty" enctype="multipart/form-data">${hidden}
<label for="wline">${esc(tx(lang, 'product'))}</label><select id="wline" name="line" required>${d.order.lines.map((l) => `<option value="${esc(l.id)}">${esc(l.productName)}</option>`).join('')}</select>
<label for="wserial">${esc(tx(lang, 'serial'))}</label><input type="text" id="wserial" name="serial" required maxlength="64" autocomplete="off" autocapitalize="characters">
<label for="wproof">${esc(tx(lang, 'proof'))}</label><input type="file" id="wproof" name="photo" accept="image/*">
${replyField(lang, 'w')}
<button type="submit">${esc(tx(lang, 'register'))}</button></form></section>`;
}

/** The optional "e-mail me the answer" field; the same on every form that starts a conversation. */
function replyField(lang: PortalLanguage, prefix: string): string {
  return `<label for="${prefix}email">${esc(tx(lang, 'replyEmail'))}</label><input type="email" id="${prefix}email" name="email" maxlength="254" autocomplete="email" inputmode="email" aria-describedby="${prefix}emailNote">
<p class="muted" id="${prefix}emailNote">${esc(tx(lang, 'replyEmailNote'))}</p>`;
}

/** The exchange wish: a variant of the order's products when the catalogue has them, else free text. */
function exchangeField(lang: PortalLanguage, choices: ExchangeChoice[]): string {
  if (!choices.length) return `<label for="rwish">${esc(tx(lang, 'exchangeWish'))}</label><input type="text" id="rwish" name="exchangeWish" maxlength="100">`;
  return `<label for="rchoice">${esc(tx(lang, 'exchangeWish'))}</label><select id="rchoice" name="exchangeChoice"><option value="">${esc(tx(lang, 'exchangePick'))}</option>${choices.map((c) => `<option value="${esc(c.value)}">${esc(c.label)}</option>`).join('')}</select>`;
}

function csatSection(lang: PortalLanguage, shop: string, hidden: string): string {
  const options = [1, 2, 3, 4, 5].map((n) => `<div class="check"><input type="radio" id="csat${n}" name="score" value="${n}" required><label for="csat${n}" style="margin:0;font-weight:400">${n} — ${esc(tx(lang, `csat${n}` as TextKey))}</label></div>`).join('');
  return `<section class="guide" aria-labelledby="csat-q"><h2 id="csat-q">${esc(tx(lang, 'csatTitle'))}</h2><form method="post" action="/p/order/csat" enctype="multipart/form-data">${hidden}
<fieldset><legend>${esc(tx(lang, 'csatQuestion', { shop }))}</legend>${options}</fieldset>
<button type="submit">${esc(tx(lang, 'send'))}</button></form></section>`;
}

function birthdaySection(lang: PortalLanguage, hidden: string): string {
  return `<section><h2>${esc(tx(lang, 'birthdayTitle'))}</h2><p class="muted">${esc(tx(lang, 'birthdayIntro'))}</p>
<form method="post" action="/p/order/preferences" enctype="multipart/form-data">${hidden}
<label for="bday">${esc(tx(lang, 'birthday'))}</label><input type="date" id="bday" name="birthday">
<div class="check"><input type="checkbox" id="bconsent" name="birthdayConsent" value="yes"><label for="bconsent" style="margin:0;font-weight:400">${esc(tx(lang, 'birthdayConsent'))}</label></div>
<div class="check"><input type="checkbox" id="mconsent" name="marketingConsent" value="yes"><label for="mconsent" style="margin:0;font-weight:400">${esc(tx(lang, 'marketingConsent'))}</label></div>
<button type="submit">${esc(tx(lang, 'save'))}</button></form></section>`;
}

// Building an Intl formatter costs far more than using one (it was the page's largest own cost
// in the bench profile): one per language and currency / time zone, kept for the process.
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();
function cached<F>(m: Map<string, F>, key: string, make: () => F): F {
  let f = m.get(key);
  if (!f) {
    if (m.size > 500) m.clear();
    f = make();
    m.set(key, f);
  }
  return f;
}

function money(amount: number, currency: string, lang: PortalLanguage): string {
  const digits = ['JPY', 'KRW', 'VND', 'IDR'].includes(currency) ? 0 : 2;
  return cached(numberFormats, `${lang}|${currency}`, () => new Intl.NumberFormat(lang, { style: 'currency', currency })).format(amount / 10 ** digits);
}

function date(at: string | Date | null, lang: PortalLanguage, zone: string): string {
  return at ? cached(dateFormats, `${lang}|${zone}`, () => new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: zone })).format(typeof at === 'string' ? new Date(at) : at) : '';
}

function returnTimeline(r: BuyerReturnTimeline, lang: PortalLanguage, zone: string): string {
  const steps: [string, Date | null][] = [
    [tx(lang, 'requested'), r.requestedAt],
    [tx(lang, 'received'), r.receivedAt],
    [tx(lang, 'inspected'), r.inspectedAt],
    [tx(lang, 'refunded'), r.refundedAt],
    [tx(lang, 'closedStep'), r.closedAt],
  ];
  return `<p><strong>${esc(r.rma)}</strong> · ${esc(r.reason?.label ?? '')}</p><ol class="tl">${steps.map(([k, at]) => `<li class="${at ? 'done' : ''}">${esc(k)}${at ? ` — ${esc(date(at, lang, zone))}` : ''}</li>`).join('')}</ol>`;
}

export function orderPage(lang: PortalLanguage, csrf: string, d: PageData, notice?: { kind: 'ok' | 'err'; text: string }): string {
  const { order, shop } = d;
  const c = shop.supportContacts;
  const delivered = order.deliveredAt ? `${tx(lang, 'delivered')}: ${date(order.deliveredAt, lang, shop.timeZone)}` : tx(lang, 'inTransit');
  const lines = order.lines.map((l) => `<li>${esc(l.productName)}${l.skuName ? ` (${esc(l.skuName)})` : ''} — ${esc(money(l.paidAmount, l.currency, lang))}</li>`).join('');
  const reasonLabel = (n: ReasonNode) => n.labels[lang] ?? n.labels.en;
  const msgs = d.messages
    .map((m) => `<div class="msg ${m.direction === 'outbound' ? 'us' : ''}"><div class="muted">${esc(m.direction === 'outbound' ? tx(lang, 'us') : tx(lang, 'you'))} · ${esc(date(m.sentAt, lang, shop.timeZone))}</div><div>${esc(m.body)}</div>${m.attachmentCount ? `<div class="muted">${esc(tx(lang, 'attachments'))}: ${m.attachmentCount}</div>` : ''}</div>`)
    .join('');
  const hidden = `<input type="hidden" name="csrf" value="${esc(csrf)}">`;
  return layout(
    lang,
    `${tx(lang, 'pageTitle')} ${order.externalId}`,
    `${notice ? `<section class="${notice.kind}" role="${notice.kind === 'err' ? 'alert' : 'status'}"><p>${esc(notice.text)}</p></section>` : ''}
<section><h2>${esc(shop.name)}</h2><p>${esc(tx(lang, 'delivery'))}: ${esc(delivered)}${order.trackingNumber ? ` · ${esc(order.carrier ?? '')} ${esc(order.trackingNumber)}` : ''}</p>
<h2>${esc(tx(lang, 'items'))}</h2><ul>${lines}</ul><p class="muted">${esc(policyLine(shop.returnPolicy, lang))}</p></section>
${tiktokGuide(lang, d)}
${d.returns.length ? `<section><h2>${esc(tx(lang, 'returns'))}</h2>${d.returns.map((r) => returnTimeline(r, lang, shop.timeZone)).join('')}</section>` : ''}
${msgs ? `<section><h2>${esc(tx(lang, 'conversation'))}</h2>${msgs}</section>` : ''}
${d.askCsat ? csatSection(lang, shop.name, hidden) : ''}
<section><h2>${esc(tx(lang, 'startReturn'))}</h2><form method="post" action="/p/order/return" enctype="multipart/form-data">${hidden}
<fieldset><legend>${esc(tx(lang, 'items'))}</legend>${order.lines.map((l, i) => `<div class="check"><input type="checkbox" id="line${i}" name="line" value="${esc(l.id)}"><label for="line${i}" style="margin:0;font-weight:400">${esc(l.productName)}</label></div>`).join('')}</fieldset>
<label for="reason">${esc(tx(lang, 'reason'))}</label><select id="reason" name="reason" required>${d.reasons.map((n) => `<option value="${esc(n.code)}">${esc(reasonLabel(n))}</option>`).join('')}</select>
<fieldset><legend>${esc(tx(lang, 'resolution'))}</legend><div class="check"><input type="radio" id="resRefund" name="resolution" value="refund" checked><label for="resRefund" style="margin:0;font-weight:400">${esc(tx(lang, 'refund'))}</label></div><div class="check"><input type="radio" id="resExchange" name="resolution" value="exchange"><label for="resExchange" style="margin:0;font-weight:400">${esc(tx(lang, 'exchange'))}</label></div></fieldset>
${exchangeField(lang, d.exchangeChoices)}
<label for="rnote">${esc(tx(lang, 'note'))}</label><textarea id="rnote" name="note" maxlength="4000"></textarea>
<label for="rphoto">${esc(tx(lang, 'photo'))}</label><input type="file" id="rphoto" name="photo" accept="image/*,video/*">
${replyField(lang, 'r')}
<button type="submit">${esc(tx(lang, 'startReturn'))}</button></form></section>
<section><h2>${esc(tx(lang, 'writeUs'))}</h2><form method="post" action="/p/order/message" enctype="multipart/form-data">${hidden}
<label for="mtext">${esc(tx(lang, 'message'))}</label><textarea id="mtext" name="text" required maxlength="4000"></textarea>
<label for="mphoto">${esc(tx(lang, 'photo'))}</label><input type="file" id="mphoto" name="photo" accept="image/*,video/*">
${replyField(lang, 'm')}
<button type="submit">${esc(tx(lang, 'send'))}</button></form></section>
${warrantySection(lang, d, hidden)}
${birthdaySection(lang, hidden)}
<section><p class="muted">${[c.phone && `${tx(lang, 'phone')}: ${c.phone}`, c.whatsapp && `${tx(lang, 'whatsapp')}: ${c.whatsapp}`, c.email && `${tx(lang, 'email')}: ${c.email}`, `${tx(lang, 'hours')}: ${hoursLine(shop, lang)}`].filter(Boolean).map((x) => esc(x as string)).join('<br>')}</p></section>`,
    { langLinks: '/p/order' },
  );
}
