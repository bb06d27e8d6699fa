import { describe, expect, it } from 'vitest';
import { draftRecord, draftSendProblem, markReviewed } from './helpdesk.drafts.rules.js';

const at = new Date('2026-03-10T10:00:00Z');
const base = { provider: 'DeepL', to: 'de' };

describe('unreviewed machine drafts', () => {
  it('a machine translation goes out reviewed, or unreviewed only when the sender confirms', () => {
    expect(draftSendProblem(undefined)).toBeNull();
    expect(draftSendProblem({ ...base, reviewed: true })).toBeNull();
    expect(draftSendProblem({ ...base, reviewed: false })).toBe('unreviewed');
    expect(draftSendProblem({ ...base, reviewed: false, confirmUnreviewed: false })).toBe('unreviewed');
    expect(draftSendProblem({ ...base, reviewed: false, confirmUnreviewed: true })).toBeNull();
  });
  it('the message keeps who reviewed it, or that it was sent unreviewed; a later review names the reviewer once', () => {
    expect(draftRecord(undefined, 'u1', at)).toBeNull();
    expect(draftRecord({ ...base, reviewed: true }, 'u1', at)).toEqual({ provider: 'DeepL', from: null, to: 'de', reviewed: true, reviewedBy: 'u1', reviewedAt: at.toISOString(), sentUnreviewed: false });
    const sent = draftRecord({ ...base, from: 'en', reviewed: false, confirmUnreviewed: true }, 'u1', at)!;
    expect(sent).toEqual({ provider: 'DeepL', from: 'en', to: 'de', reviewed: false, reviewedBy: null, reviewedAt: null, sentUnreviewed: true });
    const later = new Date('2026-03-10T11:00:00Z');
    const reviewed = markReviewed(sent, 'u2', later);
    expect(reviewed).toMatchObject({ reviewed: true, reviewedBy: 'u2', reviewedAt: later.toISOString(), sentUnreviewed: true });
    expect(markReviewed(reviewed, 'u3', new Date())).toBe(reviewed);
  });
});
