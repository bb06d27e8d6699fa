import { AppError } from '../../platform/errors.js';
import type { TranslationLanguage } from './translation.dto.js';

/** What the translation module needs of a provider: texts in, texts out, in order. */
export interface Translator {
  readonly name: string;
  translate(texts: string[], target: TranslationLanguage, source?: string | null): Promise<{ text: string; detectedSource: string | null }[]>;
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal }) => Promise<Response>;

/** DeepL's target codes: English needs a variant, Chinese is simplified. */
export function deeplTarget(l: TranslationLanguage): string {
  if (l === 'en') return 'EN-GB';
  if (l === 'zh-CN') return 'ZH-HANS';
  return l.toUpperCase();
}

/** Our language code for DeepL's detected source (`EN`, `DE`, `ZH`…). */
export function fromDeeplCode(code: string | undefined | null): string | null {
  if (!code) return null;
  const c = code.toUpperCase();
  if (c.startsWith('ZH')) return 'zh-CN';
  return c.slice(0, 2).toLowerCase();
}

/**
 * DeepL's v2 API (`POST /v2/translate`, `Authorization: DeepL-Auth-Key …`, JSON body) with the
 * seller's own key, through the outbound rule. Any service speaking the same protocol works (the
 * local stand-in does, for tests and the demo).
 */
export function deeplTranslator(opts: { baseUrl: string; apiKey: string; fetch: FetchLike; timeoutMs?: number }): Translator {
  return {
    name: new URL(opts.baseUrl).host,
    async translate(texts, target, source) {
      const url = new URL('/v2/translate', opts.baseUrl).toString();
      const body: Record<string, unknown> = { text: texts, target_lang: deeplTarget(target) };
      if (source && ['en', 'de', 'fr', 'it', 'es'].includes(source)) body.source_lang = source.toUpperCase();
      let res: Response;
      try {
        res = await opts.fetch(url, {
          method: 'POST',
          headers: { authorization: `DeepL-Auth-Key ${opts.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
        });
      } catch (e) {
        throw new AppError('upstream', 'translation.unreachable', `The translation service could not be reached (${e instanceof Error ? e.message : 'error'})`);
      }
      if (res.status === 403 || res.status === 401) throw new AppError('upstream', 'translation.bad_key', 'The translation service refused the API key');
      if (res.status === 456) throw new AppError('upstream', 'translation.quota', 'The translation quota of this key is used up');
      if (!res.ok) throw new AppError('upstream', 'translation.failed', `The translation service answered ${res.status}`);
      const json = (await res.json().catch(() => null)) as { translations?: { text?: unknown; detected_source_language?: unknown }[] } | null;
      const list = json?.translations;
      if (!Array.isArray(list) || list.length !== texts.length || list.some((t) => typeof t.text !== 'string')) throw new AppError('upstream', 'translation.failed', 'The translation service gave an answer we could not read');
      return list.map((t) => ({ text: t.text as string, detectedSource: fromDeeplCode(typeof t.detected_source_language === 'string' ? t.detected_source_language : null) }));
    },
  };
}
