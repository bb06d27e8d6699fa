import { describe, expect, it } from 'vitest';
import type { LookupHitView } from './lookup.dto.js';
import { rankHits, scoreOf } from './lookup.rules.js';

const hit = (kind: LookupHitView['kind'], id: string, score: number, at: string | null): LookupHitView => ({
  kind,
  id,
  title: id,
  subtitle: null,
  match: 'buyer',
  status: null,
  amount: null,
  shopId: null,
  orderId: null,
  ticketId: null,
  buyerId: null,
  at,
  score,
});

describe('lookup ranking', () => {
  it('scores numbers above exact names above prefixes above partial matches', () => {
    expect(scoreOf('order_number', '5770001', '5770001')).toBe(100);
    expect(scoreOf('rma', 'RMA-1', 'rma-1')).toBe(100);
    expect(scoreOf('buyer', 'Lena Vogel', ' lena vogel ')).toBe(80);
    expect(scoreOf('buyer', 'Lena Vogel', 'lena')).toBe(60);
    expect(scoreOf('buyer', 'Lena Vogel', 'vogel')).toBe(40);
  });

  it('orders by score, then newest, drops duplicates and cuts at the limit', () => {
    const out = rankHits(
      [hit('buyer', 'b1', 40, '2026-01-03T00:00:00Z'), hit('order', 'o1', 100, '2026-01-01T00:00:00Z'), hit('ticket', 't1', 40, '2026-01-05T00:00:00Z'), hit('order', 'o1', 100, '2026-01-01T00:00:00Z'), hit('return', 'r1', 100, '2026-01-02T00:00:00Z')],
      3,
    );
    expect(out.map((h) => `${h.kind}:${h.id}`)).toEqual(['return:r1', 'order:o1', 'ticket:t1']);
  });
});
