import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashRecoveryCode, newRecoveryCodes, restrictionFor, signChallenge, summariseUserAgent, temporaryPassword, verifyChallenge } from './auth.account.rules.js';
import { passwordWeakness } from './auth.password.js';
import { totpCode, totpStep, newTotpSecret } from './auth.totp.js';

const key = crypto.randomBytes(32);
const now = new Date('2026-05-04T08:00:00Z');

describe('two-factor challenge', () => {
  it('verifies while fresh, with the right key, unaltered', () => {
    const c = signChallenge(key, { orgId: 'org_1', userId: 'usr_1', exp: now.getTime() + 60_000 });
    expect(verifyChallenge(key, c, now)).toEqual({ orgId: 'org_1', userId: 'usr_1', exp: now.getTime() + 60_000 });
    expect(verifyChallenge(key, c, new Date(now.getTime() + 60_000))).toBeNull();
    expect(verifyChallenge(crypto.randomBytes(32), c, now)).toBeNull();
    const [, mac] = c.split('.');
    const forged = `${Buffer.from(JSON.stringify(['org_1', 'usr_2', now.getTime() + 60_000])).toString('base64url')}.${mac}`;
    expect(verifyChallenge(key, forged, now)).toBeNull();
    expect(verifyChallenge(key, 'garbage', now)).toBeNull();
  });
});

describe('restrictionFor', () => {
  it.each([
    [{ requireTwoFactor: false, twoFactorEnabled: false, mustChangePassword: false }, null],
    [{ requireTwoFactor: true, twoFactorEnabled: true, mustChangePassword: false }, null],
    [{ requireTwoFactor: true, twoFactorEnabled: false, mustChangePassword: false }, 'two_factor_enrolment'],
    [{ requireTwoFactor: true, twoFactorEnabled: false, mustChangePassword: true }, 'password_change'],
  ] as const)('%o → %s', (s, expected) => {
    expect(restrictionFor(s)).toBe(expected);
  });
});

describe('secrets handed out', () => {
  it('recovery codes: ten distinct, hashed alike however they are typed', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    expect(hashRecoveryCode(` ${codes[0]!.toUpperCase().replace(/-/g, ' ')} `)).toBe(hashRecoveryCode(codes[0]!));
  });
  it('a temporary password passes the strength rule', () => {
    for (let i = 0; i < 20; i++) expect(passwordWeakness(temporaryPassword())).toBeNull();
  });
});

describe('TOTP', () => {
  it('accepts the current code and one step either side, names its step, refuses others', () => {
    const secret = newTotpSecret();
    const step = Math.floor(now.getTime() / 30_000);
    expect(totpStep(secret, totpCode(secret, now), now)).toBe(step);
    expect(totpStep(secret, totpCode(secret, new Date(now.getTime() - 30_000)), now)).toBe(step - 1);
    expect(totpStep(secret, totpCode(secret, new Date(now.getTime() + 30_000)), now)).toBe(step + 1);
    expect(totpStep(secret, totpCode(secret, new Date(now.getTime() - 90_000)), now)).toBeNull();
    expect(totpStep(secret, 'abcdef', now)).toBeNull();
  });
});

describe('summariseUserAgent', () => {
  it.each([
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36', 'Chrome on macOS'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 'Safari on iOS'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0', 'Firefox on Windows'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0', 'Edge on Windows'],
    ['curl/8.5.0', 'curl'],
    [undefined, 'Unknown device'],
  ])('%s', (ua, expected) => {
    expect(summariseUserAgent(ua)).toBe(expected);
  });
});
