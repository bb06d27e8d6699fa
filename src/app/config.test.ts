import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.cookieSecure).toBe(false);
    expect(c.tiktok.mode).toBe('sandbox');
  });

  it('names every bad variable', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', SECRET_KEY: 'short' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const vars = (e as ConfigError).issues.map((i) => i.variable).sort();
      expect(vars).toEqual(['DATABASE_URL', 'PORT', 'SECRET_KEY']);
      expect((e as Error).message).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
    }
  });

  it('requires TikTok credentials in live mode', () => {
    expect(() => loadConfig({ TIKTOK_MODE: 'live' })).toThrow(/TIKTOK_APP_KEY: required when TIKTOK_MODE=live/);
  });

  it('processes webhooks in a thread unless told otherwise, and names a bad choice', () => {
    expect(loadConfig({}).tiktok.webhookProcessor).toBe('thread');
    expect(loadConfig({ WEBHOOK_PROCESSOR: 'inline' }).tiktok.webhookProcessor).toBe('inline');
    expect(() => loadConfig({ WEBHOOK_PROCESSOR: 'fork' })).toThrow(/WEBHOOK_PROCESSOR: /);
  });

  it('leases claims for 60 s (outbox) and 30 s (webhooks) unless told otherwise, never below a second', () => {
    expect(loadConfig({}).leases).toEqual({ outboxMs: 60_000, webhookMs: 30_000 });
    expect(loadConfig({ OUTBOX_LEASE_MS: '3000', WEBHOOK_LEASE_MS: '2000' }).leases).toEqual({ outboxMs: 3000, webhookMs: 2000 });
    expect(() => loadConfig({ OUTBOX_LEASE_MS: '10', WEBHOOK_LEASE_MS: 'soon' })).toThrow(/OUTBOX_LEASE_MS: [\s\S]*WEBHOOK_LEASE_MS: /);
  });

  it('derives secure cookies from an https public URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://desk.example.com' }).cookieSecure).toBe(true);
  });

  it('trusts no proxy unless TRUST_PROXY lists addresses or ranges, and names a bad entry', () => {
    expect(loadConfig({}).trustProxy).toEqual([]);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1' }).trustProxy).toEqual(['10.0.0.5', '10.1.0.0/16', '::1']);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: "true" is not an IP address or CIDR range/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/99' })).toThrow(/TRUST_PROXY: "10.0.0.0\/99"/);
  });

  it('reads OUTBOUND_ALLOW entries and names a bad one', () => {
    expect(loadConfig({}).outboundAllow).toEqual([]);
    expect(loadConfig({ OUTBOUND_ALLOW: 'localhost:4010, 10.0.0.0/8' }).outboundAllow).toEqual(['localhost:4010', '10.0.0.0/8']);
    expect(() => loadConfig({ OUTBOUND_ALLOW: 'localhost:4010, 10.0.0.0/99' })).toThrow(/OUTBOUND_ALLOW: not a CIDR range: 10\.0\.0\.0\/99/);
  });
});
