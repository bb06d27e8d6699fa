import { and, eq, inArray } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { ticketLanguageIn, ticketMessageIn } from '../helpdesk/index.js';
import type { TranslationLanguage, TranslationSettingsView, TranslationView } from './translation.dto.js';
import { deeplTranslator, type FetchLike, type Translator } from './translation.deepl.js';
import { openKey, sealKey } from './translation.secret.js';
import { messageTranslations, translationSettings, translationUserPrefs } from './translation.schema.js';

const DESK = ['owner', 'supervisor', 'agent'] as const;

/**
 * Translation for the reader: a buyer's message in the agent's language, an agent's draft in the
 * buyer's. Translations are stored beside the original message (never replacing it; evidence
 * keeps the original) and each is asked of the provider once per message and language.
 */
export function createTranslationService(deps: { db: Database; clock: Clock; secretKey: Buffer; fetch: FetchLike; translatorFor?: (s: { baseUrl: string; apiKey: string }) => Translator }) {
  const { db, clock } = deps;
  const makeTranslator = deps.translatorFor ?? ((s) => deeplTranslator({ ...s, fetch: deps.fetch }));

  async function translatorOf(orgId: string): Promise<Translator> {
    const [s] = await db.tenant(orgId, (tx) => tx.select().from(translationSettings).where(eq(translationSettings.orgId, orgId)));
    if (!s || !s.apiKeyEnc) throw AppError.conflict('translation.not_configured', 'No translation service is set up: an owner adds the DeepL API key under Settings');
    return makeTranslator({ baseUrl: s.baseUrl, apiKey: openKey(deps.secretKey, s.apiKeyEnc) });
  }

  const view = (r: typeof messageTranslations.$inferSelect): TranslationView => ({ messageId: r.messageId, target: r.targetLang, sourceLanguage: r.sourceLang, text: r.text, provider: r.provider });

  return {
    async settings(actor: Actor): Promise<TranslationSettingsView> {
      requireRole(actor, ['owner', 'supervisor'], 'reading translation settings');
      const [s] = await db.tenant(actor.orgId, (tx) => tx.select().from(translationSettings).where(eq(translationSettings.orgId, actor.orgId)));
      return { baseUrl: s?.baseUrl ?? null, hasKey: !!s?.apiKeyEnc };
    },

    async setSettings(actor: Actor, input: { baseUrl: string; apiKey?: string | null }): Promise<TranslationSettingsView> {
      requireRole(actor, ['owner'], 'changing translation settings');
      const now = clock.now();
      await db.tenant(actor.orgId, async (tx) => {
        const [cur] = await tx.select().from(translationSettings).where(eq(translationSettings.orgId, actor.orgId));
        const apiKeyEnc = input.apiKey === undefined ? (cur?.apiKeyEnc ?? null) : input.apiKey === null ? null : sealKey(deps.secretKey, input.apiKey);
        await tx
          .insert(translationSettings)
          .values({ orgId: actor.orgId, baseUrl: input.baseUrl, apiKeyEnc, updatedAt: now })
          .onConflictDoUpdate({ target: [translationSettings.orgId], set: { baseUrl: input.baseUrl, apiKeyEnc, updatedAt: now } });
      });
      return { baseUrl: input.baseUrl, hasKey: input.apiKey === undefined ? (await this.settings({ ...actor, role: 'owner' })).hasKey : input.apiKey !== null };
    },

    async preference(actor: Actor): Promise<{ alwaysTranslate: boolean }> {
      requireRole(actor, DESK, 'translation preferences');
      const [p] = await db.tenant(actor.orgId, (tx) => tx.select().from(translationUserPrefs).where(and(eq(translationUserPrefs.orgId, actor.orgId), eq(translationUserPrefs.userId, actor.userId))));
      return { alwaysTranslate: p?.alwaysTranslate ?? false };
    },

    async setPreference(actor: Actor, alwaysTranslate: boolean): Promise<{ alwaysTranslate: boolean }> {
      requireRole(actor, DESK, 'translation preferences');
      const now = clock.now();
      await db.tenant(actor.orgId, (tx) =>
        tx
          .insert(translationUserPrefs)
          .values({ orgId: actor.orgId, userId: actor.userId, alwaysTranslate, updatedAt: now })
          .onConflictDoUpdate({ target: [translationUserPrefs.orgId, translationUserPrefs.userId], set: { alwaysTranslate, updatedAt: now } }),
      );
      return { alwaysTranslate };
    },

    /** Stored translations of a ticket's messages into one language. */
    async listForTicket(actor: Actor, ticketId: string, target: TranslationLanguage): Promise<TranslationView[]> {
      requireRole(actor, DESK, 'reading translations');
      return db.tenant(actor.orgId, async (tx) => {
        if (!(await ticketLanguageIn(tx, actor.orgId, ticketId))) throw AppError.notFound('ticket', ticketId);
        const rows = await tx.select().from(messageTranslations).where(and(eq(messageTranslations.orgId, actor.orgId), eq(messageTranslations.ticketId, ticketId), eq(messageTranslations.targetLang, target)));
        return rows.map(view);
      });
    },

    /** Translate messages of a ticket (those not yet translated into `target`) and store them. */
    async translateMessages(actor: Actor, ticketId: string, target: TranslationLanguage, messageIds: string[]): Promise<TranslationView[]> {
      requireRole(actor, DESK, 'translating messages');
      const { ticket, messages, existing } = await db.tenant(actor.orgId, async (tx) => {
        const ticket = await ticketLanguageIn(tx, actor.orgId, ticketId);
        if (!ticket) throw AppError.notFound('ticket', ticketId);
        const messages = [];
        for (const id of [...new Set(messageIds)]) {
          const m = await ticketMessageIn(tx, actor.orgId, ticketId, id);
          if (!m) throw AppError.notFound('message', id);
          messages.push(m);
        }
        const existing = await tx
          .select()
          .from(messageTranslations)
          .where(and(eq(messageTranslations.orgId, actor.orgId), eq(messageTranslations.targetLang, target), inArray(messageTranslations.messageId, messages.map((m) => m.id))));
        return { ticket, messages, existing };
      });
      const have = new Set(existing.map((e) => e.messageId));
      const todo = messages.filter((m) => !have.has(m.id) && m.text.trim());
      if (!todo.length) return existing.map(view);
      const tr = await translatorOf(actor.orgId);
      const out = await tr.translate(
        todo.map((m) => m.text),
        target,
        null,
      );
      const now = clock.now();
      const rows = await db.tenant(actor.orgId, (tx) =>
        tx
          .insert(messageTranslations)
          .values(todo.map((m, i) => ({ orgId: actor.orgId, messageId: m.id, targetLang: target, ticketId, shopId: ticket.shopId, sourceLang: out[i]!.detectedSource ?? m.language, text: out[i]!.text, provider: tr.name, createdAt: now })))
          .onConflictDoNothing()
          .returning(),
      );
      return [...existing, ...rows].map(view);
    },

    /** An agent's draft in the buyer's language (not stored: the agent edits and sends it). */
    async translateDraft(actor: Actor, ticketId: string, text: string): Promise<{ text: string; target: string; provider: string }> {
      requireRole(actor, DESK, 'translating drafts');
      const ticket = await db.tenant(actor.orgId, (tx) => ticketLanguageIn(tx, actor.orgId, ticketId));
      if (!ticket) throw AppError.notFound('ticket', ticketId);
      const target = (['en', 'de', 'fr', 'it', 'es'].includes(ticket.language) ? ticket.language : 'en') as TranslationLanguage;
      const tr = await translatorOf(actor.orgId);
      const [r] = await tr.translate([text], target, null);
      return { text: r!.text, target, provider: tr.name };
    },
  };
}

export type TranslationService = ReturnType<typeof createTranslationService>;
