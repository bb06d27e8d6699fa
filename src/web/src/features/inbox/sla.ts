import { useEffect, useState } from 'react';

/** One shared 1-second tick for every countdown on the page (one timer, not one per row). */
const listeners = new Set<(now: number) => void>();
let timer: ReturnType<typeof setInterval> | undefined;

export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    listeners.add(setNow);
    timer ??= setInterval(() => {
      const t = Date.now();
      for (const l of listeners) l(t);
    }, 1000);
    return () => {
      listeners.delete(setNow);
      if (listeners.size === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    };
  }, []);
  return now;
}

export type SlaTone = 'ok' | 'warning' | 'danger' | 'breached';

/**
 * Colour of a due time. The SLA engine warns at 50 % and 80 % of the target; the list has no clock
 * start, so it measures from the last message, which is when the running clock (re)started.
 */
export function slaTone(dueAt: number, now: number, startedAt?: number | null): SlaTone {
  const left = dueAt - now;
  if (left <= 0) return 'breached';
  if (startedAt != null && dueAt > startedAt) {
    const used = (now - startedAt) / (dueAt - startedAt);
    if (used >= 0.8) return 'danger';
    if (used >= 0.5) return 'warning';
    return 'ok';
  }
  if (left < 15 * 60_000) return 'danger';
  if (left < 60 * 60_000) return 'warning';
  return 'ok';
}

export const TONE_COLOR: Record<SlaTone, string> = { ok: 'teal', warning: 'yellow', danger: 'orange', breached: 'red' };

const pad = (n: number) => String(n).padStart(2, '0');

/** "4m 07s", "2h 05m 09s", "3d 04h"; negative durations are shown with a leading minus (overdue). */
export function formatCountdown(ms: number): string {
  const sign = ms < 0 ? '−' : '';
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${sign}${d}d ${pad(h)}h`;
  if (h > 0) return `${sign}${h}h ${pad(m)}m ${pad(s)}s`;
  return `${sign}${m}m ${pad(s)}s`;
}
