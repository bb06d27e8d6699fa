import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { isApiError } from './api';

/** A message for the user: the translation of the server's error code when we have one, else its own message. */
export function errorMessage(t: TFunction, err: unknown): string {
  if (isApiError(err)) {
    if (err.status >= 500 && err.code === 'internal') return t('errors:internal', { requestId: err.requestId ?? '—' });
    // A refusal we have no specific text for still reads as one, in the person's language.
    const fallback = err.status === 403 ? t('errors:forbidden') : err.message;
    return t(`errors:${err.code}`, { defaultValue: fallback, requestId: err.requestId ?? '—' });
  }
  return err instanceof Error ? err.message : String(err);
}

export function useErrorMessage(): (err: unknown) => string {
  const { t } = useTranslation();
  return (err) => errorMessage(t, err);
}
