import { describe, expect, it } from 'vitest';
import { securityHeaderList } from './security-headers.js';

describe('security headers, worked out once', () => {
  it('lists what Helmet sets for the options, lower-cased, and nothing it removes', () => {
    const headers = new Map(
      securityHeaderList({
        contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"] } },
        frameguard: { action: 'deny' },
        referrerPolicy: { policy: 'same-origin' },
        strictTransportSecurity: false,
      }),
    );
    expect(headers.get('content-security-policy')).toBe("default-src 'self';frame-ancestors 'none'");
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('referrer-policy')).toBe('same-origin');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.has('strict-transport-security')).toBe(false);
    expect(headers.has('x-powered-by')).toBe(false);
  });

  it('refuses a CSP directive that depends on the request (it could not be computed once)', () => {
    expect(() =>
      securityHeaderList({ contentSecurityPolicy: { useDefaults: false, directives: { scriptSrc: ["'self'", () => "'nonce-x'"] } } }),
    ).toThrow(/scriptSrc depends on the request/);
  });
});
