import { describe, expect, it } from 'vitest';
import { isAppError } from './errors.js';
import { cutPage, decodeCursor, encodeCursor } from './pagination.js';

function refusal(cursor: string): unknown {
  try {
    decodeCursor(cursor);
  } catch (e) {
    return isAppError(e) ? { status: e.status, code: e.code, details: e.details } : e;
  }
  return 'accepted';
}

describe('cursors', () => {
  it('round-trip the sort time and the id', () => {
    const key = { sort: '2026-03-01T10:00:00.123Z', id: 'ret_01abc' };
    expect(decodeCursor(encodeCursor(key))).toEqual(key);
  });

  it('refuse anything the API did not issue with a 400 naming cursor', () => {
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
    for (const junk of ['not-a-cursor', b64('{"a":1}'), b64('["yesterday","ret_1"]'), b64('["2026-03-01T10:00:00Z"]'), b64('["2026-03-01T10:00:00Z",7]'), b64('["2026-03-01T10:00:00Z","x y"]')]) {
      expect(refusal(junk), junk).toEqual({ status: 400, code: 'request.bad_cursor', details: { issues: [{ field: 'cursor', message: 'not a cursor from this API' }] } });
    }
  });
});

describe('cutPage', () => {
  const rows = [1, 2, 3].map((n) => ({ id: `r_${n}`, at: new Date(Date.UTC(2026, 0, n)) }));
  const key = (r: (typeof rows)[number]) => ({ sort: r.at, id: r.id });

  it('keeps limit rows and points after the last one when another page exists', () => {
    const page = cutPage(rows, 2, key);
    expect(page.items.map((r) => r.id)).toEqual(['r_1', 'r_2']);
    expect(decodeCursor(page.nextCursor!)).toEqual({ sort: '2026-01-02T00:00:00.000Z', id: 'r_2' });
  });

  it('has no next cursor on the last page', () => {
    expect(cutPage(rows, 3, key).nextCursor).toBe(null);
    expect(cutPage([], 3, key)).toEqual({ items: [], nextCursor: null });
  });
});
