/**
 * Every change the UI makes goes through `useApiMutation` (TanStack Query's `useMutation`) and
 * one error presenter: a server answer `{code, details}` becomes messages on the form's fields
 * (`details.issues[].field`, or `details.field` on a 409) plus one translated message for
 * what has no field on screen — shown under the form when there is one, else as a notification.
 */
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient, type QueryKey, type UseMutationOptions } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { isApiError, issuesToFieldErrors, type FieldErrors } from './api';
import { errorMessage } from './errors';
import { translateFieldMessage } from './fieldMessages';

export interface PresentedError {
  /** Translated messages by the server's field path. */
  fields: FieldErrors;
  /** One translated sentence for the person (the summary when every problem sits on a field). */
  message: string;
}

/** The shared presenter: what to show for a failed request. */
export function presentError(t: TFunction, err: unknown, knownField: (field: string) => boolean = () => false, rename: Record<string, string> = {}): PresentedError {
  const raw = issuesToFieldErrors(err, rename);
  const fields: FieldErrors = {};
  for (const [k, v] of Object.entries(raw)) fields[k] = isApiError(err) && err.status === 409 ? errorMessage(t, err) : translateFieldMessage(t, v);
  if (isApiError(err) && err.status === 400) {
    const unplaced = Object.keys(fields).filter((f) => !knownField(f));
    if (unplaced.length > 0) return { fields, message: unplaced.map((f) => `${f}: ${fields[f]}`).join('; ') };
    if (Object.keys(fields).length > 0) return { fields, message: t('errors:form.fixFields', { defaultValue: 'Please correct the marked fields.' }) };
  }
  return { fields, message: errorMessage(t, err) };
}

/** The bits of a `@mantine/form` instance the presenter writes to. */
export interface FormTarget {
  setErrors(errors: Record<string, string>): void;
  /** Field names the form has (its initial values' paths); other problems go in the message. */
  getInitialValues?: () => unknown;
}

function hasPath(values: unknown, path: string): boolean {
  let cur: unknown = values;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(part in (cur as object))) return false;
    cur = (cur as Record<string, unknown>)[part];
  }
  return true;
}

export interface ApiMutationOptions<TData, TVars> extends Omit<UseMutationOptions<TData, Error, TVars>, 'mutationFn' | 'onError'> {
  mutationFn: (vars: TVars) => Promise<TData>;
  /** Put field errors on this form (and keep the notification for the rest). */
  form?: FormTarget;
  /** Server field path → form field path, where they differ. */
  rename?: Record<string, string>;
  /** Query keys to refetch after success. */
  invalidate?: QueryKey[];
  /** A translated text to confirm success with a notification. */
  success?: string | ((data: TData) => string);
  /** Called after the presenter ran, e.g. to keep the message beside a form instead of a toast. */
  onError?: (presented: PresentedError, err: Error) => void;
}

export function useApiMutation<TData, TVars = void>(opts: ApiMutationOptions<TData, TVars>) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { form, rename, invalidate, success, onError, onSuccess, ...rest } = opts;
  return useMutation<TData, Error, TVars>({
    ...rest,
    onSuccess: async (data, vars, result, ctx) => {
      await Promise.all((invalidate ?? []).map((queryKey) => qc.invalidateQueries({ queryKey })));
      if (success) notifications.show({ color: 'teal', message: typeof success === 'function' ? success(data) : success });
      await onSuccess?.(data, vars, result, ctx);
    },
    onError: (err) => {
      const initial = form?.getInitialValues?.();
      const presented = presentError(t, err, (f) => (form ? (initial === undefined ? true : hasPath(initial, f)) : false), rename);
      if (form) form.setErrors(presented.fields);
      if (onError) onError(presented, err);
      else notifications.show({ color: 'red', title: t('states.actionFailed', { defaultValue: 'That did not work' }), message: presented.message });
    },
  });
}
