import { Readable } from 'node:stream';
import { z } from 'zod';
import { isAppError } from '../../platform/errors.js';
import { OutboundRefused } from '../../platform/outbound.js';
import { PermanentError, type OutboxRegistry } from '../../platform/outbox/outbox.js';
import type { FilesPort } from './helpdesk.ports.js';
import type { HelpdeskService } from './helpdesk.service.js';

const FetchPayload = z.object({
  ticketId: z.string(),
  messageId: z.string(),
  index: z.number().int().nonnegative(),
  url: z.string(),
  fileName: z.string().nullable(),
  contentType: z.string().nullable(),
});

const MAX_BYTES = 50 * 1024 * 1024;

/** How links are fetched: the platform's outbound policy (`platform.outbound.fetch`) in the app. */
export type LinkFetcher = (url: URL, init: { signal?: AbortSignal }) => Promise<Response>;

/**
 * `helpdesk.fetch_attachment`: download a file a channel only linked to (TikTok return photos and
 * videos) and keep it in the evidence store, since platform links expire long before disputes end.
 */
export function registerHelpdeskHandlers(outbox: OutboxRegistry, helpdesk: Pick<HelpdeskService, 'attachStoredFile'>, files: FilesPort, fetchImpl: LinkFetcher): void {
  outbox.register('helpdesk.fetch_attachment', async (raw, ctx) => {
    const parsed = FetchPayload.safeParse(raw);
    if (!parsed.success) throw new PermanentError('helpdesk.fetch_attachment payload is invalid');
    const p = parsed.data;
    let url: URL;
    try {
      url = new URL(p.url);
    } catch {
      throw new PermanentError(`not a URL: ${p.url}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new PermanentError(`only http(s) links are fetched, not ${url.protocol}`);
    let res: Response;
    try {
      // The fetcher checks the target before each connection and each redirect it follows.
      res = await fetchImpl(url, { signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      if (e instanceof OutboundRefused) throw new PermanentError(e.message);
      throw e;
    }
    if (res.status === 404 || res.status === 410 || res.status === 403) throw new PermanentError(`the link answered ${res.status}; the file is gone`);
    if (!res.ok) throw new Error(`the link answered ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > MAX_BYTES) {
      await res.body?.cancel().catch(() => undefined);
      throw new PermanentError(`file is ${declared} bytes; the limit is ${MAX_BYTES}`);
    }
    if (!res.body) throw new PermanentError('the link answered without a body');
    const fileName = p.fileName ?? (decodeURIComponent(url.pathname.split('/').pop() ?? '') || 'attachment');
    let stored: Awaited<ReturnType<FilesPort['storeUpload']>>;
    try {
      // Streamed to disk while hashed: a large video never sits in memory.
      stored = await files.storeUpload(ctx.orgId, { stream: Readable.fromWeb(res.body as never), fileName, declaredContentType: undefined, maxBytes: MAX_BYTES });
    } catch (e) {
      if (isAppError(e) && e.code === 'upload.too_large') throw new PermanentError(`file is larger than ${MAX_BYTES} bytes`);
      throw e;
    }
    await helpdesk.attachStoredFile(ctx.orgId, { messageId: p.messageId, index: p.index, sha256: stored.sha256, contentType: stored.contentType, size: stored.size, fileName });
    return { sha256: stored.sha256, size: stored.size, contentType: stored.contentType };
  });
}
