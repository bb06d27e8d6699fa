import type { TFunction } from 'i18next';

/**
 * Field messages come from the server's Zod schemas in English. The common ones are translated
 * here by shape (keys under `errors:field.*`); anything unknown is shown as the server said it.
 */
const PATTERNS: [RegExp, string, (m: RegExpMatchArray) => Record<string, string>][] = [
  [/^invalid email address$/i, 'invalidEmail', () => ({})],
  [/must be at least (\d+) characters/i, 'minChars', (m) => ({ n: m[1]! })],
  [/^Too small: expected string to have >=1 characters?$/i, 'required', () => ({})],
  [/^Invalid input: expected \w+, received (undefined|null)$/i, 'required', () => ({})],
  [/^Too small: expected string to have >=(\d+) characters$/i, 'minChars', (m) => ({ n: m[1]! })],
  [/^Too big: expected string to have <=(\d+) characters$/i, 'maxChars', (m) => ({ n: m[1]! })],
  [/^Too small: expected array to have >=(\d+) items?$/i, 'minItems', (m) => ({ n: m[1]! })],
  [/^Too big: expected array to have <=(\d+) items?$/i, 'maxItems', (m) => ({ n: m[1]! })],
  [/^Too small: expected number to be >=?(-?\d+(?:\.\d+)?)$/i, 'minNumber', (m) => ({ n: m[1]! })],
  [/^Too big: expected number to be <=?(-?\d+(?:\.\d+)?)$/i, 'maxNumber', (m) => ({ n: m[1]! })],
  [/must be HH:MM/i, 'hhmm', () => ({})],
  [/^start must be before end$/i, 'startBeforeEnd', () => ({})],
  [/IANA time zone/i, 'timeZone', () => ({})],
  [/ISO 4217/i, 'currency', () => ({})],
  [/^not a region of ([A-Z]{2})$/, 'region', (m) => ({ market: m[1]! })],
  [/^no such brand$/i, 'unknownBrand', () => ({})],
  [/^unknown field$/i, 'unknownField', () => ({})],
  [/^too easy to guess\b/i, 'weakPassword', () => ({})],
];

export function translateFieldMessage(t: TFunction, message: string): string {
  for (const [re, key, vars] of PATTERNS) {
    const m = message.match(re);
    if (m) return t(`errors:field.${key}`, { ...vars(m), defaultValue: message });
  }
  return message;
}
