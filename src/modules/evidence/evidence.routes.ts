import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import { actorOf, binaryResponse, ErrorBody, type Http } from '../../platform/http.js';
import {
  CaseParams,
  CaseSummaryView,
  EvidenceRecordView,
  PackCheckQuery,
  PackCheckView,
  PackRequest,
  PACK_LANGUAGES,
  Sha256Params,
  StoredFileView,
  VerifyView,
} from './evidence.dto.js';
import { FILE_POLICIES, MAX_FILE_BYTES } from './evidence.rules.js';
import { refuseOversizedUpload } from '../../platform/uploads.js';
import { pageOf, pageQuery } from '../../platform/pagination.js';
import type { EvidenceService } from './evidence.service.js';

const tags = ['evidence'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const MAX_UPLOAD = MAX_FILE_BYTES;

function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function evidenceRoutes(app: Http, evidence: EvidenceService): void {
  app.get(
    '/api/evidence/cases',
    {
      schema: {
        tags,
        operationId: 'evidence.listCases',
        summary: 'Cases that have evidence, most recent activity first; cursor pagination',
        querystring: z.strictObject(pageQuery),
        response: { 200: pageOf(CaseSummaryView), ...errors },
      },
    },
    async (req) => evidence.pageCases(actorOf(req), req.query),
  );

  app.get(
    '/api/evidence/cases/:caseId',
    {
      schema: {
        tags,
        operationId: 'evidence.getCase',
        summary: "A case's evidence timeline (every record, oldest first) and its files",
        params: CaseParams,
        response: { 200: z.object({ caseId: z.string(), records: z.array(EvidenceRecordView), files: z.array(StoredFileView) }), ...errors },
      },
    },
    async (req) => evidence.timeline(actorOf(req), req.params.caseId),
  );

  app.get(
    '/api/evidence/cases/:caseId/pack/check',
    {
      schema: {
        tags,
        operationId: 'evidence.checkPack',
        summary: 'Which evidence a dispute reason usually needs and what this case is missing',
        params: CaseParams,
        querystring: PackCheckQuery.extend({ language: z.enum(PACK_LANGUAGES).optional() }),
        response: { 200: PackCheckView, ...errors },
      },
    },
    async (req) => evidence.checkPack(actorOf(req), req.params.caseId, req.query.reason, req.query.language ?? 'en'),
  );

  const sendPack = async (actor: ReturnType<typeof actorOf>, caseId: string, body: z.infer<typeof PackRequest>, reply: FastifyReply) => {
    const pack = await evidence.buildPack(actor, caseId, body);
    reply.header('content-disposition', contentDisposition(pack.fileName));
    reply.header('x-evidence-warnings', pack.warnings.map((w) => w.code).join(',') || 'none');
    reply.type('application/zip');
    // Streamed, not serialised: the reply carries bytes, not a schema-shaped body.
    return reply.send(pack.stream as never);
  };

  app.post(
    '/api/evidence/cases/:caseId/packs',
    {
      schema: {
        tags,
        operationId: 'evidence.buildPack',
        summary: 'Build a dispute / appeal evidence pack (ZIP: PDF summary, original files, manifest with hashes)',
        description: 'Responds with the ZIP. Missing evidence for the reason is listed in the PDF, in manifest.json and in the `x-evidence-warnings` header.',
        params: CaseParams,
        body: PackRequest,
        response: { 200: binaryResponse('application/zip', 'The evidence pack'), ...errors },
      },
    },
    async (req, reply) => sendPack(actorOf(req), req.params.caseId, req.body, reply as unknown as FastifyReply),
  );

  app.get(
    '/api/evidence/cases/:caseId/pack',
    {
      schema: {
        tags,
        operationId: 'evidence.downloadPack',
        summary: 'Build and download an evidence pack (same as POST …/packs, for plain links)',
        params: CaseParams,
        querystring: PackRequest,
        response: { 200: binaryResponse('application/zip', 'The evidence pack'), ...errors },
      },
    },
    async (req, reply) => sendPack(actorOf(req), req.params.caseId, req.query, reply as unknown as FastifyReply),
  );

  app.get(
    '/api/evidence/verify',
    { schema: { tags, operationId: 'evidence.verify', summary: "Verify the organisation's evidence chain, file hashes and signed checkpoints (owner, supervisor)", response: { 200: VerifyView, ...errors } } },
    async (req) => {
      const { orgId: _org, ...result } = await evidence.verifyForActor(actorOf(req));
      return result;
    },
  );

  app.post(
    '/api/evidence/files',
    {
      schema: {
        tags,
        operationId: 'evidence.uploadFile',
        summary: 'Upload an evidence file (multipart field "file"); type is checked from the bytes',
        description: `Accepted: ${Object.entries(FILE_POLICIES)
          .map(([t, p]) => `${t} ≤ ${p.maxBytes / 1024 / 1024} MB`)
          .join(', ')}. A declared type that disagrees with the content is refused.`,
        consumes: ['multipart/form-data'],
        response: { 201: StoredFileView, ...errors, 413: ErrorBody },
      },
      onRequest: refuseOversizedUpload(MAX_UPLOAD),
    },
    async (req, reply) => {
      const actor = actorOf(req);
      if (!req.isMultipart()) throw AppError.validation('evidence.not_multipart', 'Send the file as multipart/form-data in the field "file"', [{ field: 'file', message: 'required (multipart/form-data)' }]);
      // multipart's own limit is one byte over ours, so the cut-off (and its error) is the store's.
      const part = await req.file({ limits: { fileSize: MAX_UPLOAD + 1, files: 1 } });
      if (!part || part.fieldname !== 'file') throw AppError.validation('evidence.file_required', 'Send the file in the multipart field "file"', [{ field: 'file', message: 'required' }]);
      const stored = await evidence.storeUpload(actor.orgId, { stream: part.file, fileName: part.filename, declaredContentType: part.mimetype, maxBytes: MAX_UPLOAD });
      return reply.code(201).send(stored);
    },
  );

  app.get(
    '/api/evidence/files/:sha256',
    {
      schema: {
        tags,
        operationId: 'evidence.downloadFile',
        summary: 'Download an evidence file (or thumbnail) by its sha256; only files your organisation holds',
        params: Sha256Params,
        response: { 200: binaryResponse('application/octet-stream', 'The stored bytes, with their own content type'), ...errors },
      },
    },
    async (req, reply) => {
      const f = await evidence.openFile(actorOf(req).orgId, req.params.sha256);
      reply.header('content-length', String(f.size));
      reply.header('cache-control', 'private, max-age=31536000, immutable');
      reply.header('x-content-type-options', 'nosniff');
      // Inline only for types a browser shows safely; everything else downloads.
      const inline = /^(image\/(jpeg|png|webp|gif)|video\/mp4|application\/pdf)$/.test(f.contentType);
      reply.header('content-disposition', inline ? `inline; filename="${f.fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"` : contentDisposition(f.fileName));
      reply.type(f.contentType);
      return reply.send(f.stream as never);
    },
  );
}
