import { parse } from 'csv-parse/sync';
import type { LotField, LotRowErrorCode } from './incidents.lots.dto.js';
export { guessLotColumns } from './incidents.lots.dto.js';

/*
 * Lots (batches) imported per order line from a seller's CSV: the column mapping, the row checks
 * and the matching of rows to order lines. Kept apart from incidents.rules.ts so the web, which
 * reads the DTOs, never pulls in the CSV parser.
 */

// ---------------------------------------------------------------------------------------------
// Lots imported from a CSV

/** Which CSV columns hold the platform order id, the line (line id, seller SKU or SKU id) and the lot. */
export type LotColumns = Record<LotField, string>;

export const LOT_MAX_ROWS = 50_000;
export const LOT_MAX_LENGTH = 100;

/** One data row, numbered as a spreadsheet shows it (the header is row 1). */
export interface LotCsvRow {
  row: number;
  orderId: string;
  lineKey: string;
  lot: string;
}

export interface LotRowError {
  row: number;
  /** The mapped column's role: `order`, `line` or `lot`. */
  field: LotField;
  code: LotRowErrorCode;
  value: string;
}

/** The header of a CSV (its first record), for the column mapping. Empty when the text holds none. */
export function csvHeader(text: string): string[] {
  const records = parse(text, { to_line: 1, bom: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
  return records[0] ?? [];
}

export class LotCsvError extends Error {
  constructor(
    readonly code: 'bad_csv' | 'unknown_column' | 'too_many_rows' | 'no_rows',
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * Parse the CSV with its header and read the three mapped columns of every row. Rows are checked
 * alone here (a value missing, a lot too long); whether the order and line exist is `matchLots`.
 */
export function parseLotCsv(text: string, cols: LotColumns): { rows: LotCsvRow[]; errors: LotRowError[] } {
  let records: string[][];
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
  } catch (e) {
    throw new LotCsvError('bad_csv', e instanceof Error ? e.message : 'not CSV');
  }
  const header = records[0] ?? [];
  const at = {} as Record<LotField, number>;
  for (const k of ['order', 'line', 'lot'] as const) {
    const i = header.indexOf(cols[k]);
    if (i < 0) throw new LotCsvError('unknown_column', `${k}: no column named "${cols[k]}"`);
    at[k] = i;
  }
  const data = records.slice(1);
  if (data.length === 0) throw new LotCsvError('no_rows', 'the CSV has a header but no rows');
  if (data.length > LOT_MAX_ROWS) throw new LotCsvError('too_many_rows', `at most ${LOT_MAX_ROWS} rows per import`);
  const rows: LotCsvRow[] = [];
  const errors: LotRowError[] = [];
  data.forEach((rec, i) => {
    const row = i + 2;
    const v = { order: (rec[at.order] ?? '').trim(), line: (rec[at.line] ?? '').trim(), lot: (rec[at.lot] ?? '').trim() };
    let ok = true;
    for (const k of ['order', 'line', 'lot'] as const) {
      if (!v[k]) {
        errors.push({ row, field: k, code: 'missing', value: '' });
        ok = false;
      } else if (v[k].length > LOT_MAX_LENGTH) {
        errors.push({ row, field: k, code: 'too_long', value: v[k].slice(0, 40) });
        ok = false;
      }
    }
    if (ok) rows.push({ row, orderId: v.order, lineKey: v.line, lot: v.lot });
  });
  return { rows, errors };
}

/** An order line the rows may name: by its platform line id, its seller SKU or its SKU id. */
export interface LotCandidateLine {
  lineId: string;
  orderId: string;
  platformOrderId: string;
  externalLineId: string;
  skuId: string;
  sellerSku: string | null;
}

export interface LotAssignment {
  orderLineId: string;
  orderId: string;
  platformOrderId: string;
  sellerSku: string | null;
  lot: string;
}

/**
 * Each row to the order lines it names: the order by its platform id (in the chosen shop), then
 * every line of it whose platform line id, seller SKU or SKU id equals the row's line value (TikTok
 * has one line per unit, so a SKU may name several). A line given two different lots in one file is
 * an error on the later row; the same lot twice is fine.
 */
export function matchLots(rows: LotCsvRow[], lines: LotCandidateLine[]): { assignments: LotAssignment[]; errors: LotRowError[] } {
  const byOrder = new Map<string, LotCandidateLine[]>();
  for (const l of lines) byOrder.set(l.platformOrderId, [...(byOrder.get(l.platformOrderId) ?? []), l]);
  const chosen = new Map<string, LotAssignment>();
  const errors: LotRowError[] = [];
  for (const r of rows) {
    const of = byOrder.get(r.orderId);
    if (!of) {
      errors.push({ row: r.row, field: 'order', code: 'order_not_found', value: r.orderId });
      continue;
    }
    const hit = of.filter((l) => l.externalLineId === r.lineKey || l.sellerSku === r.lineKey || l.skuId === r.lineKey);
    if (hit.length === 0) {
      errors.push({ row: r.row, field: 'line', code: 'line_not_found', value: r.lineKey });
      continue;
    }
    const clash = hit.find((l) => chosen.has(l.lineId) && chosen.get(l.lineId)!.lot !== r.lot);
    if (clash) {
      errors.push({ row: r.row, field: 'lot', code: 'conflicting_lot', value: r.lot });
      continue;
    }
    for (const l of hit) chosen.set(l.lineId, { orderLineId: l.lineId, orderId: l.orderId, platformOrderId: l.platformOrderId, sellerSku: l.sellerSku, lot: r.lot });
  }
  return { assignments: [...chosen.values()], errors };
}
