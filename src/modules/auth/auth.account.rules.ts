import crypto from 'node:crypto';

export const CHALLENGE_TTL_MS = 5 * 60_000;
export const RESET_TOKEN_TTL_MS = 60 * 60_000;
export const OWNER_RESET_LINK_TTL_MS = 24 * 60 * 60_000;
export const RECOVERY_CODE_COUNT = 10;

export const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** Why a signed-in person may do nothing but one thing yet, or null. */
export type Restriction = 'two_factor_enrolment' | 'password_change';

export function restrictionFor(s: { requireTwoFactor: boolean; twoFactorEnabled: boolean; mustChangePassword: boolean }): Restriction | null {
  if (s.mustChangePassword) return 'password_change';
  if (s.requireTwoFactor && !s.twoFactorEnabled) return 'two_factor_enrolment';
  return null;
}

/**
 * What a restricted session may still call: read itself, sign out, change the password and enrol
 * a second factor. Everything else answers 403 with the restriction's code.
 */
export const ALLOWED_WHILE_RESTRICTED = new Set([
  'GET /api/auth/me',
  'PATCH /api/auth/me',
  'POST /api/auth/logout',
  'GET /api/organisation',
  'GET /api/account',
  'POST /api/account/password',
  'POST /api/account/two-factor/setup',
  'POST /api/account/two-factor/confirm',
]);

/** Ten codes like `k7qm-3xtp-9w`: 12 base32 characters (60 bits), grouped so they can be read out. */
export function newRecoveryCodes(n = RECOVERY_CODE_COUNT): string[] {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return Array.from({ length: n }, () => {
    const bytes = crypto.randomBytes(12);
    const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  });
}

export const normaliseRecoveryCode = (code: string) => code.trim().toLowerCase().replace(/[^a-z0-9]/g, '');
export const hashRecoveryCode = (code: string) => sha256(`recovery:${normaliseRecoveryCode(code)}`);

/** A temporary password an owner hands over once: four groups of random characters, far above the strength rule. */
export function temporaryPassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  const bytes = crypto.randomBytes(20);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5, 10)}-${chars.slice(10, 15)}-${chars.slice(15, 20)}`;
}

export interface ChallengeClaims {
  orgId: string;
  userId: string;
  exp: number;
}

const challengeMac = (key: Buffer, payload: string) => crypto.createHmac('sha256', key).update(`afterdesk-2fa-challenge:${payload}`).digest('base64url');

/** The short-lived proof that the password step passed: signed, not stored. */
export function signChallenge(key: Buffer, claims: ChallengeClaims): string {
  const payload = Buffer.from(JSON.stringify([claims.orgId, claims.userId, claims.exp])).toString('base64url');
  return `${payload}.${challengeMac(key, payload)}`;
}

export function verifyChallenge(key: Buffer, token: string, now: Date): ChallengeClaims | null {
  const [payload, mac] = token.split('.');
  if (!payload || !mac) return null;
  const expected = challengeMac(key, payload);
  if (mac.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return null;
  try {
    const [orgId, userId, exp] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [string, string, number];
    if (typeof orgId !== 'string' || typeof userId !== 'string' || typeof exp !== 'number' || exp <= now.getTime()) return null;
    return { orgId, userId, exp };
  } catch {
    return null;
  }
}

/** "Chrome on macOS" from a user-agent string: enough to recognise one's own devices. */
export function summariseUserAgent(ua: string | null | undefined): string {
  if (!ua) return 'Unknown device';
  const browser =
    /Edg\//.test(ua) ? 'Edge'
    : /OPR\/|Opera/.test(ua) ? 'Opera'
    : /Firefox\//.test(ua) ? 'Firefox'
    : /Chrom(e|ium)\//.test(ua) ? (/HeadlessChrome/.test(ua) ? 'Headless Chrome' : 'Chrome')
    : /Safari\//.test(ua) && /Version\//.test(ua) ? 'Safari'
    : /curl\//.test(ua) ? 'curl'
    : /node|undici|lightMyRequest/i.test(ua) ? 'Script'
    : 'Browser';
  const os =
    /iPhone|iPad|iPod/.test(ua) ? 'iOS'
    : /Android/.test(ua) ? 'Android'
    : /Windows/.test(ua) ? 'Windows'
    : /Mac OS X|Macintosh/.test(ua) ? 'macOS'
    : /CrOS/.test(ua) ? 'ChromeOS'
    : /Linux/.test(ua) ? 'Linux'
    : null;
  return os ? `${browser} on ${os}` : browser;
}
