import { describe, expect, it } from 'vitest';
import { audienceDelta, canMove, channelFor, countAudience, estimate, messageFor, needsApproval, paceFor, patternIsEmpty, renderMessage, slotAt, spikeTest, totalCost, unknownVariables, whatsappParam, type AudienceMember } from './incidents.rules.js';

const member = (id: string, over: Partial<AudienceMember> = {}): AudienceMember => ({ buyerId: id, country: 'DE', language: 'de', complained: false, reach: { tiktok_chat: true, email: false, whatsapp: false }, excluded: false, ...over });

describe('audience counts', () => {
  it('counts every matching buyer, complained or not, by market, language and channel reach; exclusions apart', () => {
    const c = countAudience([
      member('a', { complained: true }),
      member('b'),
      member('c', { country: 'AT', language: 'de-AT', reach: { tiktok_chat: false, email: true, whatsapp: false } }),
      member('d', { country: 'FR', language: 'fr', reach: { tiktok_chat: false, email: false, whatsapp: false } }),
      member('e', { language: 'pl' }),
      member('f', { excluded: true, complained: true }),
    ]);
    expect(c).toEqual({
      total: 5,
      excluded: 1,
      complained: 1,
      withoutComplaint: 4,
      byMarket: { DE: 3, AT: 1, FR: 1 },
      byLanguage: { de: 3, fr: 1, en: 1 },
      reachable: { tiktok_chat: 3, email: 1, whatsapp: 0 },
      unreachable: 1,
    });
  });
  it('sends on the first chosen channel that reaches the buyer', () => {
    expect(channelFor({ tiktok_chat: true, email: true, whatsapp: false }, ['email', 'tiktok_chat'])).toBe('email');
    expect(channelFor({ tiktok_chat: false, email: true, whatsapp: false }, ['tiktok_chat'])).toBeNull();
    expect(channelFor({ tiktok_chat: false, email: true, whatsapp: false }, ['tiktok_chat', 'email'])).toBe('email');
  });
  it('later matches are a visible delta, and buyers who stopped matching too', () => {
    expect(audienceDelta(new Set(['a', 'b', 'c']), ['a', 'c', 'd', 'e'])).toEqual({ added: ['d', 'e'], gone: ['b'] });
  });
  it('a pattern needs at least one part', () => {
    expect(patternIsEmpty({})).toBe(true);
    expect(patternIsEmpty({ includeRefunded: true })).toBe(true);
    expect(patternIsEmpty({ livestreamIds: ['7311'] })).toBe(false);
    expect(patternIsEmpty({ placedFrom: '2026-03-01T00:00:00Z' })).toBe(false);
  });
});

describe('pacing per channel (injected start, no wall clock)', () => {
  const start = new Date('2026-03-10T08:00:00.000Z');
  it('coupon cards are 2.1 s apart (0.5 QPS); texts 0.5 s', () => {
    const card = paceFor('tiktok_chat', true);
    expect(slotAt(0, start, card).toISOString()).toBe('2026-03-10T08:00:00.000Z');
    expect(slotAt(1, start, card).toISOString()).toBe('2026-03-10T08:00:02.100Z');
    expect(slotAt(10, start, paceFor('tiktok_chat', false)).toISOString()).toBe('2026-03-10T08:00:05.000Z');
  });
  it('the daily quota moves sends to the next UTC day, never drops them', () => {
    const card = paceFor('tiktok_chat', true);
    expect(card.dailyCap).toBe(2000);
    expect(slotAt(1999, start, card).toISOString()).toBe(new Date(start.getTime() + 1999 * 2100).toISOString());
    expect(slotAt(2000, start, card).toISOString()).toBe('2026-03-11T00:00:00.000Z');
    expect(slotAt(4001, start, card).toISOString()).toBe('2026-03-12T00:00:02.100Z');
  });
  it('estimates the finish per channel and how many are reached after the deadline', () => {
    const e = estimate({ tiktok_chat: 5000, email: 300 }, start, 24, true);
    // 2,000 cards today (till 09:09:58.9), 2,000 tomorrow from 00:00, 1,000 the day after.
    const chat = e.find((x) => x.channel === 'tiktok_chat')!;
    expect(chat.finishAt).toBe(new Date(Date.parse('2026-03-12T00:00:00Z') + 999 * 2100).toISOString());
    // Deadline 11 Mar 08:00: tomorrow's 2,000 sends take 70 min from midnight, all in time; the day after's 1,000 are late.
    expect(chat.afterDeadline).toBe(1000);
    expect(e.find((x) => x.channel === 'email')).toEqual({ channel: 'email', buyers: 300, finishAt: new Date(start.getTime() + 299 * 200).toISOString(), afterDeadline: 0 });
    // A 1-hour promise: only what fits in the first hour is in time.
    const tight = estimate({ tiktok_chat: 5000 }, start, 1, true)[0]!;
    expect(tight.afterDeadline).toBe(5000 - (Math.floor(3_600_000 / 2100) + 1));
  });
});

describe('cost and approval (the remedies authority limits)', () => {
  it('needs approval above the amount limit of the currency, or without a limit in it', () => {
    expect(totalCost({ kind: 'coupon', platformCouponId: 'x', faceValue: 500, currency: 'EUR' }, 40)).toBe(20_000);
    expect(needsApproval({ amounts: { EUR: 20_000 } }, 20_000, 'EUR')).toEqual({ needed: false, reason: 'within_limits' });
    expect(needsApproval({ amounts: { EUR: 20_000 } }, 20_001, 'EUR')).toEqual({ needed: true, reason: 'over_amount' });
    expect(needsApproval({ amounts: { USD: 1_000_000 } }, 1, 'EUR')).toEqual({ needed: true, reason: 'no_limit_for_currency' });
    expect(needsApproval({ amounts: null }, 10 ** 9, 'EUR')).toEqual({ needed: false, reason: 'unlimited' });
    expect(needsApproval({ amounts: { EUR: 0 } }, 0, 'EUR')).toEqual({ needed: false, reason: 'no_cost' });
  });
  it('moves only along the lifecycle', () => {
    expect(canMove('draft', 'pending_approval')).toBe(true);
    expect(canMove('draft', 'sending')).toBe(false);
    expect(canMove('sending', 'paused')).toBe(true);
    expect(canMove('closed', 'draft')).toBe(false);
  });
});

describe('messages', () => {
  it('fills the variables and keeps unknown names visible', () => {
    expect(renderMessage('Hallo {buyer_name}, zu {product} (Bestellung {order_number}): {tracking_link}', { buyer_name: 'Lena M.', product: 'Sac Aurore', order_number: '576', tracking_link: null })).toBe('Hallo Lena M., zu Sac Aurore (Bestellung 576):');
    expect(unknownVariables('Hi {name}, {product} {name}')).toEqual(['name']);
  });
  it('picks the buyer language, else English', () => {
    const m = { en: 'Hello', de: 'Hallo' };
    expect(messageFor(m, 'de-DE')).toBe('Hallo');
    expect(messageFor(m, 'pl')).toBe('Hello');
    expect(messageFor({ fr: 'Bonjour' }, 'it')).toBe('Bonjour');
  });
});

describe('proposals: the spike test fires on a spike, not on noise (hand-built worlds)', () => {
  it('a product with ~1 colour complaint a day that gets 12 in the last 24 h is a spike', () => {
    const r = spikeTest({ key: 'p:colour', recent: 12, baseline: 28 });
    expect(r.spike).toBe(true);
    expect(r.pValue).toBeLessThan(1e-4);
  });
  it('a steady rate with a busy day is noise', () => {
    // 3 a day for 28 days, 6 today: twice the usual, not a spike.
    expect(spikeTest({ key: 'p:size', recent: 6, baseline: 84 }).spike).toBe(false);
  });
  it('a handful of complaints on a new product are not enough', () => {
    expect(spikeTest({ key: 'p:new', recent: 4, baseline: 0 }).spike).toBe(false);
    expect(spikeTest({ key: 'p:new', recent: 5, baseline: 0 }).spike).toBe(true);
  });
  it('exposure counts: a day with ten times the orders may have ten times the complaints', () => {
    expect(spikeTest({ key: 'p:sale', recent: 20, baseline: 56, recentOrders: 1000, baselineOrders: 2800 }).spike).toBe(false);
    expect(spikeTest({ key: 'p:sale', recent: 20, baseline: 56 }).spike).toBe(true);
  });
  it('across 200 seeded noise worlds at a steady rate, no key fires', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const poisson = (l: number) => {
      let k = 0;
      let p = Math.exp(-l);
      let s = p;
      const u = rnd();
      while (u > s) {
        k++;
        p *= l / k;
        s += p;
      }
      return k;
    };
    let fired = 0;
    for (let i = 0; i < 200; i++) {
      const rate = 0.5 + (i % 5);
      let baseline = 0;
      for (let d = 0; d < 28; d++) baseline += poisson(rate);
      if (spikeTest({ key: `k${i}`, recent: poisson(rate), baseline }).spike) fired++;
    }
    expect(fired).toBe(0);
  });
});

describe('whatsappParam', () => {
  it('puts the agreed text on one line, keeps at most four spaces in a row and 1,024 characters', () => {
    expect(whatsappParam('Hallo Lena,\r\nder Verschluss\tkann sich öffnen.\n\nErsatz   ist unterwegs.')).toBe('Hallo Lena, der Verschluss kann sich öffnen. Ersatz   ist unterwegs.');
    expect(whatsappParam('a' + ' '.repeat(9) + 'b')).toBe('a    b');
    expect(whatsappParam('x'.repeat(2000))).toHaveLength(1024);
    expect(whatsappParam('  \n  ')).toBe('');
  });
});
