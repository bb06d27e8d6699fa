import { systemActor } from '../platform/tenancy.js';
import type { SlaEscalation } from '../modules/sla/index.js';
import type { Services } from './deps.js';

const METRIC_LABEL: Record<SlaEscalation['metric'], { en: string; zh: string }> = {
  first_reply: { en: 'first reply', zh: '首次回复' },
  next_reply: { en: 'next reply', zh: '后续回复' },
  resolution: { en: 'resolution', zh: '解决' },
};

/** Internal note for the team (zh-CN and en: agents read both). */
export function escalationNote(e: SlaEscalation): string {
  const m = METRIC_LABEL[e.metric];
  const due = e.dueAt.toISOString().replace('.000Z', 'Z');
  return `SLA breached: ${m.en} was due ${due} (target ${e.targetMinutes} min). Escalated to a supervisor.\nSLA 已超时：${m.zh}应于 ${due} 前完成（目标 ${e.targetMinutes} 分钟），已升级给主管。`;
}

const wired = new WeakSet<object>();

/**
 * Breach → supervisor. When the helpdesk offers `escalate(e)` it decides how; until then the
 * ticket gets an internal note and is raised to urgent so it tops every queue a supervisor watches.
 */
export function wireSlaEscalation(s: Services): void {
  if (wired.has(s.sla)) return;
  wired.add(s.sla);
  s.sla.onEscalation(async (e) => {
    const hd = s.helpdesk as unknown as { escalate?: (e: SlaEscalation) => Promise<unknown> };
    if (typeof hd.escalate === 'function') {
      await hd.escalate(e);
      return;
    }
    const actor = systemActor(e.orgId);
    await s.helpdesk.addNote(actor, e.ticketId, { text: escalationNote(e) });
    const { ticket } = await s.helpdesk.getTicket(actor, e.ticketId);
    if (ticket.priority !== 'urgent') await s.helpdesk.setPriority(actor, e.ticketId, 'urgent');
  });
}
