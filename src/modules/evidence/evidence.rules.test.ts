import { describe, expect, it } from 'vitest';
import { DISPUTE_REASONS, EVIDENCE_KINDS, PACK_LANGUAGES } from './evidence.dto.js';
import { canonicalJson, GENESIS_HASH, jsonClean, LABELS, missingEvidence, needsCheckpoint, recordHash, sectionFor, type HashedFields } from './evidence.rules.js';

const base: HashedFields = {
  orgId: 'org_1',
  id: 'evd_1',
  seq: 1,
  prevHash: GENESIS_HASH,
  caseId: 'tkt_1',
  caseType: 'ticket',
  kind: 'message',
  actor: { type: 'buyer', name: 'Anna' },
  occurredAt: new Date('2026-01-05T09:00:00.000Z'),
  recordedAt: new Date('2026-01-05T09:00:01.000Z'),
  summary: 'hello',
  data: { b: 1, a: { d: [1, 2], c: 'x' } },
  fileSha256s: [],
  responsibility: null,
};

describe('canonical form and record hash', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, undefined], c: 'x', e: undefined } })).toBe('{"a":{"c":"x","d":[1,null]},"b":1}');
    expect(jsonClean({ at: new Date('2026-01-01T00:00:00Z'), gone: undefined })).toEqual({ at: '2026-01-01T00:00:00.000Z' });
    expect(() => canonicalJson({ x: Number.NaN })).toThrow('NaN');
  });

  it('the hash ignores key order (jsonb reorders) but changes with any field, including the link', () => {
    const h = recordHash(base);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(recordHash({ ...base, data: { a: { c: 'x', d: [1, 2] }, b: 1 } })).toBe(h);
    for (const change of [{ summary: 'hello!' }, { seq: 2 }, { prevHash: 'f'.repeat(64) }, { data: { b: 2, a: { d: [1, 2], c: 'x' } } }, { responsibility: 'carrier' as const }, { occurredAt: new Date('2026-01-05T09:00:00.001Z') }, { fileSha256s: ['a'.repeat(64)] }, { actor: { type: 'user' as const, name: 'Anna' } }]) {
      expect(recordHash({ ...base, ...change })).not.toBe(h);
    }
  });

  it('checkpoints every 100 records', () => {
    expect([0, 1, 99, 100, 101, 200].map((n) => needsCheckpoint(n))).toEqual([false, false, false, true, false, true]);
  });
});

describe('pack sections and required evidence', () => {
  it('maps kinds to dispute sections; data.section may override with a known section only', () => {
    expect(sectionFor('message', {})).toBe('customer_communication');
    expect(sectionFor('tracking', {})).toBe('shipping_documentation');
    expect(sectionFor('policy_snapshot', {})).toBe('refund_policy');
    expect(sectionFor('order_snapshot', {})).toBe('product_description');
    expect(sectionFor('status_change', {})).toBe('uncategorised');
    expect(sectionFor('attachment', { section: 'product_description' })).toBe('product_description');
    expect(sectionFor('attachment', { section: 'nonsense' })).toBe('customer_communication');
  });

  it('damaged needs photos, not just words; a reship counts as shipping proof for item_not_received', () => {
    const msg = { kind: 'message' as const, fileSha256s: [] };
    const photoMsg = { kind: 'message' as const, fileSha256s: ['a'.repeat(64)] };
    expect(missingEvidence('damaged', [msg, { kind: 'order_snapshot', fileSha256s: [] }, { kind: 'tracking', fileSha256s: [] }, { kind: 'inspection', fileSha256s: [] }]).map((w) => w.code)).toEqual(['evidence.missing.photos']);
    expect(missingEvidence('damaged', [photoMsg, { kind: 'order_snapshot', fileSha256s: [] }, { kind: 'tracking', fileSha256s: [] }, { kind: 'inspection', fileSha256s: [] }])).toEqual([]);
    expect(missingEvidence('item_not_received', [msg, { kind: 'order_snapshot', fileSha256s: [] }, { kind: 'reship', fileSha256s: [] }])).toEqual([]);
    expect(missingEvidence('refund_not_received', []).map((w) => w.code)).toEqual(['evidence.missing.refund', 'evidence.missing.policy_snapshot', 'evidence.missing.message']);
    expect(missingEvidence('account_appeal', [msg], 'it').map((w) => w.message)).toEqual([
      'Nessun elemento «soluzione concessa» agli atti; di solito è richiesto per «Ricorso sull’account».',
      'Nessun elemento «decisione sulla responsabilità» agli atti; di solito è richiesto per «Ricorso sull’account».',
      'Nessun elemento «politica di reso / rimborso» agli atti; di solito è richiesto per «Ricorso sull’account».',
    ]);
  });

  it('every label exists in en, de, fr, it, es and zh-CN, for every kind and reason', () => {
    const keys = Object.keys(LABELS.en);
    for (const k of EVIDENCE_KINDS) expect(keys).toContain(`kind.${k}`);
    for (const r of DISPUTE_REASONS) expect(keys).toContain(`reason.${r}`);
    for (const lang of PACK_LANGUAGES) {
      expect(Object.keys(LABELS[lang]).sort()).toEqual([...keys].sort());
      for (const v of Object.values(LABELS[lang])) expect(v.length).toBeGreaterThan(0);
    }
  });
});
