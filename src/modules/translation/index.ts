export { createTranslationService, type TranslationService } from './translation.service.js';
export { translationRoutes } from './translation.routes.js';
export { translationPrivacy } from './translation.privacy.js';
export { deeplTranslator, deeplTarget, type Translator, type FetchLike } from './translation.deepl.js';
export * from './translation.dto.js';
