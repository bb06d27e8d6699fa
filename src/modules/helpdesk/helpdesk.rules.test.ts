import { beforeAll, describe, expect, it, vi } from 'vitest';
import { languageModelReady } from './helpdesk.language.js';
import { DEFAULT_MACROS } from './helpdesk.macros.js';
import {
  applyTags,
  HISTORY_ANSWERED,
  HISTORY_UNANSWERED,
  isHistory,
  statusAfterChannelMessage,
  canChangeStatus,
  decodeCursor,
  detectLanguage,
  encodeCursor,
  isOnShift,
  normaliseLanguage,
  onBuyerMessage,
  queueFor,
  renderMacro,
  routeTicket,
  slaEventsForInbound,
  statusAfterReply,
  subjectFrom,
  type AgentCandidate,
  type InboundSlaStep,
} from './helpdesk.rules.js';

describe('language detection (ELD restricted to en/de/fr/it/es)', () => {
  beforeAll(() => languageModelReady());
  const samples: [string, string][] = [
    ['en', 'Where is my order? It has been two weeks and the tracking has not moved.'],
    ['en', 'The headphones arrived broken, the left side makes no sound.'],
    ['en', 'Hi, can I return this?'],
    ['de', 'Wo ist meine Bestellung? Ich warte seit zwei Wochen.'],
    ['de', 'Die Kopfhörer sind kaputt angekommen'],
    ['de', 'Kann ich das zurückschicken?'],
    ['de', 'falsche Größe'],
    ['fr', "Où est ma commande ? J'attends depuis deux semaines."],
    ['fr', 'Le casque est arrivé cassé'],
    ['fr', 'Puis-je le retourner ?'],
    ['fr', 'mauvaise taille'],
    ['it', "Dov'è il mio ordine? Aspetto da due settimane."],
    ['it', 'Le cuffie sono arrivate rotte'],
    ['it', 'Posso restituirlo?'],
    ['it', 'taglia sbagliata'],
    ['es', '¿Dónde está mi pedido? Llevo dos semanas esperando.'],
    ['es', 'Los auriculares llegaron rotos'],
    ['es', '¿Puedo devolverlo?'],
  ];
  it.each(samples)('%s: %s', (lang, text) => {
    expect(detectLanguage(text)).toEqual({ language: lang, source: 'detected' });
  });

  it('a two-word close call defers to the channel hint, then to the shop language, then to the best guess', () => {
    // The model scores this Italian 0.667 and Spanish 0.650: not reliable.
    expect(detectLanguage('Hola, mi', { hint: 'es-MX' })).toEqual({ language: 'es', source: 'hint' });
    expect(detectLanguage('Hola, mi', { shopLanguages: ['es', 'en'] })).toEqual({ language: 'es', source: 'shop' });
    expect(detectLanguage('Hola, mi')).toEqual({ language: 'it', source: 'detected' });
    // A two-word text the model is sure of needs no hint (tinyld, before it, took this for Italian).
    expect(detectLanguage('talla equivocada', { hint: 'it' })).toEqual({ language: 'es', source: 'detected' });
    expect(detectLanguage('👍', { shopLanguages: ['fr'] })).toEqual({ language: 'fr', source: 'shop' });
    expect(detectLanguage('12345')).toEqual({ language: 'en', source: 'default' });
  });

  it('fails loudly when a path detects before the model is loaded', async () => {
    vi.resetModules();
    const fresh = await import('./helpdesk.rules.js');
    expect(() => fresh.detectLanguage('Wo ist meine Bestellung?')).toThrow(/language model not loaded/);
    // Text with nothing to judge never asks the model.
    expect(fresh.detectLanguage('12345', { hint: 'de' })).toEqual({ language: 'de', source: 'hint' });
  });

  it('ignores links, e-mail addresses and order numbers when judging', () => {
    expect(detectLanguage('Bestellung 577123998812 https://www.tiktok.com/view/product/1729 bitte prüfen, danke!').language).toBe('de');
  });

  it('normalises language tags', () => {
    expect([normaliseLanguage('de-AT'), normaliseLanguage('FR'), normaliseLanguage('it_IT'), normaliseLanguage('pt-BR'), normaliseLanguage(undefined)]).toEqual(['de', 'fr', 'it', undefined, undefined]);
  });
});

describe('ticket rules', () => {
  it('queues', () => {
    expect(queueFor({ channel: 'tiktok_chat' })).toBe('general');
    expect(queueFor({ channel: 'tiktok_chat', orderTrafficSource: 'livestream' })).toBe('livestream');
    expect(queueFor({ channel: 'email', livestreamSessionId: 'ls1' })).toBe('livestream');
    expect(queueFor({ channel: 'livestream' })).toBe('livestream');
    expect(queueFor({ channel: 'tiktok_return_request' })).toBe('returns');
  });

  it('buyer messages reopen, except closed tickets which start afresh', () => {
    expect(onBuyerMessage('new')).toEqual({ action: 'append', newStatus: 'new' });
    expect(onBuyerMessage('waiting_on_buyer')).toEqual({ action: 'append', newStatus: 'open' });
    expect(onBuyerMessage('waiting_on_warehouse')).toEqual({ action: 'append', newStatus: 'open' });
    expect(onBuyerMessage('solved')).toEqual({ action: 'append', newStatus: 'open' });
    expect(onBuyerMessage('closed')).toEqual({ action: 'new_ticket' });
  });

  it('status after a reply and allowed changes', () => {
    expect(statusAfterReply('new')).toBe('waiting_on_buyer');
    expect(statusAfterReply('open')).toBe('waiting_on_buyer');
    expect(statusAfterReply('waiting_on_warehouse')).toBe('waiting_on_warehouse');
    expect(statusAfterReply('open', 'solved')).toBe('solved');
    expect(canChangeStatus('closed', 'open').ok).toBe(false);
    expect(canChangeStatus('open', 'new').ok).toBe(false);
    expect(canChangeStatus('solved', 'open').ok).toBe(true);
  });

  it('subjects and tags', () => {
    expect(subjectFrom('  Hello   there  ')).toBe('Hello there');
    expect(subjectFrom('x', 'Given')).toBe('Given');
    expect(subjectFrom('word '.repeat(40)).length).toBeLessThanOrEqual(80);
    expect(applyTags(['b', 'A'], { add: ['Needs Photo', 'b'], remove: ['a'] })).toEqual(['b', 'needs-photo']);
    expect(applyTags(['x'], { set: ['y'] })).toEqual(['y']);
  });

  it('cursors round-trip and reject junk', () => {
    const c = { slaSort: '2026-03-02T10:00:00.000Z', id: 'tkt_01abc' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(decodeCursor(encodeCursor({ slaSort: 'infinity', id: 'tkt_9' }))).toEqual({ slaSort: 'infinity', id: 'tkt_9' });
    expect(decodeCursor('bm9wZQ')).toBe(undefined);
    expect(decodeCursor(Buffer.from("x|tkt_1'; drop").toString('base64url'))).toBe(undefined);
  });
});

describe('routing (table)', () => {
  const now = new Date('2026-03-03T10:00:00Z'); // Tuesday 11:00 Berlin, 05:00 New York
  const weekdays = (start: string, end: string) => ({ mon: [{ start, end }], tue: [{ start, end }], wed: [{ start, end }], thu: [{ start, end }], fri: [{ start, end }], sat: [], sun: [] });
  const agent = (id: string, over: Partial<AgentCandidate> = {}): AgentCandidate => ({ id, role: 'agent', active: true, languages: ['en'], skills: [], load: 0, ...over });

  const cases: { name: string; language: string; queue?: string; category?: string; agents: AgentCandidate[]; last?: string; expect: string | null; reason?: RegExp }[] = [
    { name: 'only the German speaker', language: 'de', agents: [agent('a'), agent('b', { languages: ['de', 'en'] })], expect: 'b' },
    { name: 'least loaded wins', language: 'en', agents: [agent('a', { load: 5 }), agent('b', { load: 2 })], expect: 'b' },
    { name: 'round-robin after the last assignee among equals', language: 'en', agents: [agent('a'), agent('b'), agent('c')], last: 'a', expect: 'b' },
    { name: 'round-robin wraps', language: 'en', agents: [agent('a'), agent('b'), agent('c')], last: 'c', expect: 'a' },
    { name: 'skill beats load', language: 'en', category: 'Jewellery', agents: [agent('a', { load: 0 }), agent('b', { load: 3, skills: ['jewellery'] })], expect: 'b' },
    { name: 'livestream queue prefers livestream skill', language: 'en', queue: 'livestream', agents: [agent('a'), agent('b', { skills: ['livestream'], load: 1 })], expect: 'b' },
    { name: 'no skilled agent: any speaker', language: 'en', category: 'watches', agents: [agent('a', { load: 1 }), agent('b')], expect: 'b' },
    { name: 'off-shift agents are skipped', language: 'en', agents: [agent('ny', { schedule: { timeZone: 'America/New_York', hours: weekdays('09:00', '17:00') } }), agent('ber', { load: 9, schedule: { timeZone: 'Europe/Berlin', hours: weekdays('09:00', '17:00') } })], expect: 'ber' },
    { name: 'inactive and warehouse people never get tickets', language: 'en', agents: [agent('a', { active: false }), agent('w', { role: 'warehouse' }), agent('s', { role: 'supervisor' })], expect: 's' },
    { name: 'agents before supervisors', language: 'en', agents: [agent('s', { role: 'supervisor' }), agent('z', { load: 10 })], expect: 'z' },
    { name: 'nobody speaks Italian: stays in the queue', language: 'it', agents: [agent('a'), agent('b', { languages: ['de'] })], expect: null, reason: /no agent on shift speaks it/ },
    { name: 'everyone full', language: 'en', agents: [agent('a', { load: 40 })], expect: null, reason: /capacity/ },
    { name: 'nobody on shift', language: 'en', agents: [agent('ny', { schedule: { timeZone: 'America/New_York', hours: weekdays('09:00', '17:00') } })], expect: null, reason: /on shift/ },
  ];
  it.each(cases)('$name', (c) => {
    const d = routeTicket({ language: c.language, queue: c.queue ?? 'general', category: c.category, agents: c.agents, lastAssignedId: c.last, now });
    expect(d.assigneeId).toBe(c.expect);
    if (c.reason) expect(d.reason).toMatch(c.reason);
  });

  it('shifts follow the agent zone across DST', () => {
    const s = { timeZone: 'Europe/Berlin', hours: weekdays('09:00', '17:00') };
    expect(isOnShift(s, new Date('2026-03-27T07:30:00Z'))).toBe(false); // 08:30 CET (Friday)
    expect(isOnShift(s, new Date('2026-03-30T07:30:00Z'))).toBe(true); // 09:30 CEST (Monday after the change)
    expect(isOnShift(s, new Date('2026-03-28T10:00:00Z'))).toBe(false); // Saturday
    expect(isOnShift(null, new Date())).toBe(true);
  });
});

describe('macro rendering', () => {
  const bodies = { en: 'Hi {{buyer_name}}, order {{order_number}}: {{tracking_link}}', de: 'Hallo {{ buyer_name }}, Bestellung {{order_number}}' };
  it('renders in the buyer language and lists missing variables', () => {
    expect(renderMacro(bodies, 'de', { buyer_name: 'Jonas', order_number: '5781' })).toEqual({ language: 'de', text: 'Hallo Jonas, Bestellung 5781', missing: [], fellBack: false });
    expect(renderMacro(bodies, 'it', { buyer_name: 'Giulia' })).toEqual({
      language: 'en',
      text: 'Hi Giulia, order {{order_number}}: {{tracking_link}}',
      missing: ['order_number', 'tracking_link'],
      fellBack: true,
    });
  });

  it('the default set covers five languages and only known variables', () => {
    expect(DEFAULT_MACROS.map((m) => m.key)).toEqual(['where_is_my_order', 'size_fit', 'colour_difference', 'return_instructions', 'apology']);
    for (const m of DEFAULT_MACROS) {
      expect(Object.keys(m.bodies).sort()).toEqual(['de', 'en', 'es', 'fr', 'it']);
      for (const [lang, body] of Object.entries(m.bodies)) {
        const vars = [...body.matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)].map((x) => x[1]);
        expect(vars.every((v) => ['order_number', 'product', 'tracking_link', 'buyer_name', 'shop_name'].includes(v!))).toBe(true);
        // Each translation reads as its own language.
        const text = renderMacro(m.bodies, lang, { buyer_name: 'Alex', order_number: '1', product: 'X', tracking_link: 'https://t.example/1', shop_name: 'Shop' }).text;
        expect({ key: m.key, lang, detected: detectLanguage(text).language }).toEqual({ key: m.key, lang, detected: lang });
      }
    }
  });
});

describe('statusAfterChannelMessage (history horizon)', () => {
  const imported = (solvedReason: string) => ({ status: 'solved' as const, solvedReason });
  it('decides buyer messages by age only for new or imported tickets', () => {
    expect(statusAfterChannelMessage(null, 'inbound', false)).toEqual({ status: 'new', solvedReason: null });
    expect(statusAfterChannelMessage(null, 'inbound', true)).toEqual({ status: 'solved', solvedReason: HISTORY_UNANSWERED });
    expect(statusAfterChannelMessage(imported(HISTORY_ANSWERED), 'inbound', true)).toEqual({ status: 'solved', solvedReason: HISTORY_UNANSWERED });
    expect(statusAfterChannelMessage(imported(HISTORY_UNANSWERED), 'inbound', false)).toEqual({ status: 'open', solvedReason: null });
    // Live work stays live even when an old message is delivered late.
    expect(statusAfterChannelMessage({ status: 'waiting_on_buyer', solvedReason: null }, 'inbound', true)).toEqual({ status: 'open', solvedReason: null });
    expect(statusAfterChannelMessage({ status: 'solved', solvedReason: 'done' }, 'inbound', true)).toEqual({ status: 'open', solvedReason: null });
  });
  it('treats a seller message from the channel as a reply; an old one ends the conversation', () => {
    expect(statusAfterChannelMessage(imported(HISTORY_UNANSWERED), 'outbound', true)).toEqual({ status: 'solved', solvedReason: HISTORY_ANSWERED });
    expect(statusAfterChannelMessage(imported(HISTORY_UNANSWERED), 'outbound', false)).toEqual({ status: 'waiting_on_buyer', solvedReason: null });
    expect(statusAfterChannelMessage(null, 'outbound', false)).toEqual({ status: 'waiting_on_buyer', solvedReason: null });
    expect(statusAfterChannelMessage(null, 'outbound', true)).toEqual({ status: 'solved', solvedReason: HISTORY_ANSWERED });
    expect(statusAfterChannelMessage({ status: 'new', solvedReason: null }, 'outbound', false)).toEqual({ status: 'waiting_on_buyer', solvedReason: null });
    expect(statusAfterChannelMessage({ status: 'waiting_on_warehouse', solvedReason: null }, 'outbound', true)).toEqual({ status: 'waiting_on_warehouse', solvedReason: null });
    expect(statusAfterChannelMessage({ status: 'open', solvedReason: null }, 'outbound', true)).toEqual({ status: 'waiting_on_buyer', solvedReason: null });
  });
  it('draws the horizon at 72 hours', () => {
    const now = new Date('2026-03-04T12:00:00Z');
    expect(isHistory(new Date('2026-03-01T12:00:00Z'), now)).toBe(false);
    expect(isHistory(new Date('2026-03-01T11:59:59Z'), now)).toBe(true);
  });
});

describe('slaEventsForInbound (table)', () => {
  const sent = new Date('2026-03-04T12:00:00Z');
  const earlier = new Date('2026-03-01T08:00:00Z');
  const later = new Date('2026-03-05T08:00:00Z');
  const seen = new Date('2026-02-20T10:00:00Z');
  type Case = [string, Parameters<typeof slaEventsForInbound>[0], InboundSlaStep[]];
  const live = { status: 'open' as const, solvedReason: null, lastInboundAt: seen };
  const importedAnswered = { status: 'solved' as const, solvedReason: HISTORY_ANSWERED, lastInboundAt: seen };
  const importedUnanswered = { status: 'solved' as const, solvedReason: HISTORY_UNANSWERED, lastInboundAt: seen };
  const sellerOpened = { status: 'waiting_on_buyer' as const, solvedReason: null, lastInboundAt: null };
  const cases: Case[] = [
    ['a live buyer message opening a ticket starts its clocks', { created: true, direction: 'inbound', before: null, after: { status: 'new', solvedReason: null }, sentAt: sent }, [{ kind: 'start_clocks', at: sent }]],
    ['an old buyer message opening a ticket starts nothing', { created: true, direction: 'inbound', before: null, after: { status: 'solved', solvedReason: HISTORY_UNANSWERED }, sentAt: sent }, []],
    ['a seller-opened thread starts nothing', { created: true, direction: 'outbound', before: null, after: { status: 'waiting_on_buyer', solvedReason: null }, sentAt: sent }, []],
    ['old answered history opening a ticket starts nothing', { created: true, direction: 'outbound', before: null, after: { status: 'solved', solvedReason: HISTORY_ANSWERED }, sentAt: sent }, []],
    ['a buyer message on live work', { created: false, direction: 'inbound', before: live, after: { status: 'open', solvedReason: null }, sentAt: sent }, [{ kind: 'buyer_message', status: 'open', at: sent }]],
    [
      'the buyer answering a seller-opened thread starts the clocks first',
      { created: false, direction: 'inbound', before: sellerOpened, after: { status: 'open', solvedReason: null }, sentAt: sent },
      [
        { kind: 'start_clocks', at: sent },
        { kind: 'buyer_message', status: 'open', at: sent },
      ],
    ],
    [
      'a live buyer message reopens imported history with fresh clocks',
      { created: false, direction: 'inbound', before: importedAnswered, after: { status: 'open', solvedReason: null }, sentAt: sent },
      [
        { kind: 'start_clocks', at: sent },
        { kind: 'buyer_message', status: 'open', at: sent },
      ],
    ],
    ['an old buyer message leaving history unanswered emits nothing', { created: false, direction: 'inbound', before: importedAnswered, after: { status: 'solved', solvedReason: HISTORY_UNANSWERED }, sentAt: sent }, []],
    [
      'a seller reply outside Afterdesk on live work is an agent reply and a status change',
      { created: false, direction: 'outbound', before: live, after: { status: 'waiting_on_buyer', solvedReason: null }, sentAt: sent },
      [
        { kind: 'agent_public_reply', status: 'open', at: sent },
        { kind: 'status_changed', status: 'waiting_on_buyer', at: sent },
      ],
    ],
    [
      'a seller reply that leaves the status alone is only an agent reply',
      { created: false, direction: 'outbound', before: { status: 'waiting_on_warehouse', solvedReason: null, lastInboundAt: seen }, after: { status: 'waiting_on_warehouse', solvedReason: null }, sentAt: sent },
      [{ kind: 'agent_public_reply', status: 'waiting_on_warehouse', at: sent }],
    ],
    [
      'a seller answer to an unanswered stretch measures it from its first buyer message',
      { created: false, direction: 'outbound', before: importedUnanswered, after: { status: 'waiting_on_buyer', solvedReason: null }, sentAt: sent, replayFrom: earlier },
      [
        { kind: 'start_clocks', at: earlier },
        { kind: 'buyer_message', status: 'open', at: earlier },
        { kind: 'agent_public_reply', status: 'open', at: sent },
        { kind: 'status_changed', status: 'waiting_on_buyer', at: sent },
      ],
    ],
    [
      'an old seller answer settles the stretch as answered history',
      { created: false, direction: 'outbound', before: importedUnanswered, after: { status: 'solved', solvedReason: HISTORY_ANSWERED }, sentAt: sent, replayFrom: earlier },
      [
        { kind: 'start_clocks', at: earlier },
        { kind: 'buyer_message', status: 'open', at: earlier },
        { kind: 'agent_public_reply', status: 'open', at: sent },
        { kind: 'status_changed', status: 'solved', at: sent },
      ],
    ],
    [
      'a seller message written before the stretch began replays nothing',
      { created: false, direction: 'outbound', before: importedUnanswered, after: { status: 'waiting_on_buyer', solvedReason: null }, sentAt: sent, replayFrom: later },
      [
        { kind: 'agent_public_reply', status: 'solved', at: sent },
        { kind: 'status_changed', status: 'waiting_on_buyer', at: sent },
      ],
    ],
    [
      'a stretch that began at the very moment of the answer is replayed',
      { created: false, direction: 'outbound', before: importedUnanswered, after: { status: 'waiting_on_buyer', solvedReason: null }, sentAt: sent, replayFrom: sent },
      [
        { kind: 'start_clocks', at: sent },
        { kind: 'buyer_message', status: 'open', at: sent },
        { kind: 'agent_public_reply', status: 'open', at: sent },
        { kind: 'status_changed', status: 'waiting_on_buyer', at: sent },
      ],
    ],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(slaEventsForInbound(input)).toEqual(expected);
  });
});
