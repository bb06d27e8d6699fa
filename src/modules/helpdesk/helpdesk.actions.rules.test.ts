import { describe, expect, it } from 'vitest';
import { actionLineText, actionStateFollows, failureReason, platformConfirms, stateOfStep } from './helpdesk.actions.rules.js';

describe('action lines: states move forward only, once each', () => {
  it('requested → sent → confirmed; failed ends it; nothing repeats or goes back', () => {
    expect(actionStateFollows(null, 'requested')).toBe(true);
    expect(actionStateFollows('requested', 'sent')).toBe(true);
    expect(actionStateFollows('requested', 'failed')).toBe(true);
    expect(actionStateFollows('requested', 'confirmed')).toBe(true);
    expect(actionStateFollows('sent', 'confirmed')).toBe(true);
    expect(actionStateFollows('sent', 'failed')).toBe(true);
    expect(actionStateFollows('sent', 'sent')).toBe(false);
    expect(actionStateFollows('requested', 'requested')).toBe(false);
    expect(actionStateFollows('sent', 'requested')).toBe(false);
    expect(actionStateFollows('confirmed', 'failed')).toBe(false);
    expect(actionStateFollows('failed', 'sent')).toBe(false);
    expect(actionStateFollows('failed', 'confirmed')).toBe(false);
  });

  it('a finished step gives sent or failed', () => {
    expect(stateOfStep('done')).toBe('sent');
    expect(stateOfStep('failed')).toBe('failed');
  });

  it('the platform\'s status confirms the action it answers, and nothing else', () => {
    expect(platformConfirms('return_approve', 'awaiting_buyer_shipment')).toBe('confirmed');
    expect(platformConfirms('return_approve', 'approved')).toBe('confirmed');
    expect(platformConfirms('return_approve', 'rejected')).toBeNull();
    expect(platformConfirms('partial_refund', 'awaiting_buyer_response')).toBeNull();
    expect(platformConfirms('partial_refund', 'completed')).toBe('confirmed');
    expect(platformConfirms('return_reject', 'rejected')).toBe('confirmed');
    expect(platformConfirms('return_reject', 'receive_rejected')).toBe('confirmed');
    expect(platformConfirms('return_reject', 'approved')).toBeNull();
    expect(platformConfirms('cancel_approve', 'completed')).toBe('confirmed');
    expect(platformConfirms('cancel_reject', 'rejected')).toBe('confirmed');
    expect(platformConfirms('coupon', 'approved')).toBeNull();
    expect(platformConfirms('reship', 'completed')).toBeNull();
  });

  it('a failure reason is one bounded line', () => {
    expect(failureReason('Refund refused\n    at handler (x.ts:1)')).toBe('Refund refused');
    expect(failureReason(null)).toBeNull();
    expect(failureReason('x'.repeat(500))!.length).toBe(200);
  });

  it('the stored English wording names the action, money in major units and the state', () => {
    expect(actionLineText({ action: 'refund', state: 'requested', amount: 1250, currency: 'EUR' })).toBe('Refund 12.50 EUR: requested');
    expect(actionLineText({ action: 'return_reject', state: 'failed', ref: '4035', reason: 'deadline passed' })).toBe('Rejection of the platform request (4035): failed — deadline passed');
    expect(actionLineText({ action: 'coupon', state: 'sent', amount: 500, currency: 'JPY', ref: 'Spring' })).toBe('Coupon 500 JPY (Spring): sent to the platform');
  });
});
