import type { MachineDraftInput, MachineDraftView } from './helpdesk.dto.js';

/*
 * Machine-translated replies: the text a translation service produced for the buyer is marked
 * unreviewed until a person confirms they checked it, and goes out unreviewed only when the sender
 * says so explicitly. Both facts stay on the message.
 */

/** Why a reply may not go out as it is (null: it may). */
export function draftSendProblem(d: MachineDraftInput | undefined): 'unreviewed' | null {
  if (!d) return null;
  return d.reviewed || d.confirmUnreviewed === true ? null : 'unreviewed';
}

/** What the message keeps: reviewed by the sender, or sent unreviewed (explicitly). */
export function draftRecord(d: MachineDraftInput | undefined, by: string, at: Date): MachineDraftView | null {
  if (!d) return null;
  return { provider: d.provider, from: d.from ?? null, to: d.to, reviewed: d.reviewed, reviewedBy: d.reviewed ? by : null, reviewedAt: d.reviewed ? at.toISOString() : null, sentUnreviewed: !d.reviewed };
}

/** A person confirms a sent machine translation afterwards; a reviewed one stays as it was. */
export function markReviewed(d: MachineDraftView, by: string, at: Date): MachineDraftView {
  if (d.reviewed) return d;
  return { ...d, reviewed: true, reviewedBy: by, reviewedAt: at.toISOString() };
}
