import { describe, expect, it } from 'vitest';
import { TOPIC_SET } from '../../../test/knowledge/topics.labelled.js';
import { detectTopics, knowledgeTopics, listingTopics, rankEntries, rankGaps, translationStatus, TOPICS, type Topic } from './knowledge.rules.js';

function measure(lang: keyof typeof TOPIC_SET) {
  let tp = 0, fp = 0, fn = 0;
  const misses: string[] = [];
  for (const [text, labels] of TOPIC_SET[lang]) {
    const want = new Set(labels ? labels.split(',') : []);
    const got = new Set<string>(detectTopics(text, lang));
    for (const t of got) if (want.has(t)) tp++; else { fp++; misses.push(`+${t}: ${text}`); }
    for (const t of want) if (!got.has(t)) { fn++; misses.push(`-${t}: ${text}`); }
  }
  return { precision: tp / (tp + fp), recall: tp / (tp + fn), misses };
}

describe('topic detection per language (labelled buyer messages)', () => {
  for (const lang of ['en', 'de', 'fr', 'it', 'es'] as const) {
    it(`${lang}: at least 30 messages, precision ≥ 0.8 and recall ≥ 0.7`, () => {
      expect(TOPIC_SET[lang].length).toBeGreaterThanOrEqual(30);
      const m = measure(lang);
      console.log(`topics ${lang}: n=${TOPIC_SET[lang].length} precision=${m.precision.toFixed(3)} recall=${m.recall.toFixed(3)}${m.misses.length ? `\n  ${m.misses.join('\n  ')}` : ''}`);
      expect(m.precision).toBeGreaterThanOrEqual(0.8);
      expect(m.recall).toBeGreaterThanOrEqual(0.7);
    });
  }

  it('reads the German leather-smell complaint as smell, not material', () => {
    expect(detectTopics('Die Jacke riecht sehr stark nach Leder, ist das normal?', 'de')).toEqual(['smell']);
    expect(detectTopics('Where is my parcel?', 'en')).toEqual([]);
  });
});

describe('coverage of a listing and its knowledge', () => {
  it('a size chart and a warranty field cover size and warranty; description words cover their topics', () => {
    expect(listingTopics({ title: 'Voltix PowerCore 20K', description: '20,000 mAh, USB-C PD 65 W. Charges a phone four times.', attributes: [{ name: 'Colour', values: ['Black'] }], hasSizeChart: false, warranty: null })).toEqual(['colour', 'battery', 'voltage']);
    expect(listingTopics({ title: 'Veste Camille', description: 'Cuir', attributes: [], hasSizeChart: true, warranty: '2 years' })).toEqual(['size', 'warranty']);
  });
  it('knowledge covers its field topic and the topics its text names', () => {
    expect(knowledgeTopics([{ field: 'quirks', title: 'Geruch', body: 'Das Leder riecht anfangs.' }, { field: 'care', title: 'Pflege', body: 'Feucht abwischen.' }])).toEqual(['smell', 'care']);
  });
});

describe('ranking suggested answers', () => {
  it('rare shared words outweigh common ones; a title match counts double; nothing shared is dropped', () => {
    const e = (id: string, t: string[], b: string[]) => ({ id, titleLexemes: t, bodyLexemes: b });
    const ranked = rankEntries(['jack', 'smell'], [e('size', ['size'], ['jack', 'fit']), e('smell', ['smell'], ['jack', 'leather']), e('care', ['care'], ['jack']), e('none', ['x'], ['y'])]);
    expect(ranked.map((r) => r.entry.id)).toEqual(['smell', 'size', 'care']);
    expect(ranked[0]!.score).toBeGreaterThan(ranked[1]!.score);
  });
});

describe('translation status', () => {
  it('source, current, out of date, seller note', () => {
    expect(translationStatus({ language: 'en', translatedFromVersion: null }, 3)).toBe('source');
    expect(translationStatus({ language: 'de', translatedFromVersion: 3 }, 3)).toBe('current');
    expect(translationStatus({ language: 'de', translatedFromVersion: 2 }, 3)).toBe('out_of_date');
    expect(translationStatus({ language: 'zh-CN', translatedFromVersion: null }, 3)).toBe('note');
  });
});

describe('gap ranking on a hand-built world', () => {
  const products = [
    { productId: 'p_bank', title: 'PowerCore 20K', covered: ['colour'] as Topic[] },
    { productId: 'p_jacket', title: 'Veste Camille', covered: ['size', 'material', 'smell'] as Topic[] },
    { productId: 'p_scarf', title: 'Foulard', covered: [...TOPICS] },
  ];
  const m = (productId: string, text: string, language = 'en', ticketId = 't') => ({ productId, text, language, ticketId });
  it('ranks by uncovered asks, lists examples, leaves complete products out', () => {
    const gaps = rankGaps(products, [
      m('p_bank', 'How long does the battery last?', 'en', 't1'),
      m('p_bank', 'Wie lange hält der Akku?', 'de', 't2'),
      m('p_bank', 'Does it work with iPhone?', 'en', 't3'),
      m('p_bank', 'What colour is it?', 'en', 't4'),
      m('p_jacket', 'Die Jacke riecht nach Leder', 'de', 't5'),
      m('p_jacket', 'Can I wash it?', 'en', 't6'),
      m('p_scarf', 'Can I wash it?', 'en', 't7'),
      m('p_unknown', 'battery?', 'en', 't8'),
    ]);
    expect(gaps.map((g) => [g.productId, g.asks, g.missing.map((x) => `${x.topic}:${x.asks}`)])).toEqual([
      ['p_bank', 3, ['battery:2', 'compatibility:1']],
      ['p_jacket', 1, ['care:1']],
    ]);
    expect(gaps[0]!.missing[0]!.examples.map((x) => x.ticketId)).toEqual(['t1', 't2']);
  });
});
