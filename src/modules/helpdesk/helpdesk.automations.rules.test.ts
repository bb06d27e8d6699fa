import { describe, expect, it } from 'vitest';
import { autoCloseMessage, dueForAutoClose, evaluateRules, outOfHoursMessage, ruleMatches, type Rule, type RuleFacts, mayFireAgain, outcomeChanges, idleDue, type AutomationOutcome } from './helpdesk.automations.rules.js';
import { mentionedIn } from './helpdesk.rules.js';
import { fillVariables, placeholdersIn, unresolvedVariables, variablesFrom } from './helpdesk.variables.js';

const facts: RuleFacts = { channel: 'tiktok_chat', shopId: 'shp_a', language: 'de', tags: [], orderValue: 25_000, categories: ['Headphones'], text: 'Der Kopfhörer ist kaputt' };

describe('ruleMatches', () => {
  const cases: [string, Parameters<typeof ruleMatches>[0], boolean][] = [
    ['no conditions match everything', {}, true],
    ['channel listed', { channels: ['tiktok_chat', 'email'] }, true],
    ['channel not listed', { channels: ['email'] }, false],
    ['shop listed', { shopIds: ['shp_a'] }, true],
    ['other shop', { shopIds: ['shp_b'] }, false],
    ['language', { languages: ['de'] }, true],
    ['other language', { languages: ['fr', 'it'] }, false],
    ['tags: all must be present', { tags: ['vip'] }, false],
    ['order value at the minimum', { orderValueMin: 25_000 }, true],
    ['order value below the minimum', { orderValueMin: 25_001 }, false],
    ['order value above the maximum', { orderValueMax: 10_000 }, false],
    ['category, case-insensitive', { categories: ['headphones'] }, true],
    ['other category', { categories: ['Shoes'] }, false],
    ['keyword, case-insensitive', { keywords: ['KAPUTT'] }, true],
    ['no keyword', { keywords: ['refund'] }, false],
    ['all conditions together', { channels: ['tiktok_chat'], languages: ['de'], orderValueMin: 20_000, categories: ['Headphones'], keywords: ['kaputt'] }, true],
  ];
  for (const [name, c, want] of cases) it(name, () => expect(ruleMatches(c, facts)).toBe(want));

  it('a ticket without an order never meets an order-value bound', () => {
    expect(ruleMatches({ orderValueMax: 1_000_000 }, { ...facts, orderValue: null })).toBe(false);
    expect(ruleMatches({ orderValueMin: 0 }, { ...facts, orderValue: null })).toBe(false);
  });
});

describe('evaluateRules', () => {
  const rules: Rule[] = [
    { id: 'r1', name: 'Damage', conditions: { keywords: ['kaputt'] }, actions: { addTags: ['damage'], priority: 'high' } },
    { id: 'r2', name: 'Damage to the team', conditions: { tags: ['damage'] }, actions: { queue: 'quality', assigneeId: 'usr_1' } },
    { id: 'r3', name: 'Big orders', conditions: { orderValueMin: 20_000 }, actions: { addTags: ['damage', 'vip'], priority: 'urgent' } },
    { id: 'r4', name: 'E-mail only', conditions: { channels: ['email'] }, actions: { priority: 'low' } },
  ];
  it('applies matching rules in order; tags added by one count for the next; the last priority wins', () => {
    expect(evaluateRules(rules, facts)).toEqual({
      fired: [
        { ruleId: 'r1', name: 'Damage', actions: rules[0]!.actions },
        { ruleId: 'r2', name: 'Damage to the team', actions: rules[1]!.actions },
        { ruleId: 'r3', name: 'Big orders', actions: rules[2]!.actions },
      ],
      addTags: ['damage', 'vip'],
      priority: 'urgent',
      assigneeId: 'usr_1',
      queue: 'quality',
    });
  });
  it('nothing matches: nothing changes', () => {
    expect(evaluateRules(rules, { ...facts, text: 'Wann kommt es?', orderValue: 100 })).toEqual({ fired: [], addTags: [], priority: null, assigneeId: null, queue: null });
  });
  it('a tag the ticket already has is not added again', () => {
    expect(evaluateRules([rules[0]!], { ...facts, tags: ['damage'] }).addTags).toEqual([]);
  });
});

describe('auto-close and out-of-hours texts', () => {
  const now = new Date('2026-03-10T10:00:00Z');
  it.each([
    ['waiting_on_buyer', new Date('2026-03-07T10:00:00Z'), 3, true],
    ['waiting_on_buyer', new Date('2026-03-07T10:00:01Z'), 3, false],
    ['open', new Date('2026-03-01T10:00:00Z'), 3, false],
    ['waiting_on_buyer', new Date('2026-03-01T10:00:00Z'), null, false],
  ] as const)('%s since %s, %s days → %s', (status, since, days, want) => expect(dueForAutoClose(status, since, days, now)).toBe(want));

  it('speaks the five buyer languages, English for anything else', () => {
    expect(autoCloseMessage('de', 5)).toContain('5 Tagen');
    expect(autoCloseMessage('fr', 5)).toContain('5 jours');
    expect(autoCloseMessage('it', 5)).toContain('5 giorni');
    expect(autoCloseMessage('es', 5)).toContain('5 días');
    expect(autoCloseMessage('pl', 5)).toContain('5 days');
    expect(outOfHoursMessage('es', 'Tienda', 'lunes 10:00')).toBe('Gracias por tu mensaje a Tienda. Nuestro equipo no está disponible ahora; te responderemos antes de lunes 10:00.');
  });
});

describe('variables', () => {
  it('fills known values and lists the rest, each once, unknown names included', () => {
    expect(fillVariables('Hi {{buyer_name}}, {{ order_number }} {{order_number}} {{nickname}}', { buyer_name: 'Lena', order_number: '' })).toEqual({ text: 'Hi Lena, {{ order_number }} {{order_number}} {{nickname}}', unresolved: ['order_number', 'nickname'] });
    expect(placeholdersIn('{{a}} {{b}} {{a}}')).toEqual(['a', 'b']);
    expect(unresolvedVariables('No placeholders, only {braces}.')).toEqual([]);
    expect(unresolvedVariables('Odd {{ }} one')).toEqual(['']);
  });
  it('derives values from the ticket, order and shop; never an internal id', () => {
    const v = variablesFrom({
      buyerName: 'Lena Vogel',
      shopName: 'Nordlicht',
      shopTimeZone: 'Europe/Berlin',
      agentName: 'Mia Schulz',
      order: { externalId: '5770001', id: 'ord_x', productName: 'Headphones', trackingNumber: 'TRK1', carrier: 'DHL', deliveredAt: '2026-03-05T23:30:00Z' },
      returnWindowDays: 14,
      language: 'en',
    });
    expect(v).toEqual({ buyer_name: 'Lena', shop_name: 'Nordlicht', agent_name: 'Mia', order_number: '5770001', product: 'Headphones', tracking_link: 'DHL TRK1', return_deadline: 'March 20, 2026' });
    expect(variablesFrom({ order: { externalId: null, id: 'ord_x' } })).toEqual({});
  });
});

describe('mentions', () => {
  const people = [
    { id: 'u1', name: 'Ana Lima' },
    { id: 'u2', name: 'Ana Costa' },
    { id: 'u3', name: 'Jonas Weber' },
  ];
  it.each([
    ['@Ana Lima please check', ['u1']],
    ['@ana costa and @jonas', ['u2', 'u3']],
    ['@Ana (two Anas: ambiguous)', []],
    ['mail ana@jonas.de is not a mention', []],
    ['@Jonas, @Jonas Weber again', ['u3']],
    ['@JonasWeber is another word', []],
  ] as const)('%s', (text, want) => expect(mentionedIn(text, people)).toEqual(want));
});

describe('rules on ticket updates', () => {
  const base = { channel: 'tiktok_chat' as const, shopId: 's', language: 'de', tags: [], orderValue: null, categories: [], text: '' };
  it('a status condition matches the ticket\'s status after the change', () => {
    expect(ruleMatches({ statuses: ['open'] }, { ...base, status: 'open' })).toBe(true);
    expect(ruleMatches({ statuses: ['open'] }, { ...base, status: 'solved' })).toBe(false);
    expect(ruleMatches({ statuses: ['open'] }, base)).toBe(false);
  });
  it('loop protection: a rule fires at most three times a day on one ticket', () => {
    expect([0, 1, 2, 3, 4].map(mayFireAgain)).toEqual([true, true, true, false, false]);
  });
  it('an outcome that changes nothing writes nothing', () => {
    const t = { tags: ['vip'], priority: 'high', assigneeId: 'u1', queue: 'general' };
    const out = (o: Partial<AutomationOutcome>): AutomationOutcome => ({ fired: [], addTags: [], priority: null, assigneeId: null, queue: null, ...o });
    expect(outcomeChanges(out({ addTags: ['vip'], priority: 'high', assigneeId: 'u1', queue: 'general' }), t)).toBe(false);
    expect(outcomeChanges(out({ addTags: ['new'] }), t)).toBe(true);
    expect(outcomeChanges(out({ priority: 'urgent' }), t)).toBe(true);
    expect(outcomeChanges(out({ assigneeId: 'u2' }), t)).toBe(true);
    expect(outcomeChanges(out({ queue: 'vip' }), t)).toBe(true);
  });
  it('idle: due after the hours, once per quiet stretch', () => {
    const last = new Date('2026-03-10T10:00:00Z');
    expect(idleDue(last, 24, null, new Date('2026-03-11T09:59:00Z'))).toBe(false);
    expect(idleDue(last, 24, null, new Date('2026-03-11T10:00:00Z'))).toBe(true);
    expect(idleDue(last, 24, new Date('2026-03-11T10:30:00Z'), new Date('2026-03-12T12:00:00Z'))).toBe(false);
    expect(idleDue(last, 24, new Date('2026-03-09T10:30:00Z'), new Date('2026-03-12T12:00:00Z'))).toBe(true);
  });
});
