import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { createTestOrg } from '../../../test/helpers/org.js';
import { createOutboundPolicy, type Lookup } from '../../platform/outbound.js';
import { outbox } from '../../platform/outbox/outbox.schema.js';
import { evidenceFiles as evidenceFilesTable } from '../evidence/evidence.schema.js';
import { registerModuleWorkers } from '../../app/modules.js';
import { registerHelpdeskHandlers } from './helpdesk.jobs.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let ctx: TestContext;
let server: http.Server;
let port: number;
const hits: string[] = [];
beforeAll(async () => {
  ctx = await createTestContext();
  // A CDN stand-in whose photo link redirects to an "internal" service on the same machine.
  server = http.createServer((req, res) => {
    hits.push(req.url!);
    if (req.url === '/return/photo-1.png') {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/internal/admin.png` });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end(PNG);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await ctx.close();
});

describe('the attachment fetcher follows the outbound policy', () => {
  it('a public-looking link that redirects to 127.0.0.1 is refused for good, and nothing is stored', async () => {
    const org = await createTestOrg(ctx);
    // cdn.example.com stands for a public CDN: it is allowed by name for its port only.
    const lookup: Lookup = async (h) => (h === 'cdn.example.com' ? ['127.0.0.1'] : []);
    const policy = createOutboundPolicy({ allow: `cdn.example.com:${port}`, lookup });
    registerHelpdeskHandlers(ctx.platform.outbox, ctx.services.helpdesk, ctx.services.evidence, (url, init) => policy.fetch(url, init));
    const link = `http://cdn.example.com:${port}/return/photo-1.png`;
    const r = await ctx.services.helpdesk.ingestInbound({
      orgId: org.orgId,
      shopId: org.shopId,
      channel: 'tiktok_return_request',
      externalThreadId: 'ret-ssrf',
      externalMessageId: 'ret-ssrf:req',
      buyer: { externalId: 'b-ssrf' },
      direction: 'inbound',
      text: 'Return request: see photo',
      attachments: [{ url: link, contentType: 'image/png' }],
      sentAt: ctx.clock.now().toISOString(),
    });
    const report = await ctx.platform.dispatcher.drain(50, org.orgId);
    expect(report).toMatchObject({ claimed: 1, failed: 1 });
    const [row] = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(outbox).where(eq(outbox.orgId, org.orgId)));
    expect(row).toMatchObject({ handler: 'helpdesk.fetch_attachment', status: 'failed' });
    expect(row!.lastError).toContain(`127.0.0.1:${port} refused`);
    // The redirect target was never requested, the message keeps only the link, and no file exists.
    expect(hits).toEqual(['/return/photo-1.png']);
    const { messages } = await ctx.services.helpdesk.getTicket({ orgId: org.orgId, userId: org.users.agent.id, role: 'agent' }, r.ticketId);
    expect(messages[0]!.attachments).toEqual([{ url: link, contentType: 'image/png' }]);
    const files = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(evidenceFilesTable).where(eq(evidenceFilesTable.orgId, org.orgId)));
    expect(files).toEqual([]);
  });

  it('the same stand-in serving the photo itself is fetched and stored (the allow list works for the first hop)', async () => {
    const org = await createTestOrg(ctx);
    const lookup: Lookup = async (h) => (h === 'cdn.example.com' ? ['127.0.0.1'] : []);
    const policy = createOutboundPolicy({ allow: `cdn.example.com:${port}`, lookup });
    registerHelpdeskHandlers(ctx.platform.outbox, ctx.services.helpdesk, ctx.services.evidence, (url, init) => policy.fetch(url, init));
    await ctx.services.helpdesk.ingestInbound({
      orgId: org.orgId,
      shopId: org.shopId,
      channel: 'tiktok_return_request',
      externalThreadId: 'ret-ok',
      externalMessageId: 'ret-ok:req',
      buyer: { externalId: 'b-ok' },
      direction: 'inbound',
      text: 'Return request: see photo',
      attachments: [{ url: `http://cdn.example.com:${port}/return/direct.png` }],
      sentAt: ctx.clock.now().toISOString(),
    });
    expect(await ctx.platform.dispatcher.drain(50, org.orgId)).toMatchObject({ claimed: 1, done: 1 });
    const files = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(evidenceFilesTable).where(eq(evidenceFilesTable.orgId, org.orgId)));
    expect(files.filter((f) => f.kind !== 'thumbnail').map((f) => f.contentType)).toEqual(['image/png']);
  });

  it('links on replies and notes must be http or https', async () => {
    const org = await createTestOrg(ctx);
    const r = await ctx.services.helpdesk.ingestInbound({ orgId: org.orgId, shopId: org.shopId, channel: 'whatsapp', externalThreadId: '+15550009999', externalMessageId: 'w1', buyer: { phone: '+15550009999' }, direction: 'inbound', text: 'Hi', sentAt: ctx.clock.now().toISOString() });
    const cookie = await org.cookie('agent');
    for (const [path, url] of [
      ['reply', 'file:///etc/passwd'],
      ['notes', 'gopher://127.0.0.1:6379/_FLUSHALL'],
      ['reply', 'javascript:alert(1)'],
    ] as const) {
      const res = await ctx.app.inject({ method: 'POST', url: `/api/tickets/${r.ticketId}/${path}`, headers: { cookie }, payload: { text: 'see link', attachments: [{ url }] } });
      expect({ path, url, status: res.statusCode, field: res.json().details?.issues?.[0]?.field }).toEqual({ path, url, status: 400, field: 'attachments.0.url' });
    }
    const ok = await ctx.app.inject({ method: 'POST', url: `/api/tickets/${r.ticketId}/notes`, headers: { cookie }, payload: { text: 'see link', attachments: [{ url: 'https://docs.example.org/manual.pdf' }] } });
    expect(ok.statusCode).toBe(201);
  });

  it("a channel's non-web link is dropped (nothing fetched, nothing to click) while its message arrives", async () => {
    const org = await createTestOrg(ctx);
    const r = await ctx.services.helpdesk.ingestInbound({
      orgId: org.orgId,
      shopId: org.shopId,
      channel: 'tiktok_chat',
      externalThreadId: 'conv-links',
      externalMessageId: 'cl-1',
      buyer: { externalId: 'b-links' },
      direction: 'inbound',
      text: 'pictures',
      attachments: [{ url: 'javascript:alert(1)', contentType: 'image/*' }, { url: '', contentType: 'video/*' }, { url: 'file:///etc/passwd' }],
      sentAt: ctx.clock.now().toISOString(),
    });
    const { messages } = await ctx.services.helpdesk.getTicket({ orgId: org.orgId, userId: org.users.agent.id, role: 'agent' }, r.ticketId);
    expect(messages[0]!.attachments).toEqual([{ contentType: 'image/*' }, { contentType: 'video/*' }, {}]);
    const rows = await ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(outbox).where(eq(outbox.orgId, org.orgId)));
    expect(rows).toEqual([]);
    const page = await ctx.app.inject({ method: 'GET', url: `/api/tickets/${r.ticketId}`, headers: { cookie: await org.cookie('agent') } });
    expect(page.statusCode).toBe(200);
  });

  it("the TikTok sandbox (a local stand-in) passes by its exact host and port, wherever it is moved", async () => {
    await registerModuleWorkers(ctx.platform, ctx.services);
    await expect(ctx.platform.outbound.assertHost('127.0.0.1', port)).rejects.toThrow(/loopback/);
    ctx.services.tiktok.client.retarget({ apiBase: `http://127.0.0.1:${port}`, authBase: `http://127.0.0.1:${port}` });
    expect(await ctx.platform.outbound.assertHost('127.0.0.1', port)).toBe('127.0.0.1');
    await expect(ctx.platform.outbound.assertHost('127.0.0.1', port + 1)).rejects.toThrow(/loopback/);
    const res = await ctx.platform.outbound.fetch(`http://127.0.0.1:${port}/return/direct.png`);
    expect(res.status).toBe(200);
  });
});
