import type { Services } from './deps.js';

const wired = new WeakSet<object>();

/**
 * Breach → supervisor: the helpdesk's `escalate` adds a bilingual note, makes the ticket urgent
 * and hands an unowned ticket to a supervisor. Registered once per service set (the worker and
 * one-shot commands both call this).
 */
export function wireSlaEscalation(s: Services): void {
  if (wired.has(s.sla)) return;
  wired.add(s.sla);
  s.sla.onEscalation(async (e) => {
    await s.helpdesk.escalate(e);
  });
}
