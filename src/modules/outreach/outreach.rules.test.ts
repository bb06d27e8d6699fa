import { describe, expect, it } from 'vitest';
import { chatReachable, decideContact, quietUntil, type ContactFacts } from './outreach.rules.js';

const D = (s: string) => new Date(s);
const base = (over: Partial<ContactFacts> = {}): ContactFacts => ({
  purpose: 'marketing',
  channel: 'tiktok_chat',
  reach: { lastOrderAt: D('2026-03-01T10:00:00Z') },
  consent: { marketingConsent: false, unsubscribedAt: null },
  zone: 'Europe/Berlin',
  now: D('2026-03-10T10:00:00Z'),
  history: [],
  ...over,
});

describe('reachability (TikTok chat windows)', () => {
  const now = D('2026-06-01T12:00:00Z');
  it.each([
    ['order 60 days ago', { lastOrderAt: D('2026-04-02T12:00:00Z') }, true],
    ['order 61 days ago', { lastOrderAt: D('2026-04-01T11:00:00Z') }, false],
    ['chat 30 days ago', { lastChatAt: D('2026-05-02T12:00:00Z') }, true],
    ['chat 31 days ago', { lastChatAt: D('2026-05-01T11:00:00Z') }, false],
    ['return history only', { hasReturnHistory: true }, true],
    ['platform says no despite a recent order', { canSendMessage: false, lastOrderAt: D('2026-05-30T00:00:00Z') }, false],
    ['platform says yes', { canSendMessage: true }, true],
    ['no customer-service scope', { noChatScope: true, canSendMessage: true }, false],
  ])('%s', (_n, reach, ok) => {
    expect(chatReachable(reach, now)).toBe(ok);
  });
});

describe('quiet hours in the buyer market zone, across DST', () => {
  const q = { start: 21, end: 9 };
  it('Berlin spring forward (29 Mar 2026): 07:30 local is 05:30Z, quiet until 09:00 CEST = 07:00Z', () => {
    expect(quietUntil(D('2026-03-29T05:30:00Z'), 'Europe/Berlin', q)).toEqual(D('2026-03-29T07:00:00Z'));
  });
  it('the evening before spring forward: 22:00 CET (21:00Z) is quiet until 09:00 CEST next day (07:00Z)', () => {
    expect(quietUntil(D('2026-03-28T21:00:00Z'), 'Europe/Berlin', q)).toEqual(D('2026-03-29T07:00:00Z'));
  });
  it('New York fall back (1 Nov 2026): 01:30 EST second pass is quiet until 09:00 EST = 14:00Z', () => {
    expect(quietUntil(D('2026-11-01T06:30:00Z'), 'America/New_York', q)).toEqual(D('2026-11-01T14:00:00Z'));
  });
  it('the same UTC instant is quiet in one market and not in another', () => {
    const t = D('2026-07-01T20:30:00Z');
    expect(quietUntil(t, 'Europe/Berlin', q)).not.toBeNull(); // 22:30 local
    expect(quietUntil(t, 'America/New_York', q)).toBeNull(); // 16:30 local
  });
  it('a message decided in the quiet hours is deferred, not refused', () => {
    const d = decideContact(base({ now: D('2026-03-29T05:30:00Z') }));
    expect(d).toEqual({ allowed: false, reasons: ['quiet_hours'], notBefore: D('2026-03-29T07:00:00Z') });
  });
});

describe('consent, unsubscribe and the one frequency cap', () => {
  it('allows a reachable buyer in the day', () => {
    expect(decideContact(base())).toEqual({ allowed: true, reasons: [], notBefore: null });
  });
  it('never two contacts on the same local day, whatever the purpose of the first', () => {
    // 23:30Z on 9 March is 00:30 on 10 March in Berlin: same local day as 10:00Z.
    expect(decideContact(base({ history: [D('2026-03-09T23:30:00Z')] })).reasons).toEqual(['same_day']);
    expect(decideContact(base({ history: [D('2026-03-09T22:30:00Z')] })).allowed).toBe(true);
  });
  it('at most N contacts in 30 days', () => {
    const four = ['2026-02-12', '2026-02-20', '2026-03-01', '2026-03-05'].map((d) => D(`${d}T10:00:00Z`));
    expect(decideContact(base({ history: four })).reasons).toEqual(['frequency_cap']);
    expect(decideContact(base({ history: four.slice(1) })).allowed).toBe(true);
    // One dropped out of the window (more than 30 days before).
    expect(decideContact(base({ history: [D('2026-02-08T10:00:00Z'), ...four.slice(1)] })).allowed).toBe(true);
  });
  it('service messages pass the cap but not reachability or quiet hours', () => {
    const four = ['2026-03-10T08:00:00Z', '2026-03-05T10:00:00Z', '2026-03-01T10:00:00Z', '2026-02-20T10:00:00Z'].map(D);
    expect(decideContact(base({ purpose: 'service', history: four })).allowed).toBe(true);
    expect(decideContact(base({ purpose: 'service', reach: {} })).reasons).toEqual(['unreachable']);
  });
  it('unsubscribe and e-mail opt-in', () => {
    expect(decideContact(base({ consent: { marketingConsent: true, unsubscribedAt: D('2026-03-01T00:00:00Z') } })).reasons).toEqual(['unsubscribed']);
    expect(decideContact(base({ channel: 'email', reach: { hasAddress: true } })).reasons).toEqual(['no_consent']);
    expect(decideContact(base({ channel: 'email', reach: { hasAddress: false }, consent: { marketingConsent: true, unsubscribedAt: null } })).reasons).toEqual(['no_address']);
    expect(decideContact(base({ channel: 'email', reach: { hasAddress: true }, consent: { marketingConsent: true, unsubscribedAt: null } })).allowed).toBe(true);
  });
  it('no TikTok reach without the customer-service scope', () => {
    expect(decideContact(base({ reach: { noChatScope: true } })).reasons).toEqual(['no_chat_scope']);
  });
});
