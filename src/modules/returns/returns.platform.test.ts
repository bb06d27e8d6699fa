import { describe, expect, it } from 'vitest';
import { platformDecision } from './returns.service.js';

describe('the platform decision for approving or rejecting a request in place', () => {
  it('names TikTok decisions by request type and step, and none where the platform takes none', () => {
    expect(platformDecision('return_and_refund', 'requested', 'approve')).toBe('APPROVE_RETURN');
    expect(platformDecision('return_and_refund', 'requested', 'reject')).toBe('REJECT_RETURN');
    expect(platformDecision('refund_only', 'requested', 'approve')).toBe('APPROVE_REFUND');
    expect(platformDecision('refund_only', 'requested', 'reject')).toBe('REJECT_REFUND');
    expect(platformDecision('replacement', 'requested', 'reject')).toBe('REJECT_REPLACEMENT');
    expect(platformDecision('return_and_refund', 'buyer_shipped', 'approve')).toBe('APPROVE_RECEIVED_PACKAGE');
    expect(platformDecision('return_and_refund', 'buyer_shipped', 'reject')).toBe('REJECT_RECEIVED_PACKAGE');
    expect(platformDecision('cancellation', 'requested', 'approve')).toBe('APPROVE_CANCELLATION');
    expect(platformDecision('cancellation', 'approved', 'approve')).toBeNull();
    expect(platformDecision('return_and_refund', 'completed', 'approve')).toBeNull();
    expect(platformDecision('return_and_refund', 'awaiting_buyer_shipment', 'reject')).toBeNull();
    expect(platformDecision('unknown', 'requested', 'approve')).toBeNull();
  });
});
