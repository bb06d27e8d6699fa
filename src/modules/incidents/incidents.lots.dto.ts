import { z } from 'zod';

// The contract of lot imports (pure: the web value-imports it for its form check).

/** Why a row of a lot import was refused. */
export const LOT_ROW_ERRORS = ['missing', 'too_long', 'order_not_found', 'line_not_found', 'conflicting_lot'] as const;
export type LotRowErrorCode = (typeof LOT_ROW_ERRORS)[number];
/** The roles of the mapped columns: platform order id, the line (line id, seller SKU or SKU id), the lot. */
export const LOT_FIELDS = ['order', 'line', 'lot'] as const;
export type LotField = (typeof LOT_FIELDS)[number];

/** The mapping a person would pick from a header: the first column whose name says order, line/SKU, lot/batch. */
export function guessLotColumns(header: string[]): Partial<Record<LotField, string>> {
  const find = (re: RegExp) => header.find((h) => re.test(h.toLowerCase()));
  const order = find(/order|订单/);
  const lot = find(/\blot\b|batch|charge|lote|lotto|批次|批号/);
  const line = header.find((h) => h !== order && h !== lot && /sku|line|item/.test(h.toLowerCase()));
  return { ...(order ? { order } : {}), ...(line ? { line } : {}), ...(lot ? { lot } : {}) };
}

// Lots imported per order line from a CSV

const column = z.string().trim().min(1).max(200);
export const LotImportBody = z.strictObject({
  shopId: z.string().min(1).max(64),
  /** The CSV text with a header row (UTF-8; a file picked in the UI is read into it). */
  csv: z.string().min(1).max(4_000_000),
  /** Which header names hold the platform order id, the line (line id, seller SKU or SKU id) and the lot. */
  columns: z.strictObject({ order: column, line: column, lot: column }),
  /** Check every row and write nothing. */
  dryRun: z.boolean().optional(),
});
export type LotImportBody = z.infer<typeof LotImportBody>;

export const LotRowErrorView = z.object({ row: z.number(), field: z.enum(LOT_FIELDS), code: z.enum(LOT_ROW_ERRORS), value: z.string() });
export const LotImportView = z.object({
  /** imported: every row was valid and written; refused: at least one row failed and nothing was written; checked: a dry run without errors. */
  status: z.enum(['imported', 'refused', 'checked']),
  importId: z.string().nullable(),
  rows: z.number(),
  /** Order lines given a lot (a SKU may name several lines of one order). */
  lines: z.number(),
  errorCount: z.number(),
  /** The first 500 row errors, in row order. */
  errors: z.array(LotRowErrorView),
});
export type LotImportView = z.infer<typeof LotImportView>;
export const LotList = z.object({ items: z.array(z.object({ lot: z.string(), lines: z.number(), orders: z.number(), importedAt: z.string() })) });
export type LotList = z.infer<typeof LotList>;
