import { money, toDecimal } from '../../platform/money.js';

/*
 * Action lines: what an action taken from a ticket (a refund, a decision on the platform's request,
 * a coupon, a reship) shows in the thread while its outbox step runs. The line is stored as a kind
 * and values (the reader's UI words it), and each change of state is a new line, so the thread
 * reads like the action's history: requested → sent to the platform → confirmed, or failed with
 * the platform's reason.
 */

export const ACTION_KINDS = ['refund', 'partial_refund', 'return_approve', 'return_reject', 'cancel_approve', 'cancel_reject', 'coupon', 'reship'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const ACTION_STATES = ['requested', 'sent', 'confirmed', 'failed'] as const;
export type ActionState = (typeof ACTION_STATES)[number];

const RANK: Record<ActionState, number> = { requested: 0, sent: 1, confirmed: 2, failed: 2 };

/**
 * Whether a new state may follow the latest one written: states only move forward, a finished
 * action (confirmed or failed) takes no further line, and the same state is never written twice
 * (a finish listener told twice, a reconcile run again).
 */
export function actionStateFollows(latest: ActionState | null, next: ActionState): boolean {
  if (latest === null) return true;
  if (latest === 'confirmed' || latest === 'failed') return false;
  return RANK[next] > RANK[latest];
}

/**
 * What the platform's word on its own request (a status from the sync) means for an action about
 * it: the decision or offer took effect (confirmed), or nothing yet (null). A request the platform
 * closed the other way is left to the people reading it; only our step's own failure says failed.
 */
export function platformConfirms(action: ActionKind, status: string): 'confirmed' | null {
  const granted = status === 'approved' || status === 'completed';
  const refused = status === 'rejected' || status === 'receive_rejected';
  switch (action) {
    // An approved return waits for the buyer's parcel next: the platform moved on as we asked.
    case 'return_approve':
      return granted || status === 'awaiting_buyer_shipment' || status === 'buyer_shipped' ? 'confirmed' : null;
    case 'cancel_approve':
    case 'partial_refund':
    case 'refund':
      return granted ? 'confirmed' : null;
    case 'return_reject':
    case 'cancel_reject':
      return refused ? 'confirmed' : null;
    default:
      return null;
  }
}

/** The state a finished outbox step gives its action. */
export function stateOfStep(status: 'done' | 'failed'): ActionState {
  return status === 'done' ? 'sent' : 'failed';
}

/** A platform's failure text as the thread shows it: one line, bounded, no stack. */
export function failureReason(error: string | null | undefined): string | null {
  if (!error) return null;
  const line = error.split('\n')[0]!.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** The English wording kept in the stored body (evidence, search, exports); the UI words the event itself. */
export function actionLineText(p: { action: ActionKind; state: ActionState; amount?: number | null; currency?: string | null; ref?: string | null; reason?: string | null }): string {
  const what: Record<ActionKind, string> = {
    refund: 'Refund',
    partial_refund: 'Partial refund offer',
    return_approve: 'Approval of the platform request',
    return_reject: 'Rejection of the platform request',
    cancel_approve: 'Approval of the cancellation',
    cancel_reject: 'Rejection of the cancellation',
    coupon: 'Coupon',
    reship: 'Replacement shipment',
  };
  const state: Record<ActionState, string> = { requested: 'requested', sent: 'sent to the platform', confirmed: 'confirmed', failed: 'failed' };
  const amount = p.amount != null && p.currency ? ` ${toDecimal(money(p.amount, p.currency))} ${p.currency}` : '';
  const ref = p.ref ? ` (${p.ref})` : '';
  return `${what[p.action]}${amount}${ref}: ${state[p.state]}${p.state === 'failed' && p.reason ? ` — ${p.reason}` : ''}`;
}
