/**
 * Each shop's WhatsApp Business number on the Cloud API: settings (secrets sealed), the webhook
 * (handshake, signature, inbound messages into tickets, delivery statuses onto our replies),
 * received media fetched into evidence files by an outbox step, and replies sent as text or media.
 */
import { and, eq } from 'drizzle-orm';
import crypto from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { enqueue, PermanentError, type OutboxRegistry } from '../../platform/outbox/outbox.js';
import type { OutboundPolicy } from '../../platform/outbound.js';
import { decryptSecret, encryptSecret } from '../../platform/secrets.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import type { HelpdeskService } from '../../modules/helpdesk/index.js';
import { shopIn } from '../../modules/tenancy/index.js';
import { GraphRateLimited, mediaKindOf, parseCloudWebhook, verifyHubSignature, WhatsAppCloudProvider } from './cloud.js';
import { whatsappNumbers, type WhatsAppNumberRow } from './whatsapp.schema.js';
import type { WhatsAppNumberInput, WhatsAppNumberView } from './whatsapp.dto.js';
import { WhatsAppSendPayload, whatsappToInbound, type WhatsAppProvider } from './whatsapp.js';
import { zodIssues } from '../../platform/validation.js';

export interface WhatsAppFiles {
  storeFile(orgId: string, input: { bytes: Buffer; fileName: string; declaredContentType?: string }): Promise<{ sha256: string; contentType: string; size: number }>;
  readFile(orgId: string, sha256: string): Promise<{ bytes: Buffer; contentType: string; fileName: string; size: number }>;
}

export interface WhatsAppDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  secretKey: Buffer;
  outbound: Pick<OutboundPolicy, 'fetch' | 'allow'>;
  helpdesk: Pick<HelpdeskService, 'ingestInbound' | 'markDelivery' | 'markDeliveryByExternalId' | 'attachStoredFile'>;
  files: WhatsAppFiles;
  /** The Graph API base (the demo's and tests' stand-in) and version. */
  graph: { base: string; version: string };
  /** Our public URL, for the callback address shown in settings. */
  publicUrl: string;
  /** Told once when a number that was working has its credentials refused (the owners hear of it). */
  onFailing?: (orgId: string, shopId: string, step: string) => Promise<void>;
}

/**
 * Graph error codes that mean the number's credentials or permissions are refused (not one
 * message's problem): 190 invalid or expired token, 10 and 200 permission, 131005 access denied,
 * 131031 account locked.
 */
const CREDENTIAL_CODES: Record<string, string> = { '190': 'token', '10': 'permission', '200': 'permission', '131005': 'permission', '131031': 'account' };

export const FETCH_MEDIA = 'whatsapp.fetch_media';

export function createWhatsAppNumbers(d: WhatsAppDeps) {
  const seal = (s: string) => encryptSecret(d.secretKey, s);
  const unseal = (s: string) => decryptSecret(d.secretKey, s);
  // The configured Graph base is ours to call (like the TikTok API base); media URLs it hands out
  // are data and pass the outbound rule on their own.
  try {
    const u = new URL(d.graph.base);
    d.outbound.allow(`${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`);
  } catch {
    /* a bad base fails at config validation */
  }

  const view = (r: WhatsAppNumberRow): WhatsAppNumberView => ({
    id: r.id,
    shopId: r.shopId,
    phoneNumberId: r.phoneNumberId,
    displayNumber: r.displayNumber,
    businessAccountId: r.businessAccountId,
    status: r.status,
    webhookUrl: `${d.publicUrl.replace(/\/$/, '')}/webhooks/whatsapp/${r.id}`,
    lastWebhookAt: r.lastWebhookAt?.toISOString() ?? null,
    updatedAt: r.updatedAt.toISOString(),
    lastError: r.lastError,
  });

  /**
   * Run a Graph call for a number: a refused credential marks the number failing (the first time
   * tells the owners); a success after that clears it.
   */
  async function watched<T>(r: WhatsAppNumberRow, call: () => Promise<T>): Promise<T> {
    try {
      const out = await call();
      if (r.failingSince) await d.db.tenant(r.orgId, (tx) => tx.update(whatsappNumbers).set({ failingSince: null, lastError: null }).where(and(eq(whatsappNumbers.orgId, r.orgId), eq(whatsappNumbers.id, r.id))));
      return out;
    } catch (e) {
      const step = e instanceof PermanentError && e.code ? CREDENTIAL_CODES[e.code] : undefined;
      if (step) {
        const [was] = await d.db.tenant(r.orgId, async (tx) => {
          const [before] = await tx.select({ failingSince: whatsappNumbers.failingSince }).from(whatsappNumbers).where(and(eq(whatsappNumbers.orgId, r.orgId), eq(whatsappNumbers.id, r.id))).for('update');
          await tx.update(whatsappNumbers).set({ failingSince: before?.failingSince ?? d.clock.now(), lastError: (e as Error).message.slice(0, 500) }).where(and(eq(whatsappNumbers.orgId, r.orgId), eq(whatsappNumbers.id, r.id)));
          return [before];
        });
        if (was && !was.failingSince && d.onFailing) await d.onFailing(r.orgId, r.shopId, step).catch((err: unknown) => d.log.warn({ err }, 'could not tell the owners about a failing WhatsApp number'));
      }
      throw e;
    }
  }

  const graph = { ...d.graph };
  const cloudFor = (r: WhatsAppNumberRow) =>
    new WhatsAppCloudProvider({ phoneNumberId: r.phoneNumberId, accessToken: unseal(r.accessToken), baseUrl: graph.base, apiVersion: graph.version, fetchImpl: (url, init) => d.outbound.fetch(url, init) });

  async function rowOfShop(orgId: string, shopId: string): Promise<WhatsAppNumberRow | undefined> {
    return d.db.tenant(orgId, async (tx) => (await tx.select().from(whatsappNumbers).where(and(eq(whatsappNumbers.orgId, orgId), eq(whatsappNumbers.shopId, shopId))).limit(1))[0]);
  }

  /** The number a webhook path names, across organisations (the path carries no session). */
  async function rowById(id: string): Promise<WhatsAppNumberRow | undefined> {
    return d.db.system(async (tx) => (await tx.select().from(whatsappNumbers).where(eq(whatsappNumbers.id, id)).limit(1))[0]);
  }

  async function requireShop(orgId: string, shopId: string): Promise<void> {
    const ok = await d.db.tenant(orgId, (tx) => shopIn(tx, orgId, shopId).then(() => true, () => false));
    if (!ok) throw AppError.notFound('shops', shopId);
  }

  return {
    /** Point the Graph API at another base (the demo's stand-in, started after composition). */
    retargetGraph(base: string): void {
      const u = new URL(base);
      d.outbound.allow(`${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`);
      graph.base = base;
    },

    /**
     * One text we start ourselves (a promo code), through the shop's Cloud API number or, without
     * one, the fallback line. Like replies, a send whose outcome is unclear is not repeated blindly.
     */
    async sendText(orgId: string, shopId: string, m: { from: string | null; to: string; text: string; key: string; template?: { name: string; language: string; params: string[] } }, fallback: WhatsAppProvider): Promise<{ messageId: string; provider: string; template?: boolean }> {
      const r = await rowOfShop(orgId, shopId);
      if (!r || r.status === 'paused') {
        const sent = await fallback.send({ from: m.from, to: m.to, text: m.text, messageKey: m.key });
        return { messageId: sent.messageId, provider: fallback.kind };
      }
      const cloud = cloudFor(r);
      try {
        return await watched(r, async () => {
          try {
          const sent = await cloud.sendText(m.to, m.text);
          return { messageId: sent.messageId, provider: cloud.kind };
        } catch (e) {
          // Outside the buyer's 24-hour window (131047) only an approved template may start the conversation.
          if (!(e instanceof PermanentError && e.code === '131047' && m.template)) throw e;
          const sent = await cloud.sendTemplate(m.to, m.template);
          return { messageId: sent.messageId, provider: cloud.kind, template: true };
          }
        });
      } catch (e) {
        if (e instanceof PermanentError || e instanceof GraphRateLimited) throw e;
        throw new PermanentError(`WhatsApp did not answer clearly; not resent automatically in case it arrived (${(e as Error).message})`, 'whatsapp.outcome_unknown');
      }
    },

    async get(actor: Actor, shopId: string): Promise<WhatsAppNumberView | null> {
      requireRole(actor, ['owner', 'supervisor'], 'viewing WhatsApp settings');
      await requireShop(actor.orgId, shopId);
      const r = await rowOfShop(actor.orgId, shopId);
      return r ? view(r) : null;
    },

    async save(actor: Actor, shopId: string, input: WhatsAppNumberInput): Promise<WhatsAppNumberView> {
      requireRole(actor, ['owner'], 'changing WhatsApp settings');
      await requireShop(actor.orgId, shopId);
      const existing = await rowOfShop(actor.orgId, shopId);
      if (!existing) {
        const missing = (['accessToken', 'appSecret', 'verifyToken'] as const).filter((k) => !input[k]);
        if (missing.length) throw AppError.validation('whatsapp.secret_required', 'A new number needs its access token, app secret and verify token', missing.map((field) => ({ field, message: 'required' })));
      }
      const now = d.clock.now();
      const values = {
        phoneNumberId: input.phoneNumberId,
        displayNumber: input.displayNumber,
        businessAccountId: input.businessAccountId ?? existing?.businessAccountId ?? null,
        status: input.status ?? existing?.status ?? 'active',
        ...(input.accessToken ? { accessToken: seal(input.accessToken) } : {}),
        ...(input.appSecret ? { appSecret: seal(input.appSecret) } : {}),
        ...(input.verifyToken ? { verifyToken: seal(input.verifyToken) } : {}),
        // New credentials (or a resumed number) start clean; the next refusal tells the owners again.
        ...(input.accessToken || input.status === 'active' ? { failingSince: null, lastError: null } : {}),
        updatedAt: now,
      };
      try {
        const row = await d.db.tenant(actor.orgId, async (tx) => {
          if (existing) return (await tx.update(whatsappNumbers).set(values).where(and(eq(whatsappNumbers.orgId, actor.orgId), eq(whatsappNumbers.id, existing.id))).returning())[0]!;
          return (await tx.insert(whatsappNumbers).values({ orgId: actor.orgId, id: d.ids('wan'), shopId, ...values, accessToken: seal(input.accessToken!), appSecret: seal(input.appSecret!), verifyToken: seal(input.verifyToken!), createdAt: now }).returning())[0]!;
        });
        return view(row);
      } catch (e) {
        if ((e as { cause?: { code?: string }; code?: string }).cause?.code === '23505' || (e as { code?: string }).code === '23505') throw AppError.conflict('whatsapp.number_taken', 'This WhatsApp number is already connected to a shop', { field: 'phoneNumberId' });
        throw e;
      }
    },

    async remove(actor: Actor, shopId: string): Promise<void> {
      requireRole(actor, ['owner'], 'removing a WhatsApp number');
      await requireShop(actor.orgId, shopId);
      const gone = await d.db.tenant(actor.orgId, (tx) => tx.delete(whatsappNumbers).where(and(eq(whatsappNumbers.orgId, actor.orgId), eq(whatsappNumbers.shopId, shopId))).returning({ id: whatsappNumbers.id }));
      if (!gone.length) throw new AppError('not_found', 'whatsapp.no_number', 'This shop has no WhatsApp number');
    },

    /** The subscription handshake: the challenge back only for this number's verify token. */
    async verify(numberId: string, q: { mode?: string; token?: string; challenge?: string }): Promise<string | null> {
      const r = await rowById(numberId);
      if (!r || q.mode !== 'subscribe' || !q.token || q.challenge === undefined) return null;
      const want = Buffer.from(unseal(r.verifyToken));
      const got = Buffer.from(q.token);
      return want.length === got.length && crypto.timingSafeEqual(want, got) ? q.challenge : null;
    },

    /**
     * A signed webhook for one number: buyer messages become tickets (media fetched afterwards by
     * an outbox step each), statuses update our replies. 401 for an unknown number or a bad
     * signature, so a forged body changes nothing.
     */
    async webhook(numberId: string, raw: Buffer, signature: string | undefined): Promise<{ status: 200 | 401; messages: number; statuses: number }> {
      const r = await rowById(numberId);
      if (!r || !verifyHubSignature(unseal(r.appSecret), raw, signature)) return { status: 401, messages: 0, statuses: 0 };
      let payload: unknown;
      try {
        payload = JSON.parse(raw.toString('utf8'));
      } catch {
        return { status: 200, messages: 0, statuses: 0 };
      }
      const { messages, statuses } = parseCloudWebhook(payload);
      let n = 0;
      for (const m of messages) {
        // A body for another number of the same Meta app is not this shop's business.
        if (m.phoneNumberId !== r.phoneNumberId) continue;
        const res = await d.helpdesk.ingestInbound(whatsappToInbound(r.orgId, r.shopId, m.message));
        n++;
        if (m.mediaIds.length && res.created !== undefined) {
          await d.db.tenant(r.orgId, async (tx) => {
            for (const [index, mediaId] of m.mediaIds.entries()) {
              await enqueue(tx, { orgId: r.orgId, handler: FETCH_MEDIA, idempotencyKey: `whatsapp.media:${m.message.messageId}:${index}`, payload: { numberId: r.id, mediaId, messageId: res.messageId, index }, subjectType: 'ticket_message', subjectId: res.messageId }, { ids: d.ids, clock: d.clock });
            }
          });
        }
      }
      let s = 0;
      for (const st of statuses) {
        if (st.phoneNumberId !== r.phoneNumberId) continue;
        const hit = await d.helpdesk.markDeliveryByExternalId(r.orgId, 'whatsapp', st.wamid, st.status === 'failed' ? { status: 'failed', error: st.error } : { status: 'sent', ...(st.status === 'sent' ? {} : { detail: st.status }) });
        if (hit) s++;
      }
      await d.db.tenant(r.orgId, (tx) => tx.update(whatsappNumbers).set({ lastWebhookAt: d.clock.now() }).where(and(eq(whatsappNumbers.orgId, r.orgId), eq(whatsappNumbers.id, r.id))));
      return { status: 200, messages: n, statuses: s };
    },

    /** Outbox handlers: media in (Graph → evidence file) and replies out (text, then each file). */
    registerOutboxHandlers(outbox: OutboxRegistry, fallback: WhatsAppProvider): void {
      outbox.register(FETCH_MEDIA, async (raw, ctx) => {
        const p = raw as { numberId: string; mediaId: string; messageId: string; index: number };
        const r = await rowById(p.numberId);
        if (!r || r.orgId !== ctx.orgId) throw new PermanentError('The WhatsApp number is gone');
        const file = await watched(r, () => cloudFor(r).download(p.mediaId));
        const ext = file.contentType.split('/')[1]?.split(';')[0] ?? 'bin';
        const stored = await d.files.storeFile(ctx.orgId, { bytes: file.bytes, fileName: `whatsapp-${p.mediaId}.${ext}`, declaredContentType: file.contentType });
        await d.helpdesk.attachStoredFile(ctx.orgId, { messageId: p.messageId, index: p.index, sha256: stored.sha256, contentType: stored.contentType, size: stored.size });
        return { sha256: stored.sha256, size: stored.size };
      });

      outbox.register('whatsapp.send', async (raw, ctx) => {
        const parsed = WhatsAppSendPayload.safeParse(raw);
        if (!parsed.success) throw new PermanentError(`whatsapp.send payload is invalid: ${zodIssues(parsed.error).map((i) => i.field).join(', ')}`);
        const p = parsed.data;
        if (!p.to) {
          await d.helpdesk.markDelivery(ctx.orgId, p.messageId, 'failed');
          throw new PermanentError('The buyer has no WhatsApp number on this ticket', 'whatsapp.no_recipient');
        }
        const r = await rowOfShop(ctx.orgId, p.shopId);
        if (!r || r.status === 'paused') {
          // A shop without a Cloud API number: the local line of the demo and tests.
          const sent = await fallback.send({ from: p.from, to: p.to, text: p.text, messageKey: ctx.idempotencyKey });
          await d.helpdesk.markDelivery(ctx.orgId, p.messageId, 'sent', null, sent.messageId);
          return { providerMessageId: sent.messageId, provider: fallback.kind };
        }
        // The Cloud API takes no idempotency key and cannot list what was sent, so a send whose
        // outcome is unknown (no answer, a 5xx) is never repeated blindly: the step fails and the
        // agent decides. Only "too many requests" (nothing sent) is retried.
        const cloud = cloudFor(r);
        const once = async <T>(what: () => Promise<T>): Promise<T> => {
          try {
            return await what();
          } catch (e) {
            if (e instanceof PermanentError || e instanceof GraphRateLimited) throw e;
            throw new PermanentError(`WhatsApp did not answer clearly; not resent automatically in case it arrived (${(e as Error).message})`, 'whatsapp.outcome_unknown');
          }
        };
        const ids: string[] = [];
        const text = await watched(r, () => once(() => cloud.sendText(p.to!, p.text)));
        ids.push(text.messageId);
        for (const a of p.attachments ?? []) {
          if (!a.sha256) continue;
          const f = await d.files.readFile(ctx.orgId, a.sha256);
          const mediaId = await cloud.upload({ bytes: f.bytes, contentType: a.contentType ?? f.contentType, fileName: a.fileName ?? f.fileName });
          const m = await once(() => cloud.sendMedia(p.to!, { kind: mediaKindOf(a.contentType ?? f.contentType), id: mediaId, filename: a.fileName ?? f.fileName }));
          ids.push(m.messageId);
        }
        await d.helpdesk.markDelivery(ctx.orgId, p.messageId, 'sent', null, text.messageId);
        return { providerMessageId: text.messageId, mediaMessageIds: ids.slice(1), provider: cloud.kind };
      });
    },
  };
}

export type WhatsAppNumbers = ReturnType<typeof createWhatsAppNumbers>;
