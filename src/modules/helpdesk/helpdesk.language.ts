import type { eld as EldInstance } from 'eld';
import { BUYER_LANGUAGES } from './helpdesk.dto.js';

type Detector = typeof EldInstance;

/**
 * The language model behind `detectLanguage`: ELD (Efficient Language Detector) with its
 * extra-small n-gram database, restricted to our five buyer languages. Loading it takes about
 * 0.65 s and 30 MB of heap (tinyld, which it replaced, 0.27 s and 8 MB), so it is loaded once per
 * process (per thread), on first need, not when the module is imported: every path that detects
 * awaits `languageModelReady()` first (a settled promise after the first time), and the pure rules
 * read the loaded detector synchronously.
 *
 * Why the swap (docs/ARCHITECTURE.md, write path, thirteenth round): about a fifteenth of tinyld's
 * time per detection, and on our own texts it is right far more often, short texts above all.
 */
let detector: Detector | undefined;
let loading: Promise<void> | undefined;

export function languageModelReady(): Promise<void> {
  loading ??= import('eld/extrasmall').then(({ eld }) => {
    const d = eld.newInstance();
    d.setLanguageSubset([...BUYER_LANGUAGES]);
    detector = d;
  });
  return loading;
}

/** The loaded detector; a path that forgot to await `languageModelReady()` fails loudly here. */
export function languageModel(): Detector {
  if (!detector) throw new Error('language model not loaded: await languageModelReady() before detecting a language');
  return detector;
}
