import { useState } from 'react';
import { isApiError, issuesToFieldErrors, type FieldErrors } from './api';
import { useTranslation } from 'react-i18next';
import { useErrorMessage } from './errors';
import { translateFieldMessage } from './fieldMessages';

/**
 * Server-driven form errors: field messages from a 400's `details.issues` (or a 409's `details.field`)
 * go on the inputs; whatever has no input on screen goes in `formError`, so nothing is swallowed.
 */
export function useFormErrors(knownFields: (field: string) => boolean) {
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const message = useErrorMessage();
  const { t } = useTranslation();

  return {
    fieldErrors,
    formError,
    /** Error for one field path, e.g. `supportContacts.email`. */
    err: (field: string) => fieldErrors[field],
    /** Whether any field under a prefix has an error (for tab markers). */
    hasUnder: (prefix: string) => Object.keys(fieldErrors).some((k) => k === prefix || k.startsWith(`${prefix}.`)),
    clear() {
      setFieldErrors({});
      setFormError(null);
    },
    setLocal(errors: FieldErrors) {
      setFieldErrors(errors);
      setFormError(null);
    },
    fromError(e: unknown, summary: string) {
      const fe = Object.fromEntries(Object.entries(issuesToFieldErrors(e)).map(([k, v]) => [k, translateFieldMessage(t, v)]));
      const conflictField = isApiError(e) && e.status === 409 ? (e.details as { field?: unknown } | undefined)?.field : undefined;
      if (typeof conflictField === 'string' && knownFields(conflictField)) {
        // A clash on one field (duplicate name or e-mail) is said once, translated, on that field.
        setFieldErrors({ ...fe, [conflictField]: message(e) });
        setFormError(null);
        return;
      }
      setFieldErrors(fe);
      const placed = Object.keys(fe).filter(knownFields);
      const unplaced = isApiError(e) ? e.issues.filter((i) => !knownFields(i.field)) : [];
      if (isApiError(e) && e.status === 400 && placed.length > 0 && unplaced.length === 0) setFormError(summary);
      else if (isApiError(e) && e.status === 400 && unplaced.length > 0) setFormError(unplaced.map((i) => `${i.field}: ${translateFieldMessage(t, i.message)}`).join('; '));
      else setFormError(message(e));
    },
  };
}
