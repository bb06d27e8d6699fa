import { describe, expect, it } from 'vitest';
import { csvHeader, guessLotColumns, LotCsvError, matchLots, parseLotCsv, type LotCandidateLine } from './incidents.lots.rules.js';

const cols = { order: 'Order ID', line: 'Seller SKU', lot: 'Lot' };

const line = (lineId: string, platformOrderId: string, sellerSku: string | null, skuId = `sku-${lineId}`, externalLineId = `ext-${lineId}`): LotCandidateLine => ({ lineId, orderId: `o-${platformOrderId}`, platformOrderId, externalLineId, skuId, sellerSku });

describe('lot CSV', () => {
  it('reads the header and guesses the mapping from its names', () => {
    const text = '\uFEFFOrder ID,Seller SKU,Quantity,Lot number\n1,A,1,L1\n';
    expect(csvHeader(text)).toEqual(['Order ID', 'Seller SKU', 'Quantity', 'Lot number']);
    expect(guessLotColumns(csvHeader(text))).toEqual({ order: 'Order ID', line: 'Seller SKU', lot: 'Lot number' });
    expect(guessLotColumns(['订单号', 'SKU', '批次'])).toEqual({ order: '订单号', line: 'SKU', lot: '批次' });
    expect(guessLotColumns(['Qty', 'Notes'])).toEqual({});
  });

  it('numbers rows as a spreadsheet does and names the missing field', () => {
    const { rows, errors } = parseLotCsv('Order ID,Seller SKU,Lot\n1001,MUG-RED,L-7\n1002,,L-7\n1003,MUG-RED,\n"1004","MUG-BLUE"," L-8 "\n', cols);
    expect(rows).toEqual([
      { row: 2, orderId: '1001', lineKey: 'MUG-RED', lot: 'L-7' },
      { row: 5, orderId: '1004', lineKey: 'MUG-BLUE', lot: 'L-8' },
    ]);
    expect(errors).toEqual([
      { row: 3, field: 'line', code: 'missing', value: '' },
      { row: 4, field: 'lot', code: 'missing', value: '' },
    ]);
  });

  it('refuses a mapping to a column the file lacks, an empty file and broken quoting', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof LotCsvError ? e.code : 'other';
      }
      return 'none';
    };
    expect(err(() => parseLotCsv('Order ID,SKU,Lot\n1,A,L\n', cols))).toBe('unknown_column');
    expect(err(() => parseLotCsv('Order ID,Seller SKU,Lot\n', cols))).toBe('no_rows');
    expect(err(() => parseLotCsv('Order ID,Seller SKU,Lot\n"1,A,L\n', cols))).toBe('bad_csv');
    expect(err(() => parseLotCsv(`Order ID,Seller SKU,Lot\n${'1,A,L\n'.repeat(50_001)}`, cols))).toBe('too_many_rows');
  });

  it('matches rows to every line of the order with that SKU, line id or SKU id, and names what is not found', () => {
    const lines = [line('l1', '1001', 'MUG-RED'), line('l2', '1001', 'MUG-RED'), line('l3', '1001', 'MUG-BLUE'), line('l4', '1002', null, 'SKU-9', 'LINE-4')];
    const { assignments, errors } = matchLots(
      [
        { row: 2, orderId: '1001', lineKey: 'MUG-RED', lot: 'L-7' },
        { row: 3, orderId: '1002', lineKey: 'LINE-4', lot: 'L-7' },
        { row: 4, orderId: '9999', lineKey: 'MUG-RED', lot: 'L-7' },
        { row: 5, orderId: '1001', lineKey: 'MUG-GREEN', lot: 'L-7' },
        { row: 6, orderId: '1001', lineKey: 'MUG-RED', lot: 'L-7' },
        { row: 7, orderId: '1001', lineKey: 'MUG-RED', lot: 'L-8' },
        { row: 8, orderId: '1002', lineKey: 'SKU-9', lot: 'L-7' },
      ],
      lines,
    );
    expect(assignments.map((a) => [a.orderLineId, a.lot]).sort()).toEqual([
      ['l1', 'L-7'],
      ['l2', 'L-7'],
      ['l4', 'L-7'],
    ]);
    expect(errors).toEqual([
      { row: 4, field: 'order', code: 'order_not_found', value: '9999' },
      { row: 5, field: 'line', code: 'line_not_found', value: 'MUG-GREEN' },
      { row: 7, field: 'lot', code: 'conflicting_lot', value: 'L-8' },
    ]);
  });
});
