/**
 * UI translations (react-i18next). Two languages: `en` and `zh-CN`; every string needs both.
 *
 * How a module adds its own texts, without touching shared files:
 *   - feature pages: `features/<module>/locales/en.json` and `features/<module>/locales/zh-CN.json`
 *     become the namespace `<module>` → `const { t } = useTranslation('<module>')`.
 *   - shell-wide texts live in `i18n/<lang>/<namespace>.json` (common, auth, errors, placeholders).
 * Both are picked up by the globs below at build time. `test/e2e/i18n.test.ts` fails when the two
 * languages do not have exactly the same keys; missing keys at runtime are logged as console
 * errors, which the browser tests treat as failures.
 * Server error codes (`users.duplicate_email`) are translated in `errors.json`, nested by the dots.
 */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';

export const UI_LOCALES = ['en', 'zh-CN'] as const;
export type UiLocale = (typeof UI_LOCALES)[number];
export const DEFAULT_NS = 'common';

type Bundle = Record<string, unknown>;
const core = import.meta.glob<Bundle>('./*/*.json', { eager: true, import: 'default' });
const features = import.meta.glob<Bundle>('../features/*/locales/*.json', { eager: true, import: 'default' });

export function buildResources(): Record<string, Record<string, Bundle>> {
  const resources: Record<string, Record<string, Bundle>> = {};
  const add = (lang: string, ns: string, bundle: Bundle) => {
    ((resources[lang] ??= {})[ns] = bundle);
  };
  for (const [file, bundle] of Object.entries(core)) {
    const m = /^\.\/([^/]+)\/([^/]+)\.json$/.exec(file);
    if (m) add(m[1]!, m[2]!, bundle);
  }
  for (const [file, bundle] of Object.entries(features)) {
    const m = /^\.\.\/features\/([^/]+)\/locales\/([^/]+)\.json$/.exec(file);
    if (m) add(m[2]!, m[1]!, bundle);
  }
  return resources;
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
  if (i18n.language !== locale) await i18n.changeLanguage(locale);
}

export function initI18n(): typeof i18n {
  const lng = storedLocale() ?? browserLocale();
  document.documentElement.lang = lng;
  const resources = buildResources();
  void i18n.use(initReactI18next).init({
    resources,
    lng,
    fallbackLng: 'en',
    supportedLngs: [...UI_LOCALES],
    defaultNS: DEFAULT_NS,
    ns: Object.keys(resources.en ?? {}),
    interpolation: { escapeValue: false },
    returnNull: false,
    saveMissing: true,
    missingKeyHandler: (lngs, ns, key) => {
      console.error(`i18n: missing key ${ns}:${key} for ${lngs.join(',')}`);
    },
    react: { useSuspense: false },
  });
  return i18n;
}

export { i18n };
