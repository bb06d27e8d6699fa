import type { TFunction } from 'i18next';

/** A target in minutes as people say it: "15 min", "2 h", "1 h 30 min". */
export function formatTarget(t: TFunction, minutes: number): string {
  if (minutes < 60) return t('sla.duration.minutes', { m: minutes });
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? t('sla.duration.hours', { h }) : t('sla.duration.hoursMinutes', { h, m });
}

/**
 * The SLA schema's own English messages (cross-field rules) in the UI's language; the generic
 * Zod messages are already translated by `lib/fieldMessages`.
 */
export function slaFieldMessage(t: TFunction, message: string | undefined): string | undefined {
  if (!message) return message;
  if (/set at least one of/i.test(message)) return t('sla.editor.atLeastOne');
  if (/needs minOrderAmount/i.test(message)) return t('sla.editor.needsAmount');
  if (/must not repeat a percentage/i.test(message)) return t('sla.editor.repeatPercent');
  if (/no such shop/i.test(message)) return t('sla.errors.unknownShop');
  return message;
}
