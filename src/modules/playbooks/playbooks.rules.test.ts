import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { applyRunAction, chooseCategory, escalationDue, noticeAnchor, noticeDueAt, noticeEffect, noticeKey, noticeScanWindow, noticeState, noticeText, type RunState } from './playbooks.rules.js';

describe('procedure selection', () => {
  it.each([
    [{ chosen: 'size_fit', runCategory: 'minor_flaw', remedyCategory: 'severe_damage', text: 'it is broken' }, 'size_fit', 'chosen'],
    [{ runCategory: 'minor_flaw', remedyCategory: 'severe_damage', text: 'it is broken' }, 'minor_flaw', 'run'],
    [{ remedyCategory: 'wrong_item', text: 'the strap smells' }, 'wrong_item', 'remedy'],
    [{ text: 'Das Leder hat einen starken Geruch' }, 'minor_flaw', 'text'],
    [{ text: 'The colour is different from the picture' }, 'colour_difference', 'text'],
    [{ text: 'Wo ist mein Paket? Sendungsverfolgung zeigt nichts' }, 'logistics_question', 'text'],
    [{ text: 'hello, quick question' }, 'other', 'default'],
  ] as const)('%o → %s (%s)', (facts, category, source) => {
    expect(chooseCategory(facts)).toEqual({ category, source });
  });
});

describe('walking a procedure', () => {
  const steps = [{ checks: ['a', 'b'] }, { checks: ['c'] }, { checks: [] }];
  const s0: RunState = { step: 0, checked: [], completed: false };

  it('refuses to move on with unticked checks, then moves once they are ticked', () => {
    expect(applyRunAction(s0, steps, { action: 'next' })).toEqual({ ok: false, field: 'check', message: 'tick every check of this step first' });
    let r = applyRunAction(s0, steps, { action: 'check', step: 0, check: 1 });
    expect(r).toEqual({ ok: true, state: { step: 0, checked: ['0.1'], completed: false } });
    r = applyRunAction((r as { state: RunState }).state, steps, { action: 'check', step: 0, check: 0 });
    expect(r.ok && r.state.checked).toEqual(['0.0', '0.1']);
    r = applyRunAction((r as { state: RunState }).state, steps, { action: 'next' });
    expect(r.ok && r.state.step).toBe(1);
    expect(applyRunAction((r as { state: RunState }).state, steps, { action: 'complete' })).toEqual({ ok: false, field: 'check', message: 'unticked checks: 1.0' });
    r = applyRunAction((r as { state: RunState }).state, steps, { action: 'check', step: 1, check: 0 });
    r = applyRunAction((r as { state: RunState }).state, steps, { action: 'complete' });
    expect(r).toEqual({ ok: true, state: { step: 2, checked: ['0.0', '0.1', '1.0'], completed: true } });
    // Unticking reopens it.
    expect(applyRunAction((r as { state: RunState }).state, steps, { action: 'uncheck', step: 0, check: 0 })).toEqual({ ok: true, state: { step: 2, checked: ['0.1', '1.0'], completed: false } });
  });

  it('names the field of an impossible move', () => {
    expect(applyRunAction(s0, steps, { action: 'check', step: 5, check: 0 })).toMatchObject({ ok: false, field: 'step' });
    expect(applyRunAction(s0, steps, { action: 'check', step: 1, check: 3 })).toMatchObject({ ok: false, field: 'check' });
    expect(applyRunAction(s0, steps, { action: 'back' })).toMatchObject({ ok: false, field: 'action' });
    expect(applyRunAction({ step: 2, checked: [], completed: false }, steps, { action: 'next' })).toMatchObject({ ok: false, field: 'action' });
    // Ticking twice keeps one key.
    expect(applyRunAction({ step: 0, checked: ['0.0'], completed: false }, steps, { action: 'check', step: 0, check: 0 })).toEqual({ ok: true, state: { step: 0, checked: ['0.0'], completed: false } });
  });

  it('escalates an open ticket once the procedure time has passed', () => {
    const c = new ManualClock('2026-03-01T08:00:00Z');
    const started = c.now();
    c.advance(47 * 3_600_000);
    expect(escalationDue(started, 48, true, c.now())).toBe(false);
    c.advance(3_600_000);
    expect(escalationDue(started, 48, true, c.now())).toBe(true);
    expect(escalationDue(started, 48, false, c.now())).toBe(false);
    expect(escalationDue(started, null, true, c.now())).toBe(false);
    expect(escalationDue(null, 48, true, c.now())).toBe(false);
  });
});

describe('notice timing', () => {
  it('is due the delay after the trigger, and stale a week after that', () => {
    const c = new ManualClock('2026-03-10T10:00:00Z');
    const delivered = c.now();
    const due = noticeDueAt(delivered, 24);
    expect(due.toISOString()).toBe('2026-03-11T10:00:00.000Z');
    c.advance(23 * 3_600_000 + 59 * 60_000);
    expect(noticeState(due, c.now())).toBe('early');
    c.advance(60_000);
    expect(noticeState(due, c.now())).toBe('due');
    c.advance(7 * 86_400_000);
    expect(noticeState(due, c.now())).toBe('due');
    c.advance(1);
    expect(noticeState(due, c.now())).toBe('stale');
  });

  it('scans from the notice start, or from the oldest trigger still inside the grace period', () => {
    const now = new Date('2026-03-20T00:00:00Z');
    expect(noticeScanWindow(now, new Date('2026-03-18T00:00:00Z'), 24)).toEqual({ since: new Date('2026-03-18T00:00:00Z'), until: new Date(now.getTime() + 1) });
    expect(noticeScanWindow(now, new Date('2026-01-01T00:00:00Z'), 48).since.toISOString()).toBe('2026-03-11T00:00:00.000Z');
  });

  it('anchors shipping at the first sighting, the others at their own moment', () => {
    const now = new Date('2026-03-20T12:00:00Z');
    const t = new Date('2026-03-19T08:00:00Z');
    expect(noticeAnchor('delivery', t, now)).toEqual(t);
    expect(noticeAnchor('purchase', t, now)).toEqual(t);
    expect(noticeAnchor('shipping', null, now)).toEqual(now);
  });

  it('one intent key per notice and order', () => {
    expect(noticeKey('ntc_1', 'ord_9')).toBe('notice:ntc_1:ord_9');
    expect(noticeKey('ntc_1', 'ord_9')).toBe(noticeKey('ntc_1', 'ord_9'));
    expect(noticeKey('ntc_1', 'ord_8')).not.toBe(noticeKey('ntc_1', 'ord_9'));
  });
});

describe('notice language and effect', () => {
  const texts = { en: 'Air the strap', de: 'Riemen lüften', fr: 'Aérez le bracelet' };
  it.each([
    ['de', 'de', 'Riemen lüften'],
    ['de-AT', 'de', 'Riemen lüften'],
    ['FR', 'fr', 'Aérez le bracelet'],
    ['es', 'en', 'Air the strap'],
    [null, 'en', 'Air the strap'],
  ])('buyer language %s → %s', (lang, language, text) => {
    expect(noticeText(texts, lang)).toEqual({ language, text });
  });

  it('says "fewer" only when the whole interval is below zero, else inconclusive', () => {
    const strong = noticeEffect({ n: 1000, k: 50 }, { n: 1000, k: 120 });
    expect(strong.verdict).toBe('fewer');
    expect(strong.diff!.estimate).toBeCloseTo(-0.07, 10);
    expect(strong.diff!.high).toBeLessThan(0);
    // se = sqrt(.05*.95/1000 + .12*.88/1000)
    const se = Math.sqrt((0.05 * 0.95) / 1000 + (0.12 * 0.88) / 1000);
    expect(strong.diff!.low).toBeCloseTo(-0.07 - 1.959964 * se, 5);
    expect(noticeEffect({ n: 40, k: 3 }, { n: 10, k: 1 }).verdict).toBe('inconclusive');
    expect(noticeEffect({ n: 5, k: 0 }, { n: 0, k: 0 })).toEqual({ diff: null, verdict: 'inconclusive' });
    expect(noticeEffect({ n: 1000, k: 150 }, { n: 1000, k: 50 }).verdict).toBe('more');
  });
});
