/**
 * Pure decisions of the knowledge module: which topics a buyer's message asks about (lexicons per
 * language), which topics a listing and its knowledge cover, how suggested answers are ranked, whether
 * a translation is current, and the ranking of listing gaps.
 */

import { BUYER_LANGUAGES, KNOWLEDGE_FIELDS, KNOWLEDGE_LANGUAGES, TOPICS, type BuyerLanguage, type KnowledgeField, type KnowledgeLanguage, type Topic } from './knowledge.lists.dto.js';

export { BUYER_LANGUAGES, KNOWLEDGE_FIELDS, KNOWLEDGE_LANGUAGES, TOPICS, type BuyerLanguage, type KnowledgeField, type KnowledgeLanguage, type Topic };

/** Lower case, accents and ß folded, so one lexicon line matches "Größe", "grösse" and "grosse". */
export function fold(text: string): string {
  return text.toLowerCase().replace(/ß/g, 'ss').normalize('NFD').replace(/\p{M}/gu, '').replace(/[’`]/g, "'");
}

type Lexicon = Record<Topic, RegExp[]>;
const w = (s: string) => new RegExp(`(?<![\\p{L}\\p{N}])(?:${s})(?![\\p{L}\\p{N}])`, 'u');

/**
 * Words and stems buyers use per topic, written against folded text (see `fold`). A stem ends in
 * `\p{L}*` where the language inflects it. Kept deliberately narrow: a word that also means
 * something else in everyday messages ("sent" in French, "passt" in German) is only listed in the
 * phrase that disambiguates it.
 */
export const LEXICONS: Record<BuyerLanguage, Lexicon> = {
  en: {
    size: [w('sizes?|sizing|sized'), w('fits?|fitting') , w('too (?:small|big|large|tight|loose|short|long)'), w('runs? (?:small|large|big)'), w('measurements?|chest|waist|sleeves?|shoulders?'), w('\\d+ ?(?:cm|mm|inch(?:es)?)'), w('xs|xl|xxl')],
    material: [w('materials?|fabric|cotton|silk|polyester|wool|cashmere'), w('made (?:of|from|out of)'), w('(?:real|genuine|faux|fake) leather'), w('solid gold|gold[- ]plated|plated|nickel|hypoallergenic|stainless|sterling|(?:9|14|18)k|carats?')],
    colour: [w('colou?rs?|shade|hue|tone'), w('beige|pink|rose|navy|cognac'), w('darker|lighter|faded|washed out'), w('looks? (?:different|nothing like)')],
    battery: [w('batter(?:y|ies)'), w('charg(?:e|es|ed|ing|er)|recharg\\p{L}*'), w('mah|runtime'), w('(?:dies|dead|empty|drains?) (?:after|within|in)')],
    voltage: [w('volts?|voltage|\\d{3} ?v'), w('plugs?|sockets?|outlets?|adapt(?:e|o)rs?|converter'), w('watts?|wattage|\\d+ ?w')],
    smell: [w('smell\\p{L}*|odou?rs?|stinks?|stink\\p{L}*|scent|fumes?|reeks?')],
    assembly: [w('assembl\\p{L}*'), w('set ?up|setting up|install\\p{L}*|put (?:it )?together'), w('instructions?|manual|screws?|mount\\p{L}*')],
    compatibility: [w('compatib\\p{L}*'), w('works? with|work with|pair(?:s|ed|ing)? (?:it )?with|connects? (?:it )?to'), w('iphones?|android|samsung|pixel|macbook|ipad|windows|playstation|xbox')],
    care: [w('clean\\p{L}*|wash\\p{L}*|dry[- ]clean\\p{L}*'), w('care|look after|maintain\\p{L}*|maintenance'), w('stains?|polish\\p{L}*|descal\\p{L}*|condition(?:er|ing)')],
    warranty: [w('warrant(?:y|ies)|guarantee\\p{L}*'), w('repairs?|service cent(?:er|re)')],
  },
  de: {
    size: [w('grossen?|konfektionsgrosse|passform|groesse'), w('fallt (?:\\p{L}+ )?(?:klein|gross|eng|weit)'), w('zu (?:klein|gross|eng|weit|kurz|lang)'), w('armlange|schulterbreite|brustumfang|umfang|masse|abmessungen'), w('\\d+ ?(?:cm|mm)'), w('xs|xl|xxl')],
    material: [w('material\\p{L}*|stoff|baumwolle|seide|wolle|kaschmir|kunststoff|edelstahl'), w('echt(?:es|em)? ?leder|kunstleder'), w('woraus|besteht (?:\\p{L}+ ){0,2}aus'), w('massivgold|vergoldet|nickel\\p{L}*|silber|karat|\\d{3}er gold|(?:9|14|18) ?k')],
    colour: [w('farben?|farbton|farblich'), w('beige|rosa|pink|cognac'), w('dunkler|heller|ausgeblichen'), w('sieht (?:\\p{L}+ ){0,2}anders aus')],
    battery: [w('akku\\p{L}*|batterie\\p{L}*'), w('lad(?:en|t|ezeit|egerat|ekabel|ung)|aufladen|aufgeladen'), w('laufzeit|mah')],
    voltage: [w('volt|spannung|\\d{3} ?v'), w('stecker|steckdosen?|adapter|netzteil|reiseadapter'), w('watt')],
    smell: [w('riech\\p{L}*|geruch\\p{L}*|stinkt|stinken|duft\\p{L}*|muffig|mief\\p{L}*')],
    assembly: [w('montage|montier\\p{L}*|aufbau\\p{L}*|zusammenbau\\p{L}*|zusammenbauen'), w('anleitung|bedienungsanleitung|schrauben|installier\\p{L}*|einricht\\p{L}*')],
    compatibility: [w('kompatib\\p{L}*'), w('funktioniert (?:\\p{L}+ ){0,2}mit(?! \\d| volt| strom)|verbind\\p{L}*|koppeln|gekoppelt'), w('iphones?|android|samsung|pixel|macbook|ipad|windows')],
    care: [w('reinig\\p{L}*|wasch\\p{L}*|waschbar|sauber ?mach\\p{L}*'), w('pflege\\p{L}*|entkalk\\p{L}*'), w('flecke?n?')],
    warranty: [w('garantie\\p{L}*|gewahrleistung'), w('reparatur\\p{L}*|reparier\\p{L}*')],
  },
  fr: {
    size: [w('tailles?|pointure|coupe'), w('taille (?:petit|grand)\\p{L}*'), w('trop (?:petit|grand|serre|large|court|long)\\p{L}*'), w('mensurations?|manches?|epaules|tour de poitrine'), w('\\d+ ?(?:cm|mm)'), w('xs|xl|xxl')],
    material: [w('matieres?|materiaux?|tissu|coton|soie|laine|cachemire|plastique|acier'), w('(?:vrai|veritable) cuir|cuir (?:veritable|vrai)|simili ?cuir'), w('en quoi|fait en|fabrique en'), w('or massif|plaque or|nickel|argent|carats?|(?:9|14|18) ?k')],
    colour: [w('couleurs?|teintes?|coloris'), w('beige|rose|cognac'), w('plus (?:fonce|clair)e?|delave\\p{L}*')],
    battery: [w('batteries?|autonomie'), w('charg(?:e|er|eur|ement)|recharg\\p{L}*'), w('mah')],
    voltage: [w('volts?|tension|\\d{3} ?v'), w('prises?|adaptateurs?|transformateur'), w('watts?')],
    smell: [w('odeurs?|sentir|pue|puent|parfum|sent (?:tres |trop |fort |mauvais |le |la |bizarre)\\p{L}*')],
    assembly: [w('montage|monter|assembl\\p{L}*'), w('install\\p{L}*|notice|mode d.emploi|vis')],
    compatibility: [w('compatib\\p{L}*'), w('fonctionne avec|marche avec|connect\\p{L}*|appair\\p{L}*|jumel\\p{L}*'), w('iphones?|android|samsung|pixel|macbook|ipad|windows')],
    care: [w('nettoy\\p{L}*|lav(?:er|age|able|e)|entretien|entretenir'), w('taches?|detartr\\p{L}*|impermeabilis\\p{L}*')],
    warranty: [w('garantie|garanti'), w('reparation|reparer|sav')],
  },
  it: {
    size: [w('taglia|taglie|vestibilita|misura'), w('veste (?:piccol|grand|strett|larg)\\p{L}*'), w('troppo (?:piccol|grand|strett|larg|cort|lung)\\p{L}*'), w('misure|maniche|spalle'), w('\\d+ ?(?:cm|mm)'), w('xs|xl|xxl')],
    material: [w('material\\p{L}*|tessuto|cotone|seta|lana|cachemire|plastica|acciaio'), w('vera pelle|pelle vera|similpelle|ecopelle'), w('di cosa|fatt[oa] di|fatt[oa] in'), w('oro massiccio|placcat\\p{L}*|nichel|argento|carati|(?:9|14|18) ?k')],
    colour: [w('colori?|tonalita|tinta'), w('beige|rosa|cognac'), w('piu (?:scur|chiar)\\p{L}*|sbiadit\\p{L}*')],
    battery: [w('batteri\\p{L}*|autonomia'), w('caric\\p{L}*|ricaric\\p{L}*'), w('mah')],
    voltage: [w('volt|tensione|\\d{3} ?v'), w('spina|spine|adattatore|presa|prese'), w('watt')],
    smell: [w('odor\\p{L}*|puzz\\p{L}*|profum\\p{L}*'), w('sa di')],
    assembly: [w('montaggio|montar\\p{L}*|assembl\\p{L}*'), w('install\\p{L}*|istruzioni|viti|manuale')],
    compatibility: [w('compatibil\\p{L}*'), w('funziona con|collega\\p{L}*|accoppia\\p{L}*|connett\\p{L}*'), w('iphones?|android|samsung|pixel|macbook|ipad|windows')],
    care: [w('pulir\\p{L}*|pulizia|pulisc\\p{L}*|lavar\\p{L}*|lavaggio|lavabile'), w('macchi[ae]|manutenzione|decalcific\\p{L}*|prendermi cura|curare')],
    warranty: [w('garanzia'), w('riparazion\\p{L}*|riparar\\p{L}*|assistenza')],
  },
  es: {
    size: [w('tallas?|tallaje'), w('talla (?:pequen|grand)\\p{L}*'), w('(?:me )?queda (?:\\p{L}+ )?(?:pequen|grand|ajustad|estrech|holgad|cort|larg)\\p{L}*'), w('medidas?|mangas?|hombros'), w('\\d+ ?(?:cm|mm)'), w('xs|xl|xxl')],
    material: [w('material(?:es)?|tejido|algodon|seda|lana|cachemira|plastico|acero'), w('piel (?:autentica|genuina|sintetica)|cuero (?:autentico|genuino|sintetico)'), w('de que (?:esta |es )?hech\\p{L}*|hech[oa] de'), w('oro macizo|banad\\p{L}*|niquel|plata|quilates|(?:9|14|18) ?k')],
    colour: [w('colou?r(?:es)?|tonos?'), w('beige|rosa|cognac|coñac'), w('mas (?:oscur|clar)\\p{L}*|desteñid\\p{L}*|destenid\\p{L}*')],
    battery: [w('bateria\\p{L}*|autonomia'), w('carg(?:a|ar|ador|o|ando)|recarg\\p{L}*'), w('mah')],
    voltage: [w('voltaje|voltios|tension|\\d{3} ?v'), w('enchufes?|adaptador(?:es)?|transformador'), w('vatios')],
    smell: [w('olor\\p{L}*|huele\\p{L}*|apesta|oler')],
    assembly: [w('montaje|montar|ensambl\\p{L}*|armar'), w('instal\\p{L}*|instrucciones|tornillos|manual')],
    compatibility: [w('compatib\\p{L}*'), w('funciona con|conect\\p{L}*|emparej\\p{L}*|vincul\\p{L}*'), w('iphones?|android|samsung|pixel|macbook|ipad|windows')],
    care: [w('limpi\\p{L}*|lav(?:ar|ado|able|arla|arlo|adora)'), w('cuidad\\p{L}*|cuidar\\p{L}*|manchas?|mantenimiento|descalcific\\p{L}*')],
    warranty: [w('garantia'), w('reparacion|reparar|servicio tecnico')],
  },
};

/** The topics a text asks about, in the order of `TOPICS`. Unknown languages use the English lexicon. */
export function detectTopics(text: string, language: string): Topic[] {
  const lex = LEXICONS[(BUYER_LANGUAGES as readonly string[]).includes(language) ? (language as BuyerLanguage) : 'en'];
  const t = fold(text);
  return TOPICS.filter((topic) => lex[topic].some((re) => re.test(t)));
}

/** Topics in any buyer language (for listing and knowledge texts whose language is not known). */
export function detectTopicsAnyLanguage(text: string): Topic[] {
  const found = new Set<Topic>();
  for (const l of BUYER_LANGUAGES) for (const t of detectTopics(text, l)) found.add(t);
  return TOPICS.filter((t) => found.has(t));
}

/** The topic each knowledge field answers by its nature (FAQ and quirks are read for their words). */
export const FIELD_TOPICS: Record<KnowledgeField, Topic[]> = {
  size_chart: ['size'],
  materials: ['material'],
  care: ['care'],
  quirks: [],
  colour: ['colour'],
  voltage: ['voltage'],
  assembly: ['assembly'],
  warranty: ['warranty'],
  faq: [],
};

export interface ListingFacts {
  title: string;
  description: string;
  attributes: { name: string; values: string[] }[];
  hasSizeChart: boolean;
  warranty: string | null;
}

/** What the platform listing itself tells a buyer. */
export function listingTopics(l: ListingFacts): Topic[] {
  const text = [l.title, l.description, ...l.attributes.map((a) => `${a.name}: ${a.values.join(', ')}`), l.warranty ?? ''].join('\n');
  const found = new Set<Topic>(detectTopicsAnyLanguage(text));
  if (l.hasSizeChart) found.add('size');
  if (l.warranty) found.add('warranty');
  return TOPICS.filter((t) => found.has(t));
}

/** What the knowledge entries cover: their field's topic plus the topics their words name. */
export function knowledgeTopics(entries: { field: string; title: string; body: string }[]): Topic[] {
  const found = new Set<Topic>();
  for (const e of entries) {
    for (const t of FIELD_TOPICS[e.field as KnowledgeField] ?? []) found.add(t);
    for (const t of detectTopicsAnyLanguage(`${e.title}\n${e.body}`)) found.add(t);
  }
  return TOPICS.filter((t) => found.has(t));
}

// ---------------------------------------------------------------- suggestions

export interface RankableEntry {
  id: string;
  /** Stemmed lexemes of the title and of the body (Postgres `to_tsvector` with the language's config). */
  titleLexemes: string[];
  bodyLexemes: string[];
}

/**
 * Rank entries for a question given as stemmed lexemes: each shared lexeme scores its rarity among
 * the candidates (BM25's idf), a title match counts double. Entries sharing nothing are dropped; ties
 * keep the given order.
 */
export function rankEntries<E extends RankableEntry>(question: string[], entries: E[]): { entry: E; score: number }[] {
  const q = [...new Set(question)];
  const n = entries.length;
  const sets = entries.map((e) => ({ t: new Set(e.titleLexemes), b: new Set(e.bodyLexemes) }));
  const idf = new Map<string, number>();
  for (const lx of q) {
    const df = sets.filter((s) => s.t.has(lx) || s.b.has(lx)).length;
    idf.set(lx, Math.log(1 + (n - df + 0.5) / (df + 0.5)));
  }
  const out: { entry: E; score: number; i: number }[] = [];
  entries.forEach((entry, i) => {
    const s = sets[i]!;
    let score = 0;
    for (const lx of q) {
      if (s.t.has(lx)) score += 2 * idf.get(lx)!;
      else if (s.b.has(lx)) score += idf.get(lx)!;
    }
    if (score > 0) out.push({ entry, score, i });
  });
  out.sort((a, b) => b.score - a.score || a.i - b.i);
  return out.map(({ entry, score }) => ({ entry, score: Math.round(score * 1000) / 1000 }));
}

// ---------------------------------------------------------------- translations

export type { TranslationStatus } from './knowledge.lists.dto.js';
import type { TranslationStatus } from './knowledge.lists.dto.js';

/**
 * A text's standing in its group: the source, a translation written from the source's current
 * version, one written from an older version, or a seller's own note (zh-CN, never translated).
 */
export function translationStatus(e: { language: string; translatedFromVersion: number | null }, sourceVersion: number | null): TranslationStatus {
  if (e.language === 'zh-CN') return 'note';
  if (e.translatedFromVersion === null) return 'source';
  if (sourceVersion === null) return 'current';
  return e.translatedFromVersion >= sourceVersion ? 'current' : 'out_of_date';
}

// ---------------------------------------------------------------- gaps

export interface AskedMessage {
  productId: string;
  text: string;
  language: string;
  ticketId: string;
}

export interface ProductCoverage {
  productId: string;
  title: string;
  covered: Topic[];
}

export interface TopicGap {
  topic: Topic;
  asks: number;
  examples: { ticketId: string; text: string; language: string }[];
}

export interface ProductGap {
  productId: string;
  title: string;
  asks: number;
  missing: TopicGap[];
}

/**
 * Products whose buyers ask about topics neither the listing nor the knowledge covers, most
 * uncovered asks first (then by title); a message counts once per topic it asks. Complete products
 * are left out.
 */
export function rankGaps(products: ProductCoverage[], messages: AskedMessage[], opts: { examples?: number } = {}): ProductGap[] {
  const max = opts.examples ?? 3;
  const byProduct = new Map(products.map((p) => [p.productId, p]));
  const gaps = new Map<string, Map<Topic, TopicGap>>();
  for (const m of messages) {
    const p = byProduct.get(m.productId);
    if (!p) continue;
    for (const topic of detectTopics(m.text, m.language)) {
      if (p.covered.includes(topic)) continue;
      const per = gaps.get(p.productId) ?? new Map<Topic, TopicGap>();
      gaps.set(p.productId, per);
      const g = per.get(topic) ?? { topic, asks: 0, examples: [] };
      per.set(topic, g);
      g.asks += 1;
      if (g.examples.length < max) g.examples.push({ ticketId: m.ticketId, text: m.text.slice(0, 300), language: m.language });
    }
  }
  const out: ProductGap[] = [];
  for (const [productId, per] of gaps) {
    const p = byProduct.get(productId)!;
    const missing = [...per.values()].sort((a, b) => b.asks - a.asks || TOPICS.indexOf(a.topic) - TOPICS.indexOf(b.topic));
    out.push({ productId, title: p.title, asks: missing.reduce((a, g) => a + g.asks, 0), missing });
  }
  return out.sort((a, b) => b.asks - a.asks || a.title.localeCompare(b.title) || a.productId.localeCompare(b.productId));
}
