import { renderSummary, summaryKeyFor } from './evidence.summary.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import PDFDocument from 'pdfkit';
import yazl from 'yazl';
import type { DisputeReason, EvidenceKind, PackLanguage, PackSection, PackWarning } from './evidence.dto.js';
import { missingEvidence, sectionFor, tr } from './evidence.rules.js';
import type { EvidenceCheckpointRow, EvidenceFileRow, EvidenceRecordRow } from './evidence.schema.js';
import type { EvidenceFileStore } from './evidence.service.js';

export interface PackInput {
  orgId: string;
  caseId: string;
  reason: DisputeReason;
  language: PackLanguage;
  generatedAt: Date;
  records: EvidenceRecordRow[];
  files: EvidenceFileRow[];
  head: { seq: number; hash: string };
  checkpoint: EvidenceCheckpointRow | null;
  store: EvidenceFileStore;
}

export interface PackManifest {
  format: 'afterdesk.evidence-pack/1';
  orgId: string;
  caseId: string;
  reason: DisputeReason;
  language: PackLanguage;
  generatedAt: string;
  chain: { headSeq: number; headHash: string; lastCheckpoint: { seq: number; hash: string; signedAt: string; publicKey: string; signature: string } | null };
  summary: { path: string; sha256: string; size: number };
  records: { id: string; seq: number; hash: string; kind: EvidenceKind; section: PackSection; occurredAt: string; fileSha256s: string[] }[];
  files: { path: string; sha256: string; size: number; contentType: string; section: PackSection; fileName: string; recordIds: string[] }[];
  warnings: PackWarning[];
}

export interface PackOutput {
  fileName: string;
  stream: Readable;
  manifest: PackManifest;
  warnings: PackWarning[];
}

// Fonts are optional system packages: DejaVu covers Latin scripts beyond WinAnsi (buyer names,
// emoji-free chat text), Noto CJK lets the seller's internal copy be in Chinese. Without them
// pdfkit's built-in Helvetica still produces a readable pack for the European languages.
const FONT_DIR_DEJAVU = '/usr/share/fonts/truetype/dejavu';
const CJK_REGULAR = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
const CJK_BOLD = '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc';

interface Fonts {
  regular: string;
  bold: string;
}

function setupFonts(doc: PDFKit.PDFDocument, language: PackLanguage): Fonts {
  if (language === 'zh-CN' && fs.existsSync(CJK_REGULAR)) {
    doc.registerFont('body', CJK_REGULAR, 'NotoSansCJKsc-Regular');
    doc.registerFont('bold', fs.existsSync(CJK_BOLD) ? CJK_BOLD : CJK_REGULAR, fs.existsSync(CJK_BOLD) ? 'NotoSansCJKsc-Bold' : 'NotoSansCJKsc-Regular');
    return { regular: 'body', bold: 'bold' };
  }
  const reg = `${FONT_DIR_DEJAVU}/DejaVuSans.ttf`;
  const bold = `${FONT_DIR_DEJAVU}/DejaVuSans-Bold.ttf`;
  if (fs.existsSync(reg) && fs.existsSync(bold)) {
    doc.registerFont('body', reg);
    doc.registerFont('bold', bold);
    return { regular: 'body', bold: 'bold' };
  }
  return { regular: 'Helvetica', bold: 'Helvetica-Bold' };
}

const LOCALE: Record<PackLanguage, string> = { en: 'en-GB', de: 'de-DE', fr: 'fr-FR', it: 'it-IT', es: 'es-ES', 'zh-CN': 'zh-CN' };

function fmtDate(d: Date, lang: PackLanguage): string {
  return `${new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(d)} UTC`;
}

function isMoney(v: unknown): v is { amount: number; currency: string } {
  return !!v && typeof v === 'object' && typeof (v as { amount?: unknown }).amount === 'number' && typeof (v as { currency?: unknown }).currency === 'string' && Object.keys(v).length <= 3;
}

export function fmtMoney(m: { amount: number; currency: string }, lang: PackLanguage): string {
  try {
    const f = new Intl.NumberFormat(LOCALE[lang], { style: 'currency', currency: m.currency });
    const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
    return f.format(m.amount / 10 ** digits);
  } catch {
    return `${m.amount} ${m.currency}`;
  }
}

function fmtValue(v: unknown, lang: PackLanguage): string {
  if (v === null || v === undefined) return '—';
  if (isMoney(v)) return fmtMoney(v, lang);
  if (typeof v === 'string') {
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) {
      const d = new Date(v);
      if (!Number.isNaN(d.getTime())) return fmtDate(d, lang);
    }
    return v;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => fmtValue(x, lang)).join('; ');
  return Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== null && x !== undefined && x !== '')
    .map(([k, x]) => `${humanKey(k)}: ${fmtValue(x, lang)}`)
    .join(', ');
}

function humanKey(k: string): string {
  const s = k.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function actorLabel(r: EvidenceRecordRow, lang: PackLanguage): string {
  const role = tr(lang, `actor.${r.actor.type}`);
  return r.actor.name ? `${r.actor.name} (${role})` : role;
}

/** Keys that hold bulky or internal detail and add nothing for a reviewer. */
const SKIP_KEYS = new Set(['section', 'text', 'html', 'raw', 'attachments', 'messageKey']);

class Writer {
  constructor(
    readonly doc: PDFKit.PDFDocument,
    readonly fonts: Fonts,
  ) {}
  get left() {
    return this.doc.page.margins.left;
  }
  get width() {
    return this.doc.page.width - this.doc.page.margins.left - this.doc.page.margins.right;
  }
  get bottom() {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }
  ensure(h: number) {
    if (this.doc.y + h > this.bottom) this.doc.addPage();
  }
  heading(text: string) {
    this.ensure(60);
    this.doc.moveDown(0.6);
    this.doc.font(this.fonts.bold).fontSize(13).fillColor('#1d2b4f').text(text, this.left, this.doc.y, { width: this.width });
    const y = this.doc.y + 2;
    this.doc.moveTo(this.left, y).lineTo(this.left + this.width, y).lineWidth(0.6).strokeColor('#c5cbe0').stroke();
    this.doc.y = y + 6;
    this.doc.fillColor('#000000');
  }
  para(text: string, opts: { size?: number; color?: string; bold?: boolean } = {}) {
    this.doc.font(opts.bold ? this.fonts.bold : this.fonts.regular).fontSize(opts.size ?? 9.5);
    this.ensure(this.doc.heightOfString(text, { width: this.width }) + 2);
    this.doc.fillColor(opts.color ?? '#000000').text(text, this.left, this.doc.y, { width: this.width });
    this.doc.fillColor('#000000');
  }
  kv(rows: [string, string][]) {
    const keyW = 150;
    for (const [k, v] of rows) {
      this.doc.fontSize(9.5);
      this.doc.font(this.fonts.regular);
      const vh = this.doc.heightOfString(v, { width: this.width - keyW });
      this.doc.font(this.fonts.bold);
      const kh = this.doc.heightOfString(k, { width: keyW - 8 });
      const h = Math.max(vh, kh, 12);
      this.ensure(h + 3);
      const y = this.doc.y;
      this.doc.font(this.fonts.bold).fillColor('#444444').text(k, this.left, y, { width: keyW - 8 });
      this.doc.font(this.fonts.regular).fillColor('#000000').text(v, this.left + keyW, y, { width: this.width - keyW });
      this.doc.y = Math.max(this.doc.y, y + h) + 3;
    }
  }
  /** Rows of [when, who, what] with the text wrapped in the last column. */
  table(head: string[], widths: number[], rows: string[][]) {
    const pad = 3;
    const drawRow = (cells: string[], bold: boolean, shade: boolean) => {
      this.doc.font(bold ? this.fonts.bold : this.fonts.regular).fontSize(8.5);
      const h = Math.max(...cells.map((c, i) => this.doc.heightOfString(c, { width: widths[i]! - 2 * pad }))) + 2 * pad;
      if (this.doc.y + h > this.bottom) {
        this.doc.addPage();
        if (!bold) drawRow(head, true, true);
        this.doc.font(bold ? this.fonts.bold : this.fonts.regular).fontSize(8.5);
      }
      const y = this.doc.y;
      if (shade) this.doc.rect(this.left, y, this.width, h).fill('#eef1f8');
      this.doc.fillColor('#000000');
      let x = this.left;
      cells.forEach((c, i) => {
        this.doc.text(c, x + pad, y + pad, { width: widths[i]! - 2 * pad });
        x += widths[i]!;
      });
      this.doc.moveTo(this.left, y + h).lineTo(this.left + this.width, y + h).lineWidth(0.3).strokeColor('#d7dbe6').stroke();
      this.doc.y = y + h;
    };
    drawRow(head, true, true);
    for (const r of rows) drawRow(r, false, false);
    this.doc.moveDown(0.3);
  }
}

async function renderPdf(input: PackInput, ctx: { warnings: PackWarning[]; fileEntries: PackManifest['files']; thumbs: Map<string, Buffer> }): Promise<Buffer> {
  const lang = input.language;
  const t = (k: string, v?: Record<string, string>) => tr(lang, k, v);
  // A record's summary in the pack's language (zh-CN, de, fr, it, es) where its key is known; English
  // packs and records without a key keep the summary as written.
  const said = (r: EvidenceRecordRow): string =>
    lang === 'en' ? r.summary : renderSummary(r.summaryKey ? { key: r.summaryKey, params: r.summaryParams ?? {} } : summaryKeyFor(r.kind, r.actor, r.data), r.summary, lang, (amount, currency) => fmtMoney({ amount, currency }, lang));
  const doc = new PDFDocument({ size: 'A4', margins: { top: 50, bottom: 55, left: 48, right: 48 }, bufferPages: true, info: { Title: `${t('title')} ${input.caseId}`, Author: 'Afterdesk', CreationDate: input.generatedAt } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const fonts = setupFonts(doc, lang);
  const w = new Writer(doc, fonts);
  const recs = input.records;
  const byKind = (...kinds: EvidenceKind[]) => recs.filter((r) => kinds.includes(r.kind));
  const last = (...kinds: EvidenceKind[]) => byKind(...kinds).at(-1);

  doc.font(fonts.bold).fontSize(20).fillColor('#1d2b4f').text(t('title'), w.left, doc.y);
  doc.font(fonts.regular).fontSize(10).fillColor('#555555').text(`${t('reason.' + input.reason)} · ${input.caseId}`);
  doc.moveDown(0.6);
  doc.fillColor('#000000');
  w.kv([
    [t('case'), input.caseId],
    [t('reason'), t(`reason.${input.reason}`)],
    [t('generated'), fmtDate(input.generatedAt, lang)],
    [t('chainHead'), `#${input.head.seq} · ${input.head.hash}`],
    [t('checkpoint'), input.checkpoint ? `#${input.checkpoint.seq} · ${fmtDate(input.checkpoint.signedAt, lang)}` : t('none')],
  ]);

  w.heading(t('warnings'));
  if (ctx.warnings.length) for (const x of ctx.warnings) w.para(`• ${x.message}`, { color: '#a4400f' });
  else w.para(t('noWarnings'), { color: '#1c6b35' });

  const order = last('order_snapshot');
  w.heading(t('order'));
  if (order) {
    w.para(order.summary, { bold: true });
    const rows: [string, string][] = Object.entries(order.data)
      .filter(([k, v]) => !SKIP_KEYS.has(k) && v !== null && v !== undefined && v !== '')
      .map(([k, v]) => [humanKey(k), fmtValue(v, lang)]);
    w.kv(rows);
  } else w.para('—');

  const resp = byKind('responsibility', 'classification');
  w.heading(t('responsibility'));
  if (resp.length) {
    for (const r of resp) w.para(`${fmtDate(r.occurredAt, lang)} · ${actorLabel(r, lang)}: ${said(r)}${r.responsibility ? ` → ${t('resp.' + r.responsibility)}` : ''}`);
  } else w.para('—');

  const policy = last('policy_snapshot');
  w.heading(t('policy'));
  if (policy) {
    w.para(policy.summary, { bold: true });
    const text = typeof policy.data.text === 'string' ? policy.data.text : undefined;
    if (text) w.para(text);
    w.kv(Object.entries(policy.data).filter(([k]) => !SKIP_KEYS.has(k)).map(([k, v]) => [humanKey(k), fmtValue(v, lang)]));
  } else w.para('—');

  const msgs = byKind('message', 'note', 'attachment');
  w.heading(`${t('communication')} (${msgs.length})`);
  for (const m of msgs) {
    const channel = typeof m.data.channel === 'string' ? ` · ${m.data.channel}` : '';
    const body = (typeof m.data.text === 'string' && m.data.text ? m.data.text : said(m)) + (m.fileSha256s.length ? `  [${m.fileSha256s.length} file(s)]` : '');
    // Keep a message's header with (at least the start of) its text on the same page.
    doc.font(fonts.regular).fontSize(9.5);
    w.ensure(14 + Math.min(doc.heightOfString(body, { width: w.width }), 60));
    doc.font(fonts.bold).fontSize(8.5);
    doc.fillColor('#1d2b4f').text(`${fmtDate(m.occurredAt, lang)} · ${actorLabel(m, lang)}${channel}${m.kind === 'note' ? ' · note' : ''}`, w.left, doc.y, { width: w.width });
    w.para(body);
    doc.moveDown(0.25);
  }
  if (!msgs.length) w.para('—');

  const remedies = byKind('remedy_offered', 'remedy_approved', 'remedy_given', 'refund', 'coupon');
  w.heading(t('remedies'));
  if (remedies.length) {
    w.table(
      [t('when'), t('what'), t('details')],
      [118, 120, w.width - 238],
      remedies.map((r) => {
        const amount = isMoney(r.data.amount) ? fmtMoney(r.data.amount, lang) : '';
        // Summaries often quote the amount already; repeat it only when they do not.
        const digits = (x: string) => x.replace(/\D/g, '');
        return [fmtDate(r.occurredAt, lang), t(`kind.${r.kind}`), amount && !digits(said(r)).includes(digits(amount)) ? `${said(r)} (${amount})` : said(r)];
      }),
    );
  } else w.para('—');

  const shipping = byKind('tracking', 'reship', 'inspection');
  w.heading(t('shipping'));
  if (shipping.length) {
    w.table(
      [t('when'), t('what'), t('details')],
      [118, 120, w.width - 238],
      shipping.map((r) => {
        const extra = Object.entries(r.data)
          .filter(([k, v]) => !SKIP_KEYS.has(k) && v !== null && typeof v !== 'object')
          .map(([k, v]) => `${humanKey(k)}: ${fmtValue(v, lang)}`)
          .join(' · ');
        return [fmtDate(r.occurredAt, lang), t(`kind.${r.kind}`), extra ? `${said(r)}\n${extra}` : said(r)];
      }),
    );
  } else w.para('—');

  w.heading(`${t('timeline')} (${recs.length})`);
  w.table(
    [t('when'), t('who'), t('what')],
    [118, 120, w.width - 238],
    recs.map((r) => [fmtDate(r.occurredAt, lang), actorLabel(r, lang), `${t('kind.' + r.kind)}: ${said(r)}`]),
  );

  const photos = ctx.fileEntries.filter((f) => ctx.thumbs.has(f.sha256));
  if (photos.length) {
    w.heading(`${t('photos')} (${photos.length})`);
    const cols = 4;
    const gap = 8;
    const cell = (w.width - gap * (cols - 1)) / cols;
    const boxH = cell + 14;
    let i = 0;
    for (const p of photos) {
      if (i % cols === 0) {
        if (i > 0) doc.y += boxH + gap;
        if (doc.y + boxH > w.bottom) doc.addPage();
      }
      const x = w.left + (i % cols) * (cell + gap);
      const y = doc.y;
      doc.rect(x, y, cell, cell).lineWidth(0.4).strokeColor('#d7dbe6').stroke();
      doc.image(ctx.thumbs.get(p.sha256)!, x + 2, y + 2, { fit: [cell - 4, cell - 4], align: 'center', valign: 'center' });
      doc.font(fonts.regular).fontSize(6.5).fillColor('#555555').text(`${p.sha256.slice(0, 12)} · ${t('section.' + p.section)}`, x, y + cell + 2, { width: cell, lineBreak: false, ellipsis: true });
      doc.y = y;
      i++;
    }
    doc.y += boxH + gap;
    doc.fillColor('#000000');
  }

  w.heading(`${t('files')} (${ctx.fileEntries.length})`);
  if (ctx.fileEntries.length) {
    w.table(
      [t('section'), t('file'), 'SHA-256'],
      [110, 150, w.width - 260],
      ctx.fileEntries.map((f) => [t(`section.${f.section}`), `${f.fileName}\n${f.contentType}, ${(f.size / 1024).toFixed(1)} KB`, f.sha256]),
    );
  } else w.para('—');
  w.para(t('integrity'), { size: 8, color: '#555555' });

  const range = doc.bufferedPageRange();
  for (let p = range.start; p < range.start + range.count; p++) {
    doc.switchToPage(p);
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font(fonts.regular).fontSize(7.5).fillColor('#888888').text(`${t('title')} · ${input.caseId} · ${p + 1} / ${range.count}`, w.left, doc.page.height - 35, { width: w.width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottomMargin;
  }
  doc.end();
  return done;
}

function safeName(s: string): string {
  return s.replace(/[^\p{L}\p{N}._-]+/gu, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'file';
}

const STORED_TYPES = /^(image|video)\//;

/**
 * The pack: summary.pdf, the original files under files/<section>/, and manifest.json listing
 * every entry's sha256 so a reviewer (or we, later) can prove nothing changed. Files stream from
 * the store into the ZIP one at a time, so memory does not grow with video sizes.
 */
export async function buildPack(input: PackInput): Promise<PackOutput> {
  const warnings = missingEvidence(input.reason, input.records, input.language);
  const fileBySha = new Map(input.files.map((f) => [f.sha256, f]));
  const entries: PackManifest['files'] = [];
  const seen = new Map<string, PackManifest['files'][number]>();
  for (const r of input.records) {
    const section = sectionFor(r.kind, r.data);
    for (const sha of r.fileSha256s) {
      const known = seen.get(sha);
      if (known) {
        known.recordIds.push(r.id);
        continue;
      }
      const f = fileBySha.get(sha);
      if (!f) continue;
      const entry = { path: `files/${section}/${sha.slice(0, 12)}-${safeName(f.fileName)}`, sha256: sha, size: f.size, contentType: f.contentType, section, fileName: f.fileName, recordIds: [r.id] };
      seen.set(sha, entry);
      entries.push(entry);
    }
  }
  const thumbs = new Map<string, Buffer>();
  for (const e of entries) {
    const f = fileBySha.get(e.sha256)!;
    if (!f.thumbnailSha256) continue;
    const b = await input.store.get(f.thumbnailSha256);
    if (b) thumbs.set(e.sha256, b);
  }
  const pdf = await renderPdf(input, { warnings, fileEntries: entries, thumbs });
  thumbs.clear();
  const manifest: PackManifest = {
    format: 'afterdesk.evidence-pack/1',
    orgId: input.orgId,
    caseId: input.caseId,
    reason: input.reason,
    language: input.language,
    generatedAt: input.generatedAt.toISOString(),
    chain: {
      headSeq: input.head.seq,
      headHash: input.head.hash,
      lastCheckpoint: input.checkpoint
        ? { seq: input.checkpoint.seq, hash: input.checkpoint.hash, signedAt: input.checkpoint.signedAt.toISOString(), publicKey: input.checkpoint.publicKey, signature: input.checkpoint.signature }
        : null,
    },
    summary: { path: 'summary.pdf', sha256: crypto.createHash('sha256').update(pdf).digest('hex'), size: pdf.length },
    records: input.records.map((r) => ({ id: r.id, seq: r.seq, hash: r.hash, kind: r.kind, section: sectionFor(r.kind, r.data), occurredAt: r.occurredAt.toISOString(), fileSha256s: r.fileSha256s })),
    files: entries,
    warnings,
  };

  const zip = new yazl.ZipFile();
  const mtime = input.generatedAt;
  zip.addBuffer(pdf, 'summary.pdf', { mtime });
  for (const e of entries) {
    zip.addReadStreamLazy(e.path, { mtime, size: e.size, compress: !STORED_TYPES.test(e.contentType) }, (cb) => {
      input.store.stream(e.sha256).then(
        (s) => (s ? cb(null, s) : cb(new Error(`file ${e.sha256} is missing from the store`), undefined as never)),
        (err: unknown) => cb(err, undefined as never),
      );
    });
  }
  zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2)), 'manifest.json', { mtime });
  zip.end();
  const out = new PassThrough();
  zip.outputStream.on('error', (e) => out.destroy(e));
  zip.outputStream.pipe(out);
  return { fileName: `evidence-${input.caseId}-${input.reason}.zip`, stream: out, manifest, warnings };
}
