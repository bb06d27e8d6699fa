import { z } from 'zod';
import { HttpUrl } from '../../platform/http-url.js';

/** Languages a reader or a buyer reads: the UI's two and the buyers' five. */
export const TRANSLATION_LANGUAGES = ['en', 'zh-CN', 'de', 'fr', 'it', 'es'] as const;
export const TranslationLanguage = z.enum(TRANSLATION_LANGUAGES);
export type TranslationLanguage = z.infer<typeof TranslationLanguage>;

export const TranslationSettingsView = z.object({
  /** The DeepL-compatible API's base (https://api-free.deepl.com, https://api.deepl.com, or a stand-in). */
  baseUrl: z.string().nullable(),
  /** Whether a key is stored; the key itself never leaves the server. */
  hasKey: z.boolean(),
});
export type TranslationSettingsView = z.infer<typeof TranslationSettingsView>;
export const TranslationSettingsInput = z.strictObject({
  baseUrl: HttpUrl,
  /** Omit to keep the stored key; null removes it. */
  apiKey: z.string().trim().min(1).max(200).nullish(),
});

export const TranslationPreferenceView = z.object({ alwaysTranslate: z.boolean() });
export const TranslationPreferenceInput = z.strictObject({ alwaysTranslate: z.boolean() });

export const TranslationView = z.object({ messageId: z.string(), target: z.string(), sourceLanguage: z.string().nullable(), text: z.string(), provider: z.string() });
export type TranslationView = z.infer<typeof TranslationView>;
export const TranslationsView = z.object({ items: z.array(TranslationView) });
export const TranslationsQuery = z.strictObject({ target: TranslationLanguage });
export const TranslateMessagesInput = z.strictObject({ target: TranslationLanguage, messageIds: z.array(z.string().min(1).max(64)).min(1).max(50) });
export const TranslateDraftInput = z.strictObject({ text: z.string().trim().min(1).max(20_000) });
export const DraftTranslationView = z.object({ text: z.string(), target: z.string(), provider: z.string() });
