import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

/** More bytes than a store accepts arrived; the copy stopped there and kept nothing. */
export class FileTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The file is larger than ${limit} bytes`);
    this.name = 'FileTooLarge';
  }
}

/** Room for the multipart envelope (boundaries, part headers, a file name) around the file itself. */
export const MULTIPART_OVERHEAD = 64 * 1024;

const mb = (n: number) => Math.round(n / 1024 / 1024);

export function uploadTooLarge(limit: number): AppError {
  return new AppError('too_large', 'upload.too_large', `Files may be at most ${mb(limit)} MB`, { limit, issues: [{ field: 'file', message: `larger than ${mb(limit)} MB` }] });
}

/** A stream error that means "over the limit" (ours, or @fastify/multipart's own fileSize limit). */
export function isTooLarge(e: unknown): boolean {
  return e instanceof FileTooLarge || (e as { code?: string })?.code === 'FST_REQ_FILE_TOO_LARGE';
}

/**
 * Route hook for uploads: a declared length over the limit is refused before a byte of the body
 * is read, and the connection is closed so the client stops sending. Bodies without a length
 * (chunked) are still cut off at the limit while they stream to disk.
 */
export function refuseOversizedUpload(fileLimit: number) {
  const limit = fileLimit + MULTIPART_OVERHEAD;
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      void reply.header('connection', 'close');
      throw uploadTooLarge(fileLimit);
    }
  };
}
