/**
 * Pure decisions about mail: which mail a machine wrote, what the receiving server said about the
 * sender's authentication, whether a mail is our own copy, and the ticket token in subjects.
 */
import type { AutomatedKind, ChannelMeta } from '../../modules/helpdesk/index.js';

/** Header lookup by lower-case name (mailparser's `headers` map, or a plain object in tests). */
export type Headers = { get(name: string): unknown };

const text = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(text).join(', ');
  if (typeof v === 'object' && 'value' in (v as object)) {
    const o = v as { value: unknown; params?: Record<string, string> };
    const params = o.params ? Object.entries(o.params).map(([k, p]) => `; ${k}=${p}`).join('') : '';
    return `${text(o.value)}${params}`;
  }
  if (typeof v === 'object' && 'text' in (v as object)) return String((v as { text: unknown }).text);
  return String(v);
};

const AUTO_SUBJECT = /^(out of (the )?office|automatic reply|auto(matic)?[- ]?reply|autoreply|abwesenheitsnotiz|automatische antwort|réponse automatique|absence du bureau|risposta automatica|fuori ufficio|respuesta automática|fuera de la oficina)\b/i;

/**
 * Mail a machine wrote, after RFC 3834 (Auto-Submitted), RFC 3464 delivery reports, RFC 2369/2919
 * list headers and the de-facto headers of common auto-responders. Such mail starts no SLA clock.
 */
export function automatedKind(h: Headers, from: string, subject: string): AutomatedKind | undefined {
  const local = from.split('@')[0]?.toLowerCase() ?? '';
  const contentType = text(h.get('content-type')).toLowerCase();
  if (local === 'mailer-daemon' || local === 'postmaster' || h.get('x-failed-recipients') !== undefined) return 'bounce';
  if (contentType.includes('multipart/report') && contentType.includes('delivery-status')) return 'bounce';
  const autoSubmitted = text(h.get('auto-submitted')).trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return 'auto_reply';
  if (h.get('x-autoreply') !== undefined || h.get('x-autorespond') !== undefined) return 'auto_reply';
  const precedence = text(h.get('precedence')).trim().toLowerCase();
  if (precedence === 'auto_reply') return 'auto_reply';
  if (h.get('list-id') !== undefined || h.get('list-unsubscribe') !== undefined || ['bulk', 'list', 'junk'].includes(precedence)) return 'list';
  if (AUTO_SUBJECT.test(subject.trim())) return 'auto_reply';
  return undefined;
}

/**
 * SPF, DKIM and DMARC verdicts from the Authentication-Results header(s) the receiving server
 * added (RFC 8601). The first verdict per method wins; a missing method stays null.
 */
export function authenticationResults(h: Headers): NonNullable<ChannelMeta['authentication']> | undefined {
  const raw = text(h.get('authentication-results'));
  if (!raw) return undefined;
  const verdict = (method: string) => new RegExp(`\\b${method}=([a-z]+)`, 'i').exec(raw)?.[1]?.toLowerCase() ?? null;
  return { spf: verdict('spf'), dkim: verdict('dkim'), dmarc: verdict('dmarc') };
}

/** Our own Message-IDs: `<ad.<key>@<domain>>` (see `ourMessageId`). */
export function ourMessageId(key: string, domain: string): string {
  return `<ad.${key.replace(/[^\w.-]/g, '_')}@${domain}>`;
}

/** A copy of a mail we sent (the server's Sent copy, or a BCC to the mailbox): never a new buyer message. */
export function isOwnMail(messageId: string, from: string, mailbox: { address: string }): boolean {
  const domain = mailbox.address.split('@')[1]?.toLowerCase() ?? '';
  return /^<ad\.[\w.-]+@/i.test(messageId) && messageId.toLowerCase().endsWith(`@${domain}>`) && from.toLowerCase() === mailbox.address.toLowerCase();
}

/**
 * A mail that claims to come from the shop's own address or an agent's: not ours (isOwnMail said
 * so), so it is a buyer's message that says so — flagged, never an agent reply.
 */
export function spoofSuspect(from: string, ours: { mailbox: string; agents: readonly string[] }): boolean {
  const f = from.toLowerCase();
  return f === ours.mailbox.toLowerCase() || ours.agents.some((a) => a.toLowerCase() === f);
}

const TOKEN = /\[#(\d{1,12})\]/;

/** The ticket number a subject carries (`Re: Strap smell [#1042]`), if any. */
export function ticketNumberIn(subject: string): number | undefined {
  const m = TOKEN.exec(subject);
  return m ? Number(m[1]) : undefined;
}

/** The subject of our reply: "Re: …" once, and the ticket token once. */
export function replySubject(subject: string, ticketNumber: number): string {
  const base = subject.replace(TOKEN, '').replace(/\s{2,}/g, ' ').trim();
  const re = /^re:/i.test(base) ? base : `Re: ${base}`;
  return `${re} [#${ticketNumber}]`;
}

/** Each IMAP step that can fail, in order, so "test connection" says exactly which one did. */
export const CONNECTION_STEPS = ['dns', 'connect', 'tls', 'login', 'folder', 'smtp'] as const;
export type ConnectionStep = (typeof CONNECTION_STEPS)[number];

/** Which step an error from a mail client belongs to. */
export function failedStep(err: { code?: unknown; message?: unknown; authenticationFailed?: unknown; responseCode?: unknown; serverResponseCode?: unknown }, phase: 'imap' | 'smtp'): ConnectionStep {
  const code = String(err.code ?? '');
  const msg = String(err.message ?? '').toLowerCase();
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'outbound.blocked' || msg.includes('getaddrinfo')) return 'dns';
  if (phase === 'smtp') return 'smtp';
  if (err.authenticationFailed || code === 'EAUTH' || /auth|login|credentials/.test(msg)) return 'login';
  if (/certificate|ssl|tls|wrong version number|self[- ]signed/.test(msg) || code.startsWith('ERR_SSL') || code === 'ESOCKET') return 'tls';
  if (code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || msg.includes('timeout')) return 'connect';
  if (msg.includes('mailbox') || msg.includes('nonexistent') || msg.includes('folder') || String(err.serverResponseCode ?? '') === 'NONEXISTENT') return 'folder';
  return 'connect';
}
