/**
 * Forms check themselves with the server's own Zod schema (imported from a pure `*.dto.ts`), so a
 * rule lives in one place: `contractValidator(Body, toBody)` turns the form's values into the
 * request body, parses it, and puts each problem on the form field it came from, translated like
 * the server's answers are.
 */
import type { TFunction } from 'i18next';
import type { z } from 'zod';
import { translateFieldMessage } from './fieldMessages';

export function contractValidator<V>(t: TFunction, schema: z.ZodType, toBody: (values: V) => unknown, rename: Record<string, string> = {}) {
  return (values: V): Record<string, string> => {
    const parsed = schema.safeParse(toBody(values));
    if (parsed.success) return {};
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      const field = rename[path] ?? path;
      errors[field] ??= translateFieldMessage(t, issue.message);
    }
    return errors;
  };
}

/** '' → null, for optional text fields whose body wants null when empty. */
export const orNull = (s: string): string | null => (s.trim() === '' ? null : s.trim());
