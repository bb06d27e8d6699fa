import { describe, expect, it } from 'vitest';
import { eventIdOf, hashApiToken, newApiToken, requiredScope, signWebhook, verifyWebhookSignature } from './integrations.rules.js';

describe('requiredScope', () => {
  it.each([
    ['GET', '/api/tickets', 'tickets:read'],
    ['GET', '/api/tickets/:id', 'tickets:read'],
    ['POST', '/api/tickets/:id/reply', 'tickets:write'],
    ['GET', '/api/macros', 'tickets:read'],
    ['GET', '/api/orders/:id', 'orders:read'],
    ['GET', '/api/platform-returns', 'orders:read'],
    ['POST', '/api/returns/:id/receive', 'returns:write'],
    ['GET', '/api/remedies', 'remedies:read'],
    ['POST', '/api/remedies', null],
    ['GET', '/api/sla/policies', 'sla:read'],
    ['POST', '/api/sla/policies', null],
    ['GET', '/api/auth/me', null],
    ['GET', '/api/users', null],
    ['GET', '/api/integrations/tokens', null],
    ['GET', '/api/ticketsx', null],
  ])('%s %s → %s', (m, u, expected) => {
    expect(requiredScope(m, u)).toBe(expected);
  });
});

describe('tokens', () => {
  it('carry their visible prefix and hash apart', () => {
    const a = newApiToken();
    const b = newApiToken();
    expect(a.token.startsWith(`${a.prefix}_`)).toBe(true);
    expect(a.prefix).toMatch(/^adk_[\w-]{8}$/);
    // The shown prefix never holds the separator, whatever the random bytes (a base64url prefix once did).
    for (let i = 0; i < 200; i += 1) expect(newApiToken().prefix).toMatch(/^adk_[0-9a-f]{8}$/);
    expect(hashApiToken(a.token)).not.toBe(hashApiToken(b.token));
    expect(hashApiToken(a.token)).toHaveLength(64);
  });
});

describe('webhook signatures', () => {
  const body = '{"id":"evt_1","type":"remedy.completed"}';
  it('verify over the exact bytes and within the tolerance', () => {
    const h = signWebhook('whsec_x', 1_800_000_000, body);
    expect(h).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature('whsec_x', h, body, 1_800_000_100)).toBe(true);
    expect(verifyWebhookSignature('whsec_x', h, `${body} `, 1_800_000_100)).toBe(false);
    expect(verifyWebhookSignature('whsec_y', h, body, 1_800_000_100)).toBe(false);
    expect(verifyWebhookSignature('whsec_x', h, body, 1_800_000_301)).toBe(false);
    expect(verifyWebhookSignature('whsec_x', 'v1=abc', body, 1_800_000_000)).toBe(false);
  });
  it('event ids come from the intent', () => {
    expect(eventIdOf('remedy.completed:rem_1')).toBe(eventIdOf('remedy.completed:rem_1'));
    expect(eventIdOf('remedy.completed:rem_1')).not.toBe(eventIdOf('remedy.completed:rem_2'));
  });
});
