import { lift, type Interval } from '../experiments/index.js';
import { suggestCategory, type ProblemCategory } from '../remedies/index.js';
import type { NoticeTrigger, RunAction } from './playbooks.dto.js';

/*
 * Pure decisions of playbooks: which procedure a ticket gets, how an agent's walk through it moves,
 * when a proactive notice is due and in which language, and what the hold-out says.
 */

// ---------------------------------------------------------------------------------------------
// Procedures

export type CategorySource = 'run' | 'remedy' | 'text' | 'chosen' | 'default';

/**
 * The category a ticket is worked under. An agent's explicit choice wins, then the category the
 * agent already works it under (the run), then a remedy's category (a person decided it), then
 * what the buyer's words suggest; without any cue, "other".
 */
export function chooseCategory(f: { chosen?: ProblemCategory | null; runCategory?: ProblemCategory | null; remedyCategory?: ProblemCategory | null; text: string }): { category: ProblemCategory; source: CategorySource } {
  if (f.chosen) return { category: f.chosen, source: 'chosen' };
  if (f.runCategory) return { category: f.runCategory, source: 'run' };
  if (f.remedyCategory) return { category: f.remedyCategory, source: 'remedy' };
  const s = suggestCategory(f.text);
  if (s.matched.length > 0) return { category: s.category, source: 'text' };
  return { category: 'other', source: 'default' };
}

export interface RunState {
  step: number;
  checked: string[];
  completed: boolean;
}

export type RunOutcome = { ok: true; state: RunState } | { ok: false; field: 'step' | 'check' | 'action'; message: string };

export const checkKey = (step: number, check: number) => `${step}.${check}`;

/**
 * One move of the walk-through. `next` refuses to leave a step with unticked checks (the point of
 * new-agent mode); `complete` needs every check of every step; `check`/`uncheck` need a real check.
 */
export function applyRunAction(state: RunState, steps: { checks: unknown[] }[], a: { action: RunAction; step?: number; check?: number }): RunOutcome {
  const last = steps.length - 1;
  const open = (s: number) => steps[s]!.checks.map((_, c) => checkKey(s, c)).filter((k) => !state.checked.includes(k));
  switch (a.action) {
    case 'start':
      return { ok: true, state };
    case 'check':
    case 'uncheck': {
      if (a.step === undefined || a.step > last) return { ok: false, field: 'step', message: 'no such step' };
      if (a.check === undefined || a.check >= steps[a.step]!.checks.length) return { ok: false, field: 'check', message: 'no such check in this step' };
      const k = checkKey(a.step, a.check);
      const checked = a.action === 'check' ? (state.checked.includes(k) ? state.checked : [...state.checked, k].sort()) : state.checked.filter((x) => x !== k);
      return { ok: true, state: { ...state, checked, completed: a.action === 'uncheck' ? false : state.completed } };
    }
    case 'next': {
      if (state.step >= last) return { ok: false, field: 'action', message: 'already at the last step' };
      if (open(state.step).length) return { ok: false, field: 'check', message: 'tick every check of this step first' };
      return { ok: true, state: { ...state, step: state.step + 1 } };
    }
    case 'back':
      if (state.step <= 0) return { ok: false, field: 'action', message: 'already at the first step' };
      return { ok: true, state: { ...state, step: state.step - 1 } };
    case 'complete': {
      const missing = steps.flatMap((_, s) => open(s));
      if (missing.length) return { ok: false, field: 'check', message: `unticked checks: ${missing.join(', ')}` };
      return { ok: true, state: { ...state, step: last, completed: true } };
    }
    case 'reopen':
      return { ok: true, state: { ...state, completed: false } };
  }
}

/** The procedure's time rule: a ticket still open `hours` after the run began should go to a supervisor. */
export function escalationDue(startedAt: Date | null, hours: number | null, ticketOpen: boolean, now: Date): boolean {
  if (!startedAt || hours === null || !ticketOpen) return false;
  return now.getTime() - startedAt.getTime() >= hours * 3_600_000;
}

// ---------------------------------------------------------------------------------------------
// Proactive notices

/** How far back a run looks beyond the delay: a notice never reaches a buyer a week after it was due. */
export const NOTICE_GRACE_MS = 7 * 86_400_000;

/** The notice's intent key: once per notice and order, whatever retries or re-runs happen. */
export const noticeKey = (noticeId: string, orderId: string) => `notice:${noticeId}:${orderId}`;

export function noticeDueAt(anchor: Date, delayHours: number): Date {
  return new Date(anchor.getTime() + delayHours * 3_600_000);
}

/**
 * Which trigger moments a run considers: from the notice's start (orders before it are never
 * messaged) or, if later, the oldest moment whose notice would still be within the grace period.
 */
export function noticeScanWindow(now: Date, startsAt: Date, delayHours: number): { since: Date; until: Date } {
  const oldest = new Date(now.getTime() - delayHours * 3_600_000 - NOTICE_GRACE_MS);
  return { since: oldest > startsAt ? oldest : startsAt, until: new Date(now.getTime() + 1) };
}

/** The anchor of an order for a trigger: its own time, or (shipping, no platform time kept) when the run first saw it in transit. */
export function noticeAnchor(trigger: NoticeTrigger, anchorAt: Date | null, now: Date): Date {
  return trigger === 'shipping' || !anchorAt ? now : anchorAt;
}

/** A waiting notice is sent when due, unless it is past the grace period (then it is dropped as stale). */
export function noticeState(dueAt: Date, now: Date): 'early' | 'due' | 'stale' {
  if (now < dueAt) return 'early';
  if (now.getTime() - dueAt.getTime() > NOTICE_GRACE_MS) return 'stale';
  return 'due';
}

/** The buyer's language when the notice has a text in it, else English. */
export function noticeText(texts: Record<string, string>, buyerLanguage: string | null | undefined): { language: string; text: string } {
  const lang = (buyerLanguage ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
  if (lang && texts[lang]) return { language: lang, text: texts[lang]! };
  return { language: 'en', text: texts.en ?? Object.values(texts)[0] ?? '' };
}

export interface ArmCounts {
  orders: number;
  complaints: number;
  returns: number;
}

/** Treatment − hold-out rate difference with its 95 % interval; "fewer" only when the whole interval is below zero. */
export function noticeEffect(treatment: { n: number; k: number }, holdout: { n: number; k: number }): { diff: Interval | null; verdict: 'fewer' | 'more' | 'inconclusive' } {
  const l = lift({ n: treatment.n, conversions: treatment.k, value: 0, valueSumSq: 0 }, { n: holdout.n, conversions: holdout.k, value: 0, valueSumSq: 0 });
  return { diff: l.rateDiff, verdict: l.verdict === 'negative' ? 'fewer' : l.verdict === 'positive' ? 'more' : 'inconclusive' };
}

export const rate = (k: number, n: number): number | null => (n > 0 ? k / n : null);
