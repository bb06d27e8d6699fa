import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { AppError } from '../../platform/errors.js';

/**
 * zxcvbn score 3 of 4: "safely unguessable" against an offline attack on a slow hash, which is
 * what argon2id hashes face if the database leaks. Length alone let "aaaaaaaaaa" through.
 */
export const MIN_PASSWORD_SCORE = 3;

// The dictionaries take a few hundred milliseconds to index: built on first use, once.
let checker: ZxcvbnFactory | undefined;
const zxcvbn = () =>
  (checker ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  }));

/** Why a password is too weak (a sentence for the `password` field), or null when it is fine. */
export function passwordWeakness(password: string, about: { email?: string; name?: string } = {}): string | null {
  // Guessers try the person's own name and e-mail, and the product's name, first.
  const inputs = ['afterdesk', ...(about.name?.split(/\s+/) ?? []), ...(about.email ? [about.email, about.email.split('@')[0]!] : [])].filter(Boolean);
  const r = zxcvbn().check(password, inputs);
  if (r.score >= MIN_PASSWORD_SCORE) return null;
  const hints = [r.feedback.warning, ...r.feedback.suggestions].filter((s): s is string => !!s);
  return ['too easy to guess.', ...hints, hints.length ? '' : 'Use a few uncommon words or a longer phrase.'].join(' ').trim();
}

/** Every place a password is set calls this: API, CLI, seed and password changes. */
export function assertStrongPassword(password: string, about: { email?: string; name?: string } = {}): void {
  const weakness = passwordWeakness(password, about);
  if (weakness) throw AppError.validation('auth.weak_password', `password: ${weakness}`, [{ field: 'password', message: weakness }]);
}
