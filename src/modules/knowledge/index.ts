export { createKnowledgeService, type KnowledgeService, type KnowledgePorts, type CatalogueProductInput } from './knowledge.service.js';
export { knowledgeRoutes } from './knowledge.routes.js';
export * from './knowledge.dto.js';
export { detectTopics, listingTopics, knowledgeTopics, rankEntries, rankGaps, translationStatus, fold } from './knowledge.rules.js';
export { catalogueSkusOf, productExists } from './knowledge.readers.js';
export { productTermsOf, type ProductTerms } from './knowledge.readers.js';
export { knowledgePrivacy } from './knowledge.privacy.js';
