import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundPolicy, nonPublicReason, OutboundRefused, parseAllowEntry, type Lookup } from './outbound.js';

// Nothing here ever connects beyond 127.0.0.1: every other address is refused before a socket opens.
let server: http.Server;
let port: number;
const hits: string[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url!);
    if (req.url === '/hop') {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/internal` });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('internal only');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('nonPublicReason', () => {
  it.each([
    ['8.8.8.8', null],
    ['2001:4860:4860::8888', null],
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['169.254.169.254', 'linkLocal'],
    ['224.0.0.1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['fc00::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['2002:7f00:1::1', '6to4'],
  ])('%s → %s', (ip, range) => {
    const why = nonPublicReason(ip);
    if (range === null) expect(why).toBeNull();
    else expect(why).toMatch(new RegExp(` is ${range}$`));
  });
});

describe('allow-list entries', () => {
  it('parses hosts, ports, addresses and ranges, and refuses nonsense', () => {
    expect(parseAllowEntry('localhost:4010')).toEqual({ host: 'localhost', port: 4010 });
    expect(parseAllowEntry('[::1]:2525')).toEqual({ host: '::1', port: 2525 });
    expect(parseAllowEntry('Mail.Test')).toEqual({ host: 'mail.test', port: undefined });
    expect(parseAllowEntry('10.0.0.0/8').range?.[1]).toBe(8);
    expect(() => parseAllowEntry('bad host!')).toThrow();
    expect(() => parseAllowEntry('10.0.0.0/99')).toThrow();
    expect(() => parseAllowEntry('localhost:70000')).toThrow();
  });
});

describe('outbound fetch', () => {
  const refused = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(OutboundRefused);
    return e as OutboundRefused;
  };

  it('refuses loopback, private, link-local, CGNAT and mapped addresses before connecting, and non-http schemes', async () => {
    const policy = createOutboundPolicy();
    for (const u of [
      `http://127.0.0.1:${port}/x`,
      `http://localhost:${port}/x`,
      `http://[::1]:${port}/x`,
      `http://[::ffff:127.0.0.1]:${port}/x`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      'http://100.64.0.1/',
      'http://0.0.0.0/',
    ]) {
      await refused(policy.fetch(u));
    }
    for (const u of ['file:///etc/passwd', 'ftp://example.org/x', 'gopher://example.org/', `http://user:pw@127.0.0.1:${port}/`]) {
      expect((await refused(policy.fetch(u))).message).toMatch(/only http and https|credentials/);
    }
    expect(hits).toEqual([]);
  });

  it('a name that resolves to any internal address is refused, also when DNS changes its answer between the check and the connection', async () => {
    const both = createOutboundPolicy({ lookup: async () => ['93.184.216.34', '127.0.0.1'] });
    await refused(both.assertHost('mixed.example', 80));

    // First answer public (the pre-check passes), then loopback when the socket is opened.
    let calls = 0;
    const rebinding: Lookup = async () => (calls++ === 0 ? ['93.184.216.34'] : ['127.0.0.1']);
    const policy = createOutboundPolicy({ lookup: rebinding });
    const e = await refused(policy.fetch(`http://rebind.example:${port}/internal`));
    expect(e.reason).toMatch(/127\.0\.0\.1 is loopback/);
    expect(calls).toBe(2);
    expect(hits).toEqual([]);
  });

  it('the allow list lets a named stand-in through, and a redirect from it to an address the list does not name is refused', async () => {
    const lookup: Lookup = async (h) => (h === 'files.example.com' ? ['127.0.0.1'] : []);
    const policy = createOutboundPolicy({ allow: `files.example.com:${port}`, lookup });
    const ok = await policy.fetch(`http://files.example.com:${port}/direct`);
    expect(await ok.text()).toBe('internal only');
    hits.length = 0;
    const e = await refused(policy.fetch(`http://files.example.com:${port}/hop`));
    expect(e.target).toBe(`127.0.0.1:${port}`);
    expect(hits).toEqual(['/hop']);
    // Another port on the same allowed name is not allowed.
    await refused(policy.fetch(`http://files.example.com:${port + 1}/x`));
  });

  it('a CIDR entry allows its range (a test mail server on loopback)', async () => {
    const policy = createOutboundPolicy({ allow: '127.0.0.0/8' });
    expect(await policy.assertHost('127.0.0.1', 2525)).toBe('127.0.0.1');
    await refused(policy.assertHost('10.0.0.1', 25));
    hits.length = 0;
    const res = await policy.fetch(`http://127.0.0.1:${port}/hop`);
    expect(res.status).toBe(200);
    expect(hits).toEqual(['/hop', '/internal']);
  });
});
