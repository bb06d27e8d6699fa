/**
 * UI translations (react-i18next). Two languages: `en` and `zh-CN`; every string needs both.
 *
 * How a module adds its own texts, without touching shared files:
 *   - feature pages: `features/<module>/locales/en.json` and `features/<module>/locales/zh-CN.json`
 *     become the namespace `<module>` → `const { t } = useTranslation('<module>')`.
 *   - shell-wide texts live in `i18n/<lang>/<namespace>.json` (common, auth, errors, placeholders).
 * Both are gathered per language by the globs in `bundles/` at build time. `test/e2e/i18n.test.ts` fails when the two
 * languages do not have exactly the same keys; missing keys at runtime are logged as console
 * errors, which the browser tests treat as failures.
 * Server error codes (`users.duplicate_email`) are translated in `errors.json`, nested by the dots.
 */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';

export const UI_LOCALES = ['en', 'zh-CN'] as const;
export type UiLocale = (typeof UI_LOCALES)[number];
export const DEFAULT_NS = 'common';

// Each language's texts are one chunk (`bundles/<lang>.ts`), loaded before the first render and on
// a language switch: the first screen carries one language's texts, not both. English is always
// loaded too, as the fallback and for the texts shown in English on purpose (`{ lng: 'en' }`).
const LOADERS: Record<UiLocale, () => Promise<{ default: Record<string, Record<string, unknown>> }>> = {
  en: () => import('./bundles/en'),
  'zh-CN': () => import('./bundles/zh-CN'),
};
const loaded = new Map<UiLocale, Promise<void>>();

function ensureLanguage(lng: UiLocale): Promise<void> {
  let p = loaded.get(lng);
  if (!p) {
    p = LOADERS[lng]().then(({ default: bundles }) => {
      for (const [ns, bundle] of Object.entries(bundles)) i18n.addResourceBundle(lng, ns, bundle, true, true);
    });
    loaded.set(lng, p);
  }
  return p;
}

const STORAGE_KEY = 'afterdesk.uiLocale';

export function isUiLocale(v: unknown): v is UiLocale {
  return typeof v === 'string' && (UI_LOCALES as readonly string[]).includes(v);
}

export function storedLocale(): UiLocale | undefined {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return isUiLocale(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function browserLocale(): UiLocale {
  const langs = typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : [];
  return langs.some((l) => l?.toLowerCase().startsWith('zh')) ? 'zh-CN' : 'en';
}

export function currentLocale(): UiLocale {
  return isUiLocale(i18n.language) ? i18n.language : 'en';
}

/** Switches the UI language and remembers it in this browser (used before sign-in and as a cache after). */
export async function applyLocale(locale: UiLocale): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  document.documentElement.lang = locale;
  await ensureLanguage(locale);
  if (i18n.language !== locale) await i18n.changeLanguage(locale);
}

/** Sets up i18next and loads the texts of the reader's language (and English); render after it resolves. */
export async function initI18n(): Promise<typeof i18n> {
  const lng = storedLocale() ?? browserLocale();
  document.documentElement.lang = lng;
  await i18n.use(initReactI18next).init({
    // Texts are added per language as their chunk arrives; none are fetched by namespace.
    resources: {},
    lng,
    fallbackLng: 'en',
    supportedLngs: [...UI_LOCALES],
    defaultNS: DEFAULT_NS,
    interpolation: { escapeValue: false },
    returnNull: false,
    saveMissing: true,
    missingKeyHandler: (lngs, ns, key) => {
      console.error(`i18n: missing key ${ns}:${key} for ${lngs.join(',')}`);
    },
    react: { useSuspense: false },
  });
  await Promise.all([ensureLanguage('en'), ensureLanguage(lng)]);
  return i18n;
}

export { i18n };
