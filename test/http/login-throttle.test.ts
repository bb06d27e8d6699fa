import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';

const ATTACKER = '203.0.113.66';
const OWNER_DESK = '198.51.100.7';

let ctx: TestContext;
let clock: ManualClock;
beforeAll(async () => {
  clock = new ManualClock(Date.now());
  // The production default limit (10 a minute), no proxy trusted.
  ctx = await createTestContext({ clock, env: { LOGIN_RATE_LIMIT: '10' } });
});
afterAll(async () => {
  await ctx?.close();
});

function login(email: string, password: string, remoteAddress: string, headers: Record<string, string> = {}) {
  return ctx.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress, headers, payload: { email, password } });
}

describe('login throttling cannot be dodged, and does not lock the owner out', () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createTestOrg(ctx);
    // The owner has signed in from their desk before.
    expect((await login(org.users.owner.email, TEST_PASSWORD, OWNER_DESK)).statusCode).toBe(200);
  });

  it('30 guesses with a rotating X-Forwarded-For are answered 429 after the first few; the owner still signs in at once from their desk', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await login(org.users.owner.email, `guess-${i}`, ATTACKER, { 'x-forwarded-for': `10.9.${i}.${i + 1}` });
      codes.push(r.statusCode);
    }
    expect(codes).toEqual([...Array(5).fill(401), ...Array(25).fill(429)]);
    const limited = await login(org.users.owner.email, TEST_PASSWORD, ATTACKER, { 'x-forwarded-for': '10.200.0.1' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'request.rate_limited', details: { retryAfterSeconds: 1 } });
    expect(limited.headers['retry-after']).toBe('1');

    expect((await login(org.users.owner.email, TEST_PASSWORD, OWNER_DESK)).statusCode).toBe(200);
  });

  it('many addresses guessing one account slow down exponentially; the owner on a new device waits at most 5 minutes', async () => {
    const victim = org.users.supervisor.email;
    let tried = 0;
    // A botnet: every address guesses whenever the account lets it, for an hour of (manual) time.
    for (let i = 0; i < 400 && tried < 20; i++) {
      const r = await login(victim, `guess-${i}`, `192.0.2.${i % 250}`);
      if (r.statusCode === 401) tried++;
      else {
        expect(r.statusCode).toBe(429);
        clock.advance(r.json().details.retryAfterSeconds * 1000);
      }
    }
    expect(tried).toBe(20);
    const newDevice = await login(victim, TEST_PASSWORD, '198.51.100.99');
    expect(newDevice.statusCode).toBe(429);
    const wait = newDevice.json().details.retryAfterSeconds;
    expect(wait).toBeGreaterThan(60);
    expect(wait).toBeLessThanOrEqual(300);
    clock.advance(wait * 1000);
    expect((await login(victim, TEST_PASSWORD, '198.51.100.99')).statusCode).toBe(200);
  });

  it('one address spraying many accounts is limited per address', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 51; i++) codes.push((await login(`nobody${i}@spray.example`, 'guess', '203.0.113.200')).statusCode);
    expect(codes.slice(0, 50).every((c) => c === 401)).toBe(true);
    expect(codes[50]).toBe(429);
    // Other addresses are unaffected.
    expect((await login('nobody0@spray.example', 'guess', '203.0.113.201')).statusCode).toBe(401);
  });
});

describe('behind a trusted proxy (TRUST_PROXY)', () => {
  it('keys the limits by the address the proxy reports, and ignores forwarding headers from anyone else', async () => {
    const proxied = await createTestContext({ clock: new ManualClock(Date.now()), env: { LOGIN_RATE_LIMIT: '3', TRUST_PROXY: '10.0.0.1' } });
    try {
      const org = await createTestOrg(proxied);
      const via = (client: string, password: string, remoteAddress = '10.0.0.1') =>
        proxied.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress, headers: { 'x-forwarded-for': client }, payload: { email: org.users.agent.email, password } });
      expect((await via('198.51.100.7', TEST_PASSWORD)).statusCode).toBe(200);
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await via('203.0.113.5', 'wrong-wrong')).statusCode);
      expect(codes).toEqual([401, 401, 401, 429]);
      // The colleague behind the same proxy is a different client.
      expect((await via('198.51.100.7', TEST_PASSWORD)).statusCode).toBe(200);
      // Not from the proxy: the header is ignored, the socket address is the client.
      const forged: number[] = [];
      for (let i = 0; i < 4; i++) forged.push((await via(`172.16.0.${i}`, 'wrong-wrong', '203.0.113.9')).statusCode);
      expect(forged).toEqual([401, 401, 401, 429]);
    } finally {
      await proxied.close();
    }
  });
});
