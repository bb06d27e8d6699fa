export { startTranslationStandIn, type TranslationStandIn } from './standin.js';
