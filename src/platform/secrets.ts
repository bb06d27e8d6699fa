import crypto from 'node:crypto';

/**
 * Secrets at rest (platform tokens, two-factor secrets, webhook signing secrets): AES-256-GCM with the app's 32-byte secret key (config SECRET_KEY or the
 * generated data/secrets.json). Format `v1.<iv>.<tag>.<ciphertext>` (base64url), so the key can be
 * rotated later by adding a v2 without touching stored rows.
 */
export function encryptSecret(key: Buffer, plaintext: string): string {
  if (key.length !== 32) throw new Error('secret key must be 32 bytes');
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

export function decryptSecret(key: Buffer, sealed: string): string {
  const [v, iv, tag, ct] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('not an encrypted secret (expected v1.iv.tag.ciphertext)');
  const d = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  d.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
}
