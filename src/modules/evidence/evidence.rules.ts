import crypto from 'node:crypto';
import de from './locales/de.json' with { type: 'json' };
import en from './locales/en.json' with { type: 'json' };
import es from './locales/es.json' with { type: 'json' };
import fr from './locales/fr.json' with { type: 'json' };
import it from './locales/it.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };
import type { DisputeReason, EvidenceActor, EvidenceKind, FileKind, PackLanguage, PackSection, PackWarning, Responsibility } from './evidence.dto.js';

/** The link before an organisation's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted at every depth and no insignificant whitespace. Postgres jsonb
 * reorders keys, so the hash must not depend on the order a caller (or the database) used.
 * Undefined members are dropped the way JSON.stringify drops them.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('evidence data may not hold NaN or Infinity');
    return JSON.stringify(value) ?? 'null';
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined && typeof obj[k] !== 'function')
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/**
 * Make caller data exactly what jsonb will give back (Dates → ISO strings, undefined dropped),
 * so the hash computed at write time equals the hash recomputed from the stored row.
 */
export function jsonClean<T>(value: T): T {
  return JSON.parse(canonicalJson(value)) as T;
}

export interface HashedFields {
  orgId: string;
  id: string;
  seq: number;
  prevHash: string;
  caseId: string;
  caseType: string;
  kind: string;
  actor: EvidenceActor;
  occurredAt: Date;
  recordedAt: Date;
  summary: string;
  data: Record<string, unknown>;
  fileSha256s: string[];
  responsibility: Responsibility | null;
}

/** sha256 over the canonical form of everything a record says, including the previous link. */
export function recordHash(r: HashedFields): string {
  const body = canonicalJson({
    v: 1,
    orgId: r.orgId,
    id: r.id,
    seq: r.seq,
    prevHash: r.prevHash,
    caseId: r.caseId,
    caseType: r.caseType,
    kind: r.kind,
    actor: r.actor,
    occurredAt: r.occurredAt.toISOString(),
    recordedAt: r.recordedAt.toISOString(),
    summary: r.summary,
    data: r.data,
    fileSha256s: r.fileSha256s,
    responsibility: r.responsibility,
  });
  return crypto.createHash('sha256').update(body).digest('hex');
}

/** The exact bytes a checkpoint signature covers. */
export function checkpointMessage(orgId: string, seq: number, hash: string, signedAt: Date): Buffer {
  return Buffer.from(canonicalJson({ v: 1, purpose: 'afterdesk.evidence.checkpoint', orgId, seq, hash, signedAt: signedAt.toISOString() }));
}

/** A signed checkpoint after every this many records (and hourly for quieter organisations). */
export const CHECKPOINT_EVERY = 100;

export function needsCheckpoint(seq: number, every = CHECKPOINT_EVERY): boolean {
  return seq > 0 && seq % every === 0;
}

// ---- Files ----

export interface FilePolicy {
  kind: Exclude<FileKind, 'thumbnail'>;
  maxBytes: number;
}

const MB = 1024 * 1024;
/** Content types we accept, by what the bytes really are (never by name or declared type). */
export const FILE_POLICIES: Record<string, FilePolicy> = {
  'image/jpeg': { kind: 'image', maxBytes: 15 * MB },
  'image/png': { kind: 'image', maxBytes: 15 * MB },
  'image/webp': { kind: 'image', maxBytes: 15 * MB },
  'image/gif': { kind: 'image', maxBytes: 15 * MB },
  'image/heic': { kind: 'image', maxBytes: 15 * MB },
  'image/heif': { kind: 'image', maxBytes: 15 * MB },
  'video/mp4': { kind: 'video', maxBytes: 200 * MB },
  'video/quicktime': { kind: 'video', maxBytes: 200 * MB },
  'application/pdf': { kind: 'pdf', maxBytes: 20 * MB },
  'text/plain': { kind: 'text', maxBytes: 2 * MB },
};

/** The largest upload any accepted type allows: the cut-off while an upload streams to disk. */
export const MAX_FILE_BYTES = Math.max(...Object.values(FILE_POLICIES).map((p) => p.maxBytes));
/** How much of a file without a magic number is read to tell text from binary (text is ≤ 2 MB anyway). */
export const TEXT_SNIFF_BYTES = 2 * MB + 1;

/** Spellings browsers and phones send for the same type. */
const ALIASES: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'video/mov': 'video/quicktime',
  'application/x-pdf': 'application/pdf',
  'image/heic-sequence': 'image/heic',
  'image/heif-sequence': 'image/heif',
};

export function normaliseContentType(ct: string | undefined): string | undefined {
  if (!ct) return undefined;
  const base = ct.split(';')[0]!.trim().toLowerCase();
  return ALIASES[base] ?? base;
}

/** Declared types that say nothing (browsers send these when they do not know). */
export function isVagueContentType(ct: string | undefined): boolean {
  return !ct || ct === 'application/octet-stream' || ct === 'binary/octet-stream';
}

/**
 * Plain text has no magic number: accept it only if it decodes as UTF-8 and holds no NUL bytes.
 * `truncated`: only the head of the file was read, so a character cut at the end is not an error.
 */
export function looksLikeText(bytes: Buffer, truncated = false): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: truncated });
    return true;
  } catch {
    return false;
  }
}

export type FileDecision =
  | { ok: true; contentType: string; kind: FilePolicy['kind'] }
  | { ok: false; code: 'evidence.file_type_not_allowed' | 'evidence.file_type_mismatch' | 'evidence.file_too_large' | 'evidence.file_empty'; message: string };

/** Decide on an upload from its sniffed type, declared type and size. */
export function decideFile(args: { sniffed: string | undefined; declared: string | undefined; size: number; isText: boolean }): FileDecision {
  if (args.size === 0) return { ok: false, code: 'evidence.file_empty', message: 'The file is empty' };
  const declared = normaliseContentType(args.declared);
  const real = normaliseContentType(args.sniffed) ?? (args.isText ? 'text/plain' : undefined);
  if (!real || !FILE_POLICIES[real]) {
    return { ok: false, code: 'evidence.file_type_not_allowed', message: `Files of this type (${real ?? 'unknown'}) are not accepted; allowed: ${Object.keys(FILE_POLICIES).join(', ')}` };
  }
  if (!isVagueContentType(declared) && declared !== real) {
    return { ok: false, code: 'evidence.file_type_mismatch', message: `The file says it is ${declared} but its content is ${real}` };
  }
  const policy = FILE_POLICIES[real]!;
  if (args.size > policy.maxBytes) {
    return { ok: false, code: 'evidence.file_too_large', message: `${policy.kind} files may be at most ${Math.round(policy.maxBytes / MB)} MB; this one is ${(args.size / MB).toFixed(1)} MB` };
  }
  return { ok: true, contentType: real, kind: policy.kind };
}

/** Image types sharp can decode with its prebuilt binaries (HEIC decoding is not among them). */
export const THUMBNAIL_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

// ---- Packs ----

const KIND_SECTION: Record<EvidenceKind, PackSection> = {
  message: 'customer_communication',
  note: 'customer_communication',
  attachment: 'customer_communication',
  remedy_offered: 'refund_policy',
  remedy_approved: 'refund_policy',
  remedy_given: 'refund_policy',
  refund: 'refund_policy',
  coupon: 'refund_policy',
  policy_snapshot: 'refund_policy',
  reship: 'shipping_documentation',
  tracking: 'shipping_documentation',
  inspection: 'shipping_documentation',
  order_snapshot: 'product_description',
  classification: 'uncategorised',
  responsibility: 'uncategorised',
  status_change: 'uncategorised',
};

/** The dispute section a record (and its files) belongs to; a caller may say so in `data.section`. */
export function sectionFor(kind: EvidenceKind, data: Record<string, unknown>): PackSection {
  const asked = data.section;
  if (typeof asked === 'string' && isSection(asked)) return asked;
  return KIND_SECTION[kind];
}

function isSection(s: string): s is PackSection {
  return ['customer_communication', 'shipping_documentation', 'refund_policy', 'product_description', 'uncategorised'].includes(s);
}

interface Requirement {
  kind: EvidenceKind;
  /** Alternatives that satisfy the same need (a reship proves shipping as well as tracking). */
  anyOf?: EvidenceKind[];
  /** Only satisfied when the record carries files (photos of the damage, not just words). */
  needsFiles?: boolean;
}

/**
 * What card networks and TikTok's dispute forms ask for, per reason. Missing items become
 * warnings in the pack: a seller can still submit, but knows what will likely lose the case.
 */
export const REQUIRED_EVIDENCE: Record<DisputeReason, Requirement[]> = {
  item_not_received: [{ kind: 'order_snapshot' }, { kind: 'tracking', anyOf: ['tracking', 'reship'] }, { kind: 'message' }],
  not_as_described: [{ kind: 'order_snapshot' }, { kind: 'message' }, { kind: 'attachment', anyOf: ['attachment', 'message', 'inspection'], needsFiles: true }, { kind: 'policy_snapshot' }],
  damaged: [{ kind: 'order_snapshot' }, { kind: 'tracking' }, { kind: 'attachment', anyOf: ['attachment', 'message', 'inspection'], needsFiles: true }, { kind: 'inspection' }, { kind: 'message' }],
  unauthorised: [{ kind: 'order_snapshot' }, { kind: 'tracking' }, { kind: 'message' }],
  refund_not_received: [{ kind: 'refund' }, { kind: 'policy_snapshot' }, { kind: 'message' }],
  account_appeal: [{ kind: 'message' }, { kind: 'remedy_given', anyOf: ['remedy_given', 'refund', 'reship', 'coupon'] }, { kind: 'responsibility' }, { kind: 'policy_snapshot' }],
};

export function missingEvidence(reason: DisputeReason, records: { kind: EvidenceKind; fileSha256s: string[] }[], lang: PackLanguage = 'en'): PackWarning[] {
  const out: PackWarning[] = [];
  for (const req of REQUIRED_EVIDENCE[reason]) {
    const kinds = req.anyOf ?? [req.kind];
    const found = records.some((r) => kinds.includes(r.kind) && (!req.needsFiles || r.fileSha256s.length > 0));
    if (!found) {
      const what = req.needsFiles ? 'photos' : req.kind;
      out.push({
        code: `evidence.missing.${what}`,
        kind: req.kind,
        section: KIND_SECTION[req.kind],
        message: tr(lang, 'missing', { what: tr(lang, `kind.${what}`), reason: tr(lang, `reason.${reason}`) }),
      });
    }
  }
  return out;
}

// ---- Labels (PDF summary, warnings) ----
// The dictionaries live in ./locales/<lang>.json, one file a language, so translators edit data.

type Dict = Record<string, string>;
export const LABELS: Record<PackLanguage, Dict> = { en, de, fr, it, es, 'zh-CN': zhCN };

export function tr(lang: PackLanguage, key: string, vars: Record<string, string> = {}): string {
  const s = LABELS[lang][key] ?? LABELS.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? '');
}
