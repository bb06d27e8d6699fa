import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';

/** RFC 6238 defaults every authenticator app understands: SHA-1, 6 digits, 30 s. */
const PERIOD = 30;

function totpFor(secretBase32: string, label = 'Afterdesk'): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ issuer: 'Afterdesk', label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: OTPAuth.Secret.fromBase32(secretBase32) });
}

export function newTotpSecret(): string {
  return new OTPAuth.Secret({ size: 20 }).base32;
}

/** The otpauth:// URI and its QR code (a PNG data URL the page shows as an image). */
export async function totpEnrolment(secretBase32: string, account: string): Promise<{ uri: string; qrDataUrl: string }> {
  const uri = totpFor(secretBase32, account).toString();
  return { uri, qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }) };
}

/**
 * The time step a code belongs to (one step either side accepted, for clock drift), or null.
 * Callers keep the last accepted step and refuse any step not after it, so a code seen over a
 * shoulder cannot be replayed within its window.
 */
export function totpStep(secretBase32: string, code: string, now: Date): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totpFor(secretBase32).validate({ token, timestamp: now.getTime(), window: 1 });
  if (delta === null) return null;
  return Math.floor(now.getTime() / 1000 / PERIOD) + delta;
}

/** The current code (tests and the demo compute what an authenticator app would show). */
export function totpCode(secretBase32: string, at: Date): string {
  return totpFor(secretBase32).generate({ timestamp: at.getTime() });
}
