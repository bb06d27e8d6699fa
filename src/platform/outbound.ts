import dns from 'node:dns/promises';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, fetch as undiciFetch, type Dispatcher } from 'undici';

/**
 * The one rule for every connection the server opens on behalf of data it did not choose itself
 * (attachment links, mail servers, webhook targets): only public unicast addresses, unless an
 * entry of the allow list (`OUTBOUND_ALLOW`) names the target. A link from a buyer, a platform
 * payload or a settings form must never make the server read its own loopback, the cloud
 * metadata service or the office network and hand the answer back as a file.
 *
 * The address is checked where it is used: when the socket is opened (so a DNS answer that
 * changes between the check and the connection cannot slip through), and again for each
 * redirect, which is followed by hand.
 */

export class OutboundRefused extends Error {
  readonly code = 'outbound.refused';
  constructor(
    readonly target: string,
    readonly reason: string,
  ) {
    super(`Outbound connection to ${target} refused: ${reason}`);
    this.name = 'OutboundRefused';
  }
}

/** One allow-list entry: a host name or address (optionally with a port) or a CIDR range. */
export interface AllowEntry {
  host?: string;
  range?: [ipaddr.IPv4 | ipaddr.IPv6, number];
  port?: number;
}

/**
 * `localhost:4010`, `mail.test`, `127.0.0.1`, `[::1]:2525`, `10.0.0.0/8` — comma or space separated.
 * Throws with the bad entry, so a typo fails at boot.
 */
export function parseAllowList(text: string | undefined): AllowEntry[] {
  if (!text) return [];
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(parseAllowEntry);
}

export function parseAllowEntry(raw: string): AllowEntry {
  const e = raw.trim().toLowerCase();
  if (e.includes('/')) {
    try {
      return { range: ipaddr.parseCIDR(e) };
    } catch {
      throw new Error(`not a CIDR range: ${raw}`);
    }
  }
  let host = e;
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(e);
  if (v6) {
    host = v6[1]!;
    port = v6[2] ? Number(v6[2]) : undefined;
  } else if (!net.isIPv6(e)) {
    const m = /^([^:]+):(\d+)$/.exec(e);
    if (m) {
      host = m[1]!;
      port = Number(m[2]);
    }
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new Error(`bad port in ${raw}`);
  if (!/^[a-z0-9.\-:_]+$/.test(host)) throw new Error(`not a host name or address: ${raw}`);
  return { host: net.isIP(host) ? ipaddr.process(host).toString() : host, port };
}

/** Why an address is not public, or null when it is (ipaddr.js names every special range). */
export function nonPublicReason(address: string): string | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return 'not an IP address';
  }
  // ::ffff:127.0.0.1 is 127.0.0.1 to the kernel.
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const range = ip.range();
  return range === 'unicast' ? null : `${ip.toString()} is ${range}`;
}

const stripBrackets = (h: string) => (h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h);

export interface OutboundPolicy {
  /** Add an allow-list entry at run time (the demo's sandbox, whose port is chosen at start). */
  allow(entry: string): void;
  /** True when the allow list names this host (by name or address) on this port. */
  isAllowed(host: string, port: number, address?: string): boolean;
  /**
   * Resolve a host and check every address it has; returns the address to connect to. For
   * clients that open their own sockets (IMAP, SMTP): connect to the returned address with the
   * host name as TLS server name.
   */
  assertHost(host: string, port: number): Promise<string>;
  /** http(s) only, and the host must pass `assertHost`. */
  assertUrl(url: string | URL): Promise<URL>;
  /** An undici dispatcher that applies the rule when it opens each connection. */
  readonly dispatcher: Dispatcher;
  /** fetch through the dispatcher, following up to `maxRedirects` redirects by hand, each checked. */
  fetch(url: string | URL, init?: OutboundFetchInit): Promise<Response>;
}

export interface OutboundFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
  maxRedirects?: number;
}

export type Lookup = (host: string) => Promise<string[]>;

// IPv4 first: stand-ins on this machine listen on 127.0.0.1, and `localhost` may list ::1 first.
const systemLookup: Lookup = async (host) => (await dns.lookup(host, { all: true, order: 'ipv4first' })).map((a) => a.address);

export function createOutboundPolicy(opts: { allow?: AllowEntry[] | string; lookup?: Lookup } = {}): OutboundPolicy {
  const entries: AllowEntry[] = typeof opts.allow === 'string' ? parseAllowList(opts.allow) : [...(opts.allow ?? [])];
  const lookup = opts.lookup ?? systemLookup;

  function isAllowed(host: string, port: number, address?: string): boolean {
    const h = stripBrackets(host).toLowerCase();
    const hostKey = net.isIP(h) ? ipaddr.process(h).toString() : h;
    const addrKey = address ? ipaddr.process(address).toString() : undefined;
    return entries.some((e) => {
      if (e.port !== undefined && e.port !== port) return false;
      if (e.host) return e.host === hostKey || (addrKey !== undefined && e.host === addrKey);
      if (e.range) {
        const candidates = [hostKey, addrKey].filter((x): x is string => !!x && net.isIP(x) !== 0);
        return candidates.some((c) => {
          const ip = ipaddr.process(c);
          return ip.kind() === e.range![0].kind() && ip.match(e.range!);
        });
      }
      return false;
    });
  }

  async function assertHost(rawHost: string, port: number): Promise<string> {
    const host = stripBrackets(rawHost);
    if (!host) throw new OutboundRefused(`:${port}`, 'no host');
    let addresses: string[];
    if (net.isIP(host)) addresses = [host];
    else {
      try {
        addresses = await lookup(host);
      } catch (e) {
        throw new OutboundRefused(`${host}:${port}`, `cannot resolve (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      if (!addresses.length) throw new OutboundRefused(`${host}:${port}`, 'no address');
    }
    if (isAllowed(host, port)) return addresses[0]!;
    // Every address must pass: a name that also resolves to an internal address is refused whole,
    // since the socket may pick any of them.
    for (const a of addresses) {
      if (isAllowed(host, port, a)) continue;
      const why = nonPublicReason(a);
      if (why) throw new OutboundRefused(`${host}:${port}`, `${why}; add it to OUTBOUND_ALLOW if this is a stand-in you run`);
    }
    return addresses[0]!;
  }

  async function assertUrl(raw: string | URL): Promise<URL> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new OutboundRefused(String(raw).slice(0, 200), 'not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefused(url.origin, `only http and https are fetched, not ${url.protocol}`);
    if (url.username || url.password) throw new OutboundRefused(url.host, 'credentials in links are not followed');
    await assertHost(url.hostname, defaultPort(url));
    return url;
  }

  const base = buildConnector({ timeout: 10_000 });
  const dispatcher = new Agent({
    connect: (o, cb) => {
      const port = Number(o.port) || (o.protocol === 'https:' ? 443 : 80);
      assertHost(o.hostname, port).then(
        (address) => {
          const host = stripBrackets(o.hostname);
          base({ ...o, hostname: address, servername: o.servername ?? (net.isIP(host) ? undefined : host) }, cb);
        },
        (e: Error) => cb(e, null),
      );
    },
  });

  async function policyFetch(raw: string | URL, init: OutboundFetchInit = {}): Promise<Response> {
    const max = init.maxRedirects ?? 5;
    let url = await assertUrl(raw);
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    for (let hop = 0; ; hop++) {
      let res: Awaited<ReturnType<typeof undiciFetch>>;
      try {
        res = await undiciFetch(url, { method, headers: init.headers, body, signal: init.signal, redirect: 'manual', dispatcher });
      } catch (e) {
        // undici wraps connector errors as "fetch failed" with the reason as the cause.
        const cause = (e as { cause?: unknown }).cause;
        if (cause instanceof OutboundRefused) throw cause;
        throw e;
      }
      const location = res.headers.get('location');
      if (![301, 302, 303, 307, 308].includes(res.status) || !location) return res as unknown as Response;
      await res.body?.cancel().catch(() => undefined);
      if (hop >= max) throw new OutboundRefused(url.host, `more than ${max} redirects`);
      url = await assertUrl(new URL(location, url));
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
    }
  }

  return {
    allow(entry) {
      entries.push(parseAllowEntry(entry));
    },
    isAllowed,
    assertHost,
    assertUrl,
    dispatcher,
    fetch: policyFetch,
  };
}

function defaultPort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

export { HttpUrl } from './http-url.js';
