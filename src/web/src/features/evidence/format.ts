import { formatterFor } from '../../lib/format';

export function formatWhen(iso: string, locale: string): string {
  return formatterFor(locale).dateTime(iso);
}

export function formatSize(bytes: number): string {
  return formatterFor('en').bytes(bytes);
}
