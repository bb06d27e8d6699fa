import type { Executor } from '../../platform/db.js';

/**
 * Everything one buyer is, gathered across modules before an export or an erasure. Each
 * registration's `scope` adds what it knows (orders → order ids, helpdesk → tickets …), in
 * registration order, so later modules can follow earlier ones' links.
 */
export interface BuyerSubject {
  orgId: string;
  buyerId: string;
  emails: Set<string>;
  phones: Set<string>;
  platformBuyerIds: Set<string>;
  orderIds: Set<string>;
  externalOrderIds: Set<string>;
  platformReturnIds: Set<string>;
  ticketIds: Set<string>;
  /** Ticket id → the order it is about (a dispute over an order holds back its tickets). */
  ticketOrders: Map<string, string | null>;
  returnIds: Set<string>;
  /** Evidence cases of this buyer (ticket and return ids). */
  caseIds: Set<string>;
  /** Case id → why it is held back (an open dispute needs it: GDPR Art. 17(3)(e)). */
  holdBack: Map<string, string>;
  /** Stored files (sha256) of this buyer: attachments, return photos. */
  files: Set<string>;
  /** File → the cases it belongs to, so a held-back case keeps its files. */
  fileCases: Map<string, Set<string>>;
}

/** Note a buyer's file and the case it belongs to. */
export function addFile(s: BuyerSubject, sha256: string, caseId: string): void {
  s.files.add(sha256);
  const cases = s.fileCases.get(sha256) ?? new Set<string>();
  cases.add(caseId);
  s.fileCases.set(sha256, cases);
}

export function emptySubject(orgId: string, buyerId: string): BuyerSubject {
  return {
    orgId,
    buyerId,
    emails: new Set(),
    phones: new Set(),
    platformBuyerIds: new Set(),
    orderIds: new Set(),
    externalOrderIds: new Set(),
    platformReturnIds: new Set(),
    ticketIds: new Set(),
    ticketOrders: new Map(),
    returnIds: new Set(),
    caseIds: new Set(),
    holdBack: new Map(),
    files: new Set(),
    fileCases: new Map(),
  };
}

export interface PersonalTable {
  table: string;
  /** Columns that point at a buyer (buyer_id, buyer_external_id …). */
  buyerColumns: string[];
  /** Columns whose content is personal (names, e-mails, phones, addresses, message text, photos). */
  personalColumns: string[];
}

export interface HeldBackItem {
  recordId?: string;
  caseId: string;
  caseType?: string;
  reason: 'legal_claims';
  basis: 'GDPR Art. 17(3)(e)';
  why: string;
}

export interface EraseOutcome {
  /** Rows changed per table. */
  counts: Record<string, number>;
  heldBack?: HeldBackItem[];
  /** Files whose organisation row went; their bytes are removed after commit. */
  forgottenFiles?: string[];
}

/** Retention periods of an organisation, in days (null: keep). */
export interface RetentionPolicy {
  closedTicketContentDays: number | null;
  webhookBodyDays: number | null;
  orderPersonalDays: number | null;
}

/** Cases and orders an open dispute still needs (GDPR Art. 17(3)(e)); retention leaves them alone. */
export interface LegalHolds {
  caseIds: Set<string>;
  orderIds: Set<string>;
}

export interface EraseContext {
  erasureId: string;
  at: Date;
  /** Filled for retention runs from every registration's `legalHolds`. */
  holds: LegalHolds;
  /** Replaces identifiers that must stay unique (a platform buyer id, a thread id): a salted HMAC. */
  pseudonym(value: string): string;
}

/**
 * What a module declares about the personal data it holds. Every table with a buyer reference
 * or personal columns must appear in some registration's `tables` — or in `exempt` with the
 * reason it holds no buyer's data (staff, configuration) — or `privacy.registry.test.ts` fails.
 */
export interface PrivacyRegistration {
  module: string;
  tables: PersonalTable[];
  exempt?: { table: string; reason: string }[];
  scope?(tx: Executor, s: BuyerSubject): Promise<void>;
  export(tx: Executor, s: BuyerSubject): Promise<Record<string, unknown>>;
  erase(tx: Executor, s: BuyerSubject, ctx: EraseContext): Promise<EraseOutcome>;
  /** Cases and orders this module knows to be under an open dispute (read before retention runs). */
  legalHolds?(tx: Executor, orgId: string): Promise<{ caseIds: string[]; orderIds: string[] }>;
  /** Apply the organisation's retention periods; returns rows changed per table. */
  retain?(tx: Executor, orgId: string, policy: RetentionPolicy, now: Date, ctx: EraseContext): Promise<Record<string, number>>;
}

export const DAY_MS = 86_400_000;
export const cutoff = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);
export const ids = (s: Set<string>) => [...s];

/** Column names that mean a buyer reference or personal content. */
export const PERSONAL_COLUMN = /(^|_)(buyer|customer|author|recipient|sender)(_|$)|name$|email|e_mail|phone|address|body|text|message|note|preview|subject|photo|video|attachment|payload|^data$|^actor$|^summary$/;

/**
 * Checks a database catalogue (table → columns) against the registrations: tables with
 * personal-looking columns nobody registered or exempted, and registered tables or columns
 * that no longer exist.
 */
export function checkRegistry(catalogue: Map<string, string[]>, registrations: PrivacyRegistration[], ignore: string[] = ['afterdesk_migrations']): { unregistered: string[]; stale: string[] } {
  const known = new Set<string>();
  const stale: string[] = [];
  for (const r of registrations) {
    for (const t of r.tables) {
      known.add(t.table);
      const cols = catalogue.get(t.table);
      if (!cols) stale.push(`${r.module}: ${t.table}`);
      else for (const c of [...t.buyerColumns, ...t.personalColumns]) if (!cols.includes(c)) stale.push(`${r.module}: ${t.table}.${c}`);
    }
    for (const e of r.exempt ?? []) {
      known.add(e.table);
      if (!catalogue.has(e.table)) stale.push(`${r.module}: ${e.table} (exempt)`);
    }
  }
  const unregistered = [...catalogue]
    .filter(([t, cols]) => !known.has(t) && !ignore.includes(t) && cols.some((c) => PERSONAL_COLUMN.test(c)))
    .map(([t]) => t)
    .sort();
  return { unregistered, stale };
}
