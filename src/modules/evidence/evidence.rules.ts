import crypto from 'node:crypto';
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

type Dict = Record<string, string>;
export const LABELS: Record<PackLanguage, Dict> = {
  en: {
    file: 'File',
    details: 'Details',
    title: 'Evidence pack',
    case: 'Case',
    reason: 'Dispute reason',
    generated: 'Generated',
    chainHead: 'Evidence chain head',
    checkpoint: 'Last signed checkpoint',
    none: 'none',
    overview: 'Summary',
    order: 'Order',
    responsibility: 'Responsibility',
    policy: 'Policy that applied',
    timeline: 'Timeline',
    communication: 'Customer communication',
    remedies: 'Remedies, refunds and coupons',
    shipping: 'Shipping and return proof',
    files: 'Enclosed files',
    photos: 'Photos',
    warnings: 'Missing evidence',
    noWarnings: 'All evidence usually asked for this reason is enclosed.',
    when: 'When',
    who: 'Who',
    what: 'What',
    section: 'Section',
    integrity: 'Every file is listed in manifest.json with its SHA-256; each record is part of a tamper-evident hash chain.',
    missing: 'No {what} on record, which is usually required for "{reason}".',
    'section.customer_communication': 'Customer communication',
    'section.shipping_documentation': 'Shipping documentation',
    'section.refund_policy': 'Refund policy',
    'section.product_description': 'Product description',
    'section.uncategorised': 'Other files',
    'reason.item_not_received': 'Item not received',
    'reason.not_as_described': 'Not as described',
    'reason.damaged': 'Damaged item',
    'reason.unauthorised': 'Unauthorised purchase',
    'reason.refund_not_received': 'Refund not received',
    'reason.account_appeal': 'Account appeal',
    'resp.seller': 'Seller',
    'resp.carrier': 'Carrier',
    'resp.buyer': 'Buyer',
    'resp.platform': 'Platform',
    'actor.user': 'Staff',
    'actor.buyer': 'Buyer',
    'actor.system': 'System',
    'actor.platform': 'Platform',
    'kind.message': 'customer messages',
    'kind.note': 'internal notes',
    'kind.attachment': 'attachments',
    'kind.photos': 'photos',
    'kind.remedy_offered': 'remedy offered',
    'kind.remedy_approved': 'remedy approved',
    'kind.remedy_given': 'remedy given',
    'kind.refund': 'refund record',
    'kind.coupon': 'coupon',
    'kind.reship': 'reshipment',
    'kind.tracking': 'tracking record',
    'kind.inspection': 'warehouse inspection',
    'kind.classification': 'classification',
    'kind.responsibility': 'responsibility decision',
    'kind.status_change': 'status change',
    'kind.policy_snapshot': 'return / refund policy',
    'kind.order_snapshot': 'order details',
  },
  de: {
    file: 'Datei',
    details: 'Details',
    title: 'Beweismappe',
    case: 'Fall',
    reason: 'Grund der Beanstandung',
    generated: 'Erstellt',
    chainHead: 'Kopf der Beweiskette',
    checkpoint: 'Letzter signierter Prüfpunkt',
    none: 'keiner',
    overview: 'Übersicht',
    order: 'Bestellung',
    responsibility: 'Verantwortung',
    policy: 'Geltende Richtlinie',
    timeline: 'Zeitleiste',
    communication: 'Kommunikation mit dem Kunden',
    remedies: 'Lösungen, Erstattungen und Gutscheine',
    shipping: 'Versand- und Rücksendenachweise',
    files: 'Beigefügte Dateien',
    photos: 'Fotos',
    warnings: 'Fehlende Nachweise',
    noWarnings: 'Alle für diesen Grund üblicherweise verlangten Nachweise liegen bei.',
    when: 'Wann',
    who: 'Wer',
    what: 'Was',
    section: 'Abschnitt',
    integrity: 'Jede Datei steht mit ihrem SHA-256 in manifest.json; jeder Eintrag ist Teil einer manipulationssicheren Hash-Kette.',
    missing: 'Kein Nachweis „{what}“ vorhanden; für „{reason}“ wird er meist verlangt.',
    'section.customer_communication': 'Kommunikation mit dem Kunden',
    'section.shipping_documentation': 'Versanddokumente',
    'section.refund_policy': 'Erstattungsrichtlinie',
    'section.product_description': 'Produktbeschreibung',
    'section.uncategorised': 'Weitere Dateien',
    'reason.item_not_received': 'Artikel nicht erhalten',
    'reason.not_as_described': 'Nicht wie beschrieben',
    'reason.damaged': 'Beschädigter Artikel',
    'reason.unauthorised': 'Nicht autorisierter Kauf',
    'reason.refund_not_received': 'Erstattung nicht erhalten',
    'reason.account_appeal': 'Einspruch zum Konto',
    'resp.seller': 'Verkäufer',
    'resp.carrier': 'Versanddienstleister',
    'resp.buyer': 'Käufer',
    'resp.platform': 'Plattform',
    'actor.user': 'Mitarbeiter',
    'actor.buyer': 'Käufer',
    'actor.system': 'System',
    'actor.platform': 'Plattform',
    'kind.message': 'Kundennachrichten',
    'kind.note': 'interne Notizen',
    'kind.attachment': 'Anhänge',
    'kind.photos': 'Fotos',
    'kind.remedy_offered': 'angebotene Lösung',
    'kind.remedy_approved': 'genehmigte Lösung',
    'kind.remedy_given': 'gewährte Lösung',
    'kind.refund': 'Erstattungsbeleg',
    'kind.coupon': 'Gutschein',
    'kind.reship': 'Ersatzlieferung',
    'kind.tracking': 'Sendungsverfolgung',
    'kind.inspection': 'Lagerprüfung',
    'kind.classification': 'Einstufung',
    'kind.responsibility': 'Verantwortungsentscheidung',
    'kind.status_change': 'Statusänderung',
    'kind.policy_snapshot': 'Rückgabe-/Erstattungsrichtlinie',
    'kind.order_snapshot': 'Bestelldetails',
  },
  fr: {
    file: 'Fichier',
    details: 'Détails',
    title: 'Dossier de preuves',
    case: 'Dossier',
    reason: 'Motif du litige',
    generated: 'Généré le',
    chainHead: 'Tête de la chaîne de preuves',
    checkpoint: 'Dernier point de contrôle signé',
    none: 'aucun',
    overview: 'Résumé',
    order: 'Commande',
    responsibility: 'Responsabilité',
    policy: 'Politique appliquée',
    timeline: 'Chronologie',
    communication: 'Échanges avec le client',
    remedies: 'Solutions, remboursements et bons',
    shipping: "Preuves d'expédition et de retour",
    files: 'Fichiers joints',
    photos: 'Photos',
    warnings: 'Preuves manquantes',
    noWarnings: 'Toutes les preuves habituellement demandées pour ce motif sont jointes.',
    when: 'Quand',
    who: 'Qui',
    what: 'Quoi',
    section: 'Section',
    integrity: 'Chaque fichier figure dans manifest.json avec son SHA-256 ; chaque entrée fait partie d’une chaîne de hachage infalsifiable.',
    missing: 'Aucun élément « {what} » au dossier ; il est généralement exigé pour « {reason} ».',
    'section.customer_communication': 'Échanges avec le client',
    'section.shipping_documentation': "Documents d'expédition",
    'section.refund_policy': 'Politique de remboursement',
    'section.product_description': 'Description du produit',
    'section.uncategorised': 'Autres fichiers',
    'reason.item_not_received': 'Article non reçu',
    'reason.not_as_described': 'Non conforme à la description',
    'reason.damaged': 'Article endommagé',
    'reason.unauthorised': 'Achat non autorisé',
    'reason.refund_not_received': 'Remboursement non reçu',
    'reason.account_appeal': 'Recours sur le compte',
    'resp.seller': 'Vendeur',
    'resp.carrier': 'Transporteur',
    'resp.buyer': 'Acheteur',
    'resp.platform': 'Plateforme',
    'actor.user': 'Équipe',
    'actor.buyer': 'Acheteur',
    'actor.system': 'Système',
    'actor.platform': 'Plateforme',
    'kind.message': 'messages du client',
    'kind.note': 'notes internes',
    'kind.attachment': 'pièces jointes',
    'kind.photos': 'photos',
    'kind.remedy_offered': 'solution proposée',
    'kind.remedy_approved': 'solution approuvée',
    'kind.remedy_given': 'solution accordée',
    'kind.refund': 'preuve de remboursement',
    'kind.coupon': 'bon de réduction',
    'kind.reship': 'réexpédition',
    'kind.tracking': 'suivi du colis',
    'kind.inspection': "contrôle à l'entrepôt",
    'kind.classification': 'classification',
    'kind.responsibility': 'décision de responsabilité',
    'kind.status_change': 'changement de statut',
    'kind.policy_snapshot': 'politique de retour / remboursement',
    'kind.order_snapshot': 'détails de la commande',
  },
  it: {
    file: 'File',
    details: 'Dettagli',
    title: 'Fascicolo delle prove',
    case: 'Pratica',
    reason: 'Motivo della contestazione',
    generated: 'Generato il',
    chainHead: 'Testa della catena delle prove',
    checkpoint: 'Ultimo checkpoint firmato',
    none: 'nessuno',
    overview: 'Riepilogo',
    order: 'Ordine',
    responsibility: 'Responsabilità',
    policy: 'Politica applicata',
    timeline: 'Cronologia',
    communication: 'Comunicazioni con il cliente',
    remedies: 'Soluzioni, rimborsi e coupon',
    shipping: 'Prove di spedizione e reso',
    files: 'File allegati',
    photos: 'Foto',
    warnings: 'Prove mancanti',
    noWarnings: 'Sono allegate tutte le prove di solito richieste per questo motivo.',
    when: 'Quando',
    who: 'Chi',
    what: 'Cosa',
    section: 'Sezione',
    integrity: 'Ogni file è elencato in manifest.json con il suo SHA-256; ogni voce fa parte di una catena di hash a prova di manomissione.',
    missing: 'Nessun elemento «{what}» agli atti; di solito è richiesto per «{reason}».',
    'section.customer_communication': 'Comunicazioni con il cliente',
    'section.shipping_documentation': 'Documenti di spedizione',
    'section.refund_policy': 'Politica di rimborso',
    'section.product_description': 'Descrizione del prodotto',
    'section.uncategorised': 'Altri file',
    'reason.item_not_received': 'Articolo non ricevuto',
    'reason.not_as_described': 'Non conforme alla descrizione',
    'reason.damaged': 'Articolo danneggiato',
    'reason.unauthorised': 'Acquisto non autorizzato',
    'reason.refund_not_received': 'Rimborso non ricevuto',
    'reason.account_appeal': 'Ricorso sull’account',
    'resp.seller': 'Venditore',
    'resp.carrier': 'Corriere',
    'resp.buyer': 'Acquirente',
    'resp.platform': 'Piattaforma',
    'actor.user': 'Staff',
    'actor.buyer': 'Acquirente',
    'actor.system': 'Sistema',
    'actor.platform': 'Piattaforma',
    'kind.message': 'messaggi del cliente',
    'kind.note': 'note interne',
    'kind.attachment': 'allegati',
    'kind.photos': 'foto',
    'kind.remedy_offered': 'soluzione offerta',
    'kind.remedy_approved': 'soluzione approvata',
    'kind.remedy_given': 'soluzione concessa',
    'kind.refund': 'prova di rimborso',
    'kind.coupon': 'coupon',
    'kind.reship': 'rispedizione',
    'kind.tracking': 'tracciamento',
    'kind.inspection': 'ispezione di magazzino',
    'kind.classification': 'classificazione',
    'kind.responsibility': 'decisione sulla responsabilità',
    'kind.status_change': 'cambio di stato',
    'kind.policy_snapshot': 'politica di reso / rimborso',
    'kind.order_snapshot': "dettagli dell'ordine",
  },
  es: {
    file: 'Archivo',
    details: 'Detalles',
    title: 'Dossier de pruebas',
    case: 'Caso',
    reason: 'Motivo de la disputa',
    generated: 'Generado',
    chainHead: 'Cabeza de la cadena de pruebas',
    checkpoint: 'Último punto de control firmado',
    none: 'ninguno',
    overview: 'Resumen',
    order: 'Pedido',
    responsibility: 'Responsabilidad',
    policy: 'Política aplicada',
    timeline: 'Cronología',
    communication: 'Comunicación con el cliente',
    remedies: 'Soluciones, reembolsos y cupones',
    shipping: 'Pruebas de envío y devolución',
    files: 'Archivos adjuntos',
    photos: 'Fotos',
    warnings: 'Pruebas que faltan',
    noWarnings: 'Se adjuntan todas las pruebas que suelen pedirse para este motivo.',
    when: 'Cuándo',
    who: 'Quién',
    what: 'Qué',
    section: 'Sección',
    integrity: 'Cada archivo figura en manifest.json con su SHA-256; cada registro forma parte de una cadena de hashes a prueba de manipulaciones.',
    missing: 'No consta «{what}», que suele exigirse para «{reason}».',
    'section.customer_communication': 'Comunicación con el cliente',
    'section.shipping_documentation': 'Documentación de envío',
    'section.refund_policy': 'Política de reembolso',
    'section.product_description': 'Descripción del producto',
    'section.uncategorised': 'Otros archivos',
    'reason.item_not_received': 'Artículo no recibido',
    'reason.not_as_described': 'No coincide con la descripción',
    'reason.damaged': 'Artículo dañado',
    'reason.unauthorised': 'Compra no autorizada',
    'reason.refund_not_received': 'Reembolso no recibido',
    'reason.account_appeal': 'Apelación de la cuenta',
    'resp.seller': 'Vendedor',
    'resp.carrier': 'Transportista',
    'resp.buyer': 'Comprador',
    'resp.platform': 'Plataforma',
    'actor.user': 'Equipo',
    'actor.buyer': 'Comprador',
    'actor.system': 'Sistema',
    'actor.platform': 'Plataforma',
    'kind.message': 'mensajes del cliente',
    'kind.note': 'notas internas',
    'kind.attachment': 'adjuntos',
    'kind.photos': 'fotos',
    'kind.remedy_offered': 'solución ofrecida',
    'kind.remedy_approved': 'solución aprobada',
    'kind.remedy_given': 'solución concedida',
    'kind.refund': 'comprobante de reembolso',
    'kind.coupon': 'cupón',
    'kind.reship': 'reenvío',
    'kind.tracking': 'seguimiento del envío',
    'kind.inspection': 'inspección en almacén',
    'kind.classification': 'clasificación',
    'kind.responsibility': 'decisión de responsabilidad',
    'kind.status_change': 'cambio de estado',
    'kind.policy_snapshot': 'política de devolución / reembolso',
    'kind.order_snapshot': 'detalles del pedido',
  },
  'zh-CN': {
    file: '文件',
    details: '详情',
    title: '证据包',
    case: '案件',
    reason: '争议原因',
    generated: '生成时间',
    chainHead: '证据链头部',
    checkpoint: '最近签名检查点',
    none: '无',
    overview: '概要',
    order: '订单',
    responsibility: '责任认定',
    policy: '适用政策',
    timeline: '时间线',
    communication: '客户沟通记录',
    remedies: '补救、退款与优惠券',
    shipping: '发货与退货凭证',
    files: '附带文件',
    photos: '照片',
    warnings: '缺失的证据',
    noWarnings: '该原因通常需要的证据均已附上。',
    when: '时间',
    who: '操作人',
    what: '内容',
    section: '分类',
    integrity: '每个文件及其 SHA-256 均列于 manifest.json；每条记录都属于防篡改哈希链。',
    missing: '缺少“{what}”，“{reason}”通常需要此证据。',
    'section.customer_communication': '客户沟通',
    'section.shipping_documentation': '物流单据',
    'section.refund_policy': '退款政策',
    'section.product_description': '商品描述',
    'section.uncategorised': '其他文件',
    'reason.item_not_received': '未收到商品',
    'reason.not_as_described': '与描述不符',
    'reason.damaged': '商品损坏',
    'reason.unauthorised': '未经授权的购买',
    'reason.refund_not_received': '未收到退款',
    'reason.account_appeal': '店铺申诉',
    'resp.seller': '卖家',
    'resp.carrier': '承运商',
    'resp.buyer': '买家',
    'resp.platform': '平台',
    'actor.user': '客服',
    'actor.buyer': '买家',
    'actor.system': '系统',
    'actor.platform': '平台',
    'kind.message': '客户消息',
    'kind.note': '内部备注',
    'kind.attachment': '附件',
    'kind.photos': '照片',
    'kind.remedy_offered': '提出的补救方案',
    'kind.remedy_approved': '已批准的补救方案',
    'kind.remedy_given': '已执行的补救方案',
    'kind.refund': '退款记录',
    'kind.coupon': '优惠券',
    'kind.reship': '补发',
    'kind.tracking': '物流跟踪',
    'kind.inspection': '仓库质检',
    'kind.classification': '问题分类',
    'kind.responsibility': '责任判定',
    'kind.status_change': '状态变更',
    'kind.policy_snapshot': '退货/退款政策',
    'kind.order_snapshot': '订单详情',
  },
};

export function tr(lang: PackLanguage, key: string, vars: Record<string, string> = {}): string {
  const s = LABELS[lang][key] ?? LABELS.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? '');
}
