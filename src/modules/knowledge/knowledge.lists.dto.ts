/** The knowledge module's closed lists, shared by its rules, its contract and the web app. */

export const BUYER_LANGUAGES = ['en', 'de', 'fr', 'it', 'es'] as const;
export type BuyerLanguage = (typeof BUYER_LANGUAGES)[number];
/** Buyer languages plus the seller's own notes (never suggested to a buyer). */
export const KNOWLEDGE_LANGUAGES = [...BUYER_LANGUAGES, 'zh-CN'] as const;
export type KnowledgeLanguage = (typeof KNOWLEDGE_LANGUAGES)[number];

export const KNOWLEDGE_FIELDS = ['size_chart', 'materials', 'care', 'quirks', 'colour', 'voltage', 'assembly', 'warranty', 'faq'] as const;
export type KnowledgeField = (typeof KNOWLEDGE_FIELDS)[number];

export const TOPICS = ['size', 'material', 'colour', 'battery', 'voltage', 'smell', 'assembly', 'compatibility', 'care', 'warranty'] as const;
export type Topic = (typeof TOPICS)[number];

export type TranslationStatus = 'source' | 'current' | 'out_of_date' | 'note';
