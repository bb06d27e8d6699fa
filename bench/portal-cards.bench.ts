import PDFDocument from 'pdfkit';
import { renderCards } from '../src/modules/portal/index.js';
import { printComparison, stats, type BenchContext } from './harness.js';

/**
 * 1,000 after-sales cards (A6, German, one QR each) as one PDF, against pdfkit writing the same
 * number of pages with one line of text. Reports wall time and the peak RSS seen while each ran.
 */
const SHOP = {
  name: 'Nordlicht Audio DE',
  timeZone: 'Europe/Berlin',
  businessHours: { mon: [{ start: '09:00', end: '18:00' }], tue: [{ start: '09:00', end: '18:00' }], wed: [{ start: '09:00', end: '18:00' }], thu: [{ start: '09:00', end: '18:00' }], fri: [{ start: '09:00', end: '18:00' }], sat: [], sun: [] },
  returnPolicy: { windowDays: 30, noReasonReturns: true, returnShippingPaidBy: 'seller' as const },
  supportContacts: { phone: '+49 30 1234 5678', whatsapp: '+49 151 2345 6789', email: 'service@example.de' },
};

async function measure(fn: () => Promise<unknown>): Promise<{ ms: number; peakRss: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  clearInterval(timer);
  return { ms, peakRss: Math.max(peak, process.memoryUsage().rss) };
}

function plainPdf(pages: number): Promise<Buffer> {
  const doc = new PDFDocument({ size: [297.64, 419.53], autoFirstPage: false });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((r) => doc.on('end', () => r(Buffer.concat(chunks))));
  for (let i = 0; i < pages; i++) doc.addPage().text(`Page ${i + 1}`);
  doc.end();
  return done;
}

export default async function portalCards(ctx: BenchContext): Promise<void> {
  const n = Math.round(1000 * ctx.scale);
  const cards = Array.from({ length: n }, (_, i) => ({ url: `https://desk.example.com/p/${String(i).padStart(32, 'x')}`, code: `K7PX-${String(i).padStart(4, '0')}` }));
  const base = await measure(() => plainPdf(n));
  const subj = await measure(() => renderCards(SHOP, cards, { size: 'a6', language: 'de' }));
  printComparison({
    name: `${n} cards as one PDF`,
    baseline: { label: `pdfkit, ${n} plain pages`, stats: stats([base.ms]) },
    subject: { label: `renderCards, ${n} A6 cards with QR`, stats: stats([subj.ms]) },
    notes: [`peak RSS: baseline ${(base.peakRss / 2 ** 20).toFixed(0)} MB, cards ${(subj.peakRss / 2 ** 20).toFixed(0)} MB (process-wide, sampled every 20 ms)`],
  });
}
