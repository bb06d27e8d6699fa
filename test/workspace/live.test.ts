/**
 * The live-update channel across processes: two app instances (each with its own pool, its own
 * LISTEN connection and its own HTTP port) on one database. A change made through one is seen on a
 * browser stream held by the other, filtered to the person's organisation (and their own
 * notifications); shutting an instance down ends its streams.
 */
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose } from '../../src/app/compose.js';
import { createPlatform } from '../../src/app/deps.js';
import { registerWorkspaceWorkers } from '../../src/app/modules.js';
import { buildServer } from '../../src/app/server.js';
import { createPool, Database } from '../../src/platform/db.js';
import { newId } from '../../src/platform/ids.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { Http } from '../../src/platform/http.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg, loginCookie, type TestOrg } from '../helpers/org.js';

let a: TestContext;
let b: { app: Http; db: Database; url: string };
let urlA: string;

beforeAll(async () => {
  const env = { LIVE_STREAM_MAX_MS: '30000', LIVE_HEARTBEAT_MS: '200' };
  a = await createTestContext({ env });
  // The outbox's finish listener that marks a reply's delivery (and announces it).
  registerWorkspaceWorkers(a.platform, a.services);
  await a.app.listen({ port: 0, host: '127.0.0.1' });
  urlA = `http://127.0.0.1:${(a.app.server.address() as AddressInfo).port}`;
  // The second instance: same database, its own pool, platform, services and server.
  const db = new Database(createPool(a.platform.db.url!, 4));
  const p = createPlatform({ config: a.platform.config, db, adminUrl: a.platform.adminUrl, clock: a.platform.clock, ids: newId, log: silentLogger, jobs: undefined, secretKey: a.platform.secretKey });
  const app = await buildServer(p, compose(p));
  await app.listen({ port: 0, host: '127.0.0.1' });
  b = { app, db, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}, 60_000);
afterAll(async () => {
  await b?.app.close();
  await b?.db.close();
  await a?.close();
});

/** A browser's EventSource, reduced: the parsed `data:` messages as they arrive. */
function openStream(base: string, cookie: string) {
  const messages: Record<string, unknown>[] = [];
  const ctl = new AbortController();
  let ended = false;
  const ready = (async () => {
    const res = await fetch(`${base}/api/events`, { headers: { cookie, accept: 'text/event-stream' }, signal: ctl.signal });
    if (res.status !== 200) throw new Error(`stream answered ${res.status}`);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const chunk = buf.slice(0, i);
            buf = buf.slice(i + 2);
            for (const line of chunk.split('\n')) if (line.startsWith('data: ')) messages.push(JSON.parse(line.slice(6)) as Record<string, unknown>);
          }
        }
      } catch {
        /* aborted */
      }
      ended = true;
    })();
  })();
  return {
    messages,
    ready,
    get ended() {
      return ended;
    },
    close: () => ctl.abort(),
    async waitFor(pred: (m: Record<string, unknown>) => boolean, ms = 10_000): Promise<Record<string, unknown>> {
      const until = Date.now() + ms;
      for (;;) {
        const hit = messages.find(pred);
        if (hit) return hit;
        if (Date.now() > until) throw new Error(`no matching event in ${ms} ms; got ${JSON.stringify(messages)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

async function ticketIn(org: TestOrg, text: string) {
  return a.services.helpdesk.ingestInbound({
    orgId: org.orgId,
    shopId: org.shopId,
    channel: 'tiktok_chat',
    externalThreadId: `conv-${crypto.randomUUID()}`,
    externalMessageId: `m-${crypto.randomUUID()}`,
    buyer: { externalId: `b-${crypto.randomUUID()}`, name: 'Lena Vogel' },
    direction: 'inbound',
    text,
    sentAt: a.clock.now().toISOString(),
  });
}

describe('GET /api/events across two instances', () => {
  it('a change through one instance reaches a stream on the other, only for its organisation and person', async () => {
    const org = await createTestOrg(a);
    const other = await createTestOrg(a);
    const agentStream = openStream(b.url, await loginCookie(a, org.users.agent.email));
    const supStream = openStream(b.url, await loginCookie(a, org.users.supervisor.email));
    const otherStream = openStream(b.url, await loginCookie(a, other.users.agent.email));
    await Promise.all([agentStream.ready, supStream.ready, otherStream.ready]);
    await agentStream.waitFor((m) => m.type === 'resync');

    // A buyer writes (ingest on instance A's services).
    const t = await ticketIn(org, 'Where is my parcel?');
    await agentStream.waitFor((m) => m.type === 'ticket' && m.ticketId === t.ticketId);

    // An agent writes a note on instance A mentioning the supervisor: the supervisor's stream on B
    // hears of a notification, the agent's does not (not theirs).
    const tag = org.users.agent.email.split('.')[1]!.split('@')[0]!;
    const res = await fetch(`${urlA}/api/tickets/${t.ticketId}/notes`, {
      method: 'POST',
      headers: { cookie: await loginCookie(a, org.users.agent.email), 'content-type': 'application/json', 'x-requested-with': 'afterdesk' },
      body: JSON.stringify({ text: `@supervisor ${tag} please look` }),
    });
    expect(res.status).toBe(201);
    await supStream.waitFor((m) => m.type === 'notification');
    await new Promise((r) => setTimeout(r, 300));
    expect(agentStream.messages.filter((m) => m.type === 'notification')).toEqual([]);
    expect(otherStream.messages.filter((m) => m.type !== 'resync')).toEqual([]);

    // Presence: the supervisor opens the ticket through B; the agent's stream says who.
    await fetch(`${b.url}/api/tickets/${t.ticketId}/viewing`, { method: 'POST', headers: { cookie: await loginCookie(a, org.users.supervisor.email), 'content-type': 'application/json', 'x-requested-with': 'afterdesk' }, body: '{}' });
    await agentStream.waitFor((m) => m.type === 'presence' && m.userId === org.users.supervisor.id);

    // A reply's delivery: its step runs on A, and the agent's stream on B hears how it ended (this
    // test shop has no TikTok connection, so: failed), with the message it belongs to.
    const sent = await a.services.helpdesk.reply(actorFor(org, 'agent'), t.ticketId, { text: 'It left our warehouse today.' });
    expect(await a.platform.dispatcher.drain(50, org.orgId)).toMatchObject({ failed: 1 });
    const delivery = await agentStream.waitFor((m) => m.type === 'delivery');
    expect(delivery).toEqual({ type: 'delivery', ticketId: t.ticketId, messageId: sent.message.id, status: 'failed' });
    const thread = await a.services.helpdesk.getTicket(actorFor(org, 'agent'), t.ticketId);
    expect(thread.messages.find((m) => m.id === sent.message.id)).toMatchObject({ deliveryStatus: 'failed' });
    expect(otherStream.messages.filter((m) => m.type !== 'resync')).toEqual([]);

    // A self-service ticket's reply is shown on the buyer's page: its step's end marks it sent.
    const page = await a.services.helpdesk.ingestInbound({
      orgId: org.orgId,
      shopId: org.shopId,
      channel: 'self_service',
      externalThreadId: `portal:${crypto.randomUUID()}`,
      externalMessageId: `psm-${crypto.randomUUID()}`,
      buyer: { externalId: `b-${crypto.randomUUID()}` },
      direction: 'inbound',
      text: 'Das Paket ist beschädigt angekommen.',
      sentAt: a.clock.now().toISOString(),
    });
    const shown = await a.services.helpdesk.reply(actorFor(org, 'agent'), page.ticketId, { text: 'Wir schicken Ersatz.' });
    expect(await a.platform.dispatcher.drain(50, org.orgId)).toMatchObject({ done: 1, failed: 0 });
    expect(await agentStream.waitFor((m) => m.type === 'delivery' && m.messageId === shown.message.id)).toEqual({ type: 'delivery', ticketId: page.ticketId, messageId: shown.message.id, status: 'done' });
    const pageThread = await a.services.helpdesk.getTicket(actorFor(org, 'agent'), page.ticketId);
    expect(pageThread.messages.find((m) => m.id === shown.message.id)).toMatchObject({ deliveryStatus: 'sent' });

    agentStream.close();
    supStream.close();
    otherStream.close();
  }, 30_000);

  it('without a session the stream is refused; closing the instance ends open streams', async () => {
    expect((await fetch(`${b.url}/api/events`)).status).toBe(401);
    const org = await createTestOrg(a);
    const s = openStream(urlA, await loginCookie(a, org.users.agent.email));
    await s.ready;
    await s.waitFor((m) => m.type === 'resync');
    const closing = a.app.close();
    await closing;
    const until = Date.now() + 5_000;
    while (!s.ended && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    expect(s.ended).toBe(true);
  }, 30_000);
});
