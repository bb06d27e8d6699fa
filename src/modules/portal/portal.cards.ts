import fs from 'node:fs';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { PortalLanguage } from './portal.rules.js';
import { tx } from './portal.texts.js';

/** A6 (105 × 148 mm) and a 4 × 6 in shipping label, in PDF points. */
export const CARD_SIZES = { a6: [297.64, 419.53], label: [288, 432] } as const;
export type CardSize = keyof typeof CARD_SIZES;

export interface CardShop {
  name: string;
  timeZone: string;
  businessHours: Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', { start: string; end: string }[]>;
  returnPolicy: { windowDays: number; noReasonReturns: boolean; returnShippingPaidBy: 'buyer' | 'seller' };
  supportContacts: { email?: string; phone?: string; whatsapp?: string };
}

export interface CardInput {
  url: string;
  code: string;
}

// DejaVu covers every letter of en/de/fr/it/es; Helvetica (WinAnsi) would too but not typographic quotes everywhere.
const DEJAVU = '/usr/share/fonts/truetype/dejavu';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** "Mon–Fri 09:00–18:00 · Sat 10:00–14:00 (Europe/Berlin)": consecutive days with equal hours merge. */
export function hoursLine(shop: Pick<CardShop, 'businessHours' | 'timeZone'>, lang: PortalLanguage): string {
  const names = tx(lang, 'days').split(',');
  const spans = DAYS.map((d) => shop.businessHours[d].map((i) => `${i.start}–${i.end}`).join(', '));
  const parts: string[] = [];
  let i = 0;
  while (i < 7) {
    let j = i;
    while (j + 1 < 7 && spans[j + 1] === spans[i]) j++;
    if (spans[i]) parts.push(`${names[i]}${j > i ? `–${names[j]}` : ''} ${spans[i]}`);
    i = j + 1;
  }
  return `${parts.join(' · ') || tx(lang, 'closed')} (${shop.timeZone})`;
}

/** The one return-policy line a card carries, from the shop's own policy. */
export function policyLine(policy: CardShop['returnPolicy'], lang: PortalLanguage): string {
  return (
    tx(lang, 'policyDays', { days: policy.windowDays }) +
    (policy.noReasonReturns ? tx(lang, 'policyNoReason') : '') +
    (policy.returnShippingPaidBy === 'seller' ? tx(lang, 'policyFreeShip') : tx(lang, 'policyBuyerShip'))
  );
}

/** Light modules around the code: ISO/IEC 18004 asks for four; fewer lets nearby text confuse a camera. */
const QUIET_ZONE = 4;

/** The QR code's dark modules, one rectangle per horizontal run, filled black on white. */
function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const cell = size / (n + 2 * QUIET_ZONE);
  doc.rect(x, y, size, size).fill('#ffffff');
  for (let r = 0; r < n; r++) {
    let c = 0;
    while (c < n) {
      if (!qr.modules.get(r, c)) {
        c++;
        continue;
      }
      const start = c;
      while (c < n && qr.modules.get(r, c)) c++;
      // A hair of overlap so rasterisers leave no seams between rows (seams break some decoders).
      doc.rect(x + (start + QUIET_ZONE) * cell, y + (r + QUIET_ZONE) * cell, (c - start) * cell + 0.05 * cell, cell * 1.05);
    }
  }
  doc.fill('#000000');
}

/**
 * One PDF, one page per card. The content is after-sales support only (no promotion, no
 * discount for leaving the platform): see docs/ARCHITECTURE.md "Buyer side".
 */
export async function renderCards(
  shop: CardShop,
  cards: CardInput[],
  opts: { size: CardSize; language: PortalLanguage; showContacts?: boolean; onProgress?: (done: number, total: number) => void; heldOut?: number },
): Promise<Buffer> {
  const [w, h] = CARD_SIZES[opts.size];
  const doc = new PDFDocument({ size: [w, h], margin: 18, autoFirstPage: false, info: { Title: `${shop.name} after-sales cards`, Producer: 'Afterdesk' } });
  const hasDejaVu = fs.existsSync(`${DEJAVU}/DejaVuSans.ttf`) && fs.existsSync(`${DEJAVU}/DejaVuSans-Bold.ttf`);
  const regular = hasDejaVu ? 'body' : 'Helvetica';
  const bold = hasDejaVu ? 'bold' : 'Helvetica-Bold';
  if (hasDejaVu) {
    doc.registerFont('body', `${DEJAVU}/DejaVuSans.ttf`);
    doc.registerFont('bold', `${DEJAVU}/DejaVuSans-Bold.ttf`);
  }
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  const L = opts.language;
  const m = 18;
  const inner = w - 2 * m;
  const hours = hoursLine(shop, L);
  const policy = policyLine(shop.returnPolicy, L);
  const c = shop.supportContacts;
  for (let n = 0; n < cards.length; n++) {
    const card = cards[n]!;
    doc.addPage({ size: [w, h], margin: m });
    doc.rect(0, 0, w, 6).fill('#1d2b4f');
    doc.fillColor('#1d2b4f').font(bold).fontSize(11).text(shop.name, m, m, { width: inner });
    doc.moveDown(0.3).font(bold).fontSize(14).fillColor('#000000').text(tx(L, 'cardTitle'), { width: inner });
    doc.moveDown(0.2).font(regular).fontSize(9).text(tx(L, 'cardIntro'), { width: inner });
    doc.moveDown(0.5);
    const row = (k: string, v: string | undefined) => {
      if (!v) return;
      doc.font(bold).fontSize(9).text(`${k}: `, { continued: true, width: inner }).font(regular).text(v);
    };
    if (opts.showContacts !== false) {
      row(tx(L, 'phone'), c.phone);
      row(tx(L, 'whatsapp'), c.whatsapp);
      row(tx(L, 'email'), c.email);
    }
    row(tx(L, 'hours'), hours);
    doc.moveDown(0.4).font(regular).fontSize(8.5).fillColor('#333333').text(policy, { width: inner });
    // QR as vector squares (error correction M survives a scuffed insert; 4-module quiet zone). Drawing
    // the modules is ~100× faster than embedding a PNG per card and stays sharp at any print size.
    const qrSize = Math.min(inner, h - doc.y - 70, 180);
    const qrY = h - m - 44 - qrSize;
    drawQr(doc, card.url, (w - qrSize) / 2, qrY, qrSize);
    doc.fillColor('#000000').font(bold).fontSize(8.5).text(tx(L, 'scan'), m, qrY + qrSize + 2, { width: inner, align: 'center' });
    doc.font(regular).fontSize(8.5).text(`${tx(L, 'code')}: ${card.code}`, { width: inner, align: 'center' });
    opts.onProgress?.(n + 1, cards.length);
  }
  if (cards.length === 0) {
    // Every order fell in the hold-out group: a PDF without pages is not a PDF, so one page says why.
    doc.addPage({ size: [w, h], margin: m });
    doc.fillColor('#1d2b4f').font(bold).fontSize(11).text(shop.name, m, m, { width: inner });
    doc.moveDown(0.5).fillColor('#000000').font(regular).fontSize(10).text(tx(L, 'allHeldOut', { count: opts.heldOut ?? 0 }), { width: inner });
  }
  doc.end();
  await done;
  return Buffer.concat(chunks);
}
