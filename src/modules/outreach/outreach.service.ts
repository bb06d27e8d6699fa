import { and, eq, gte, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import type { IdGenerator } from '../../platform/ids.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { buyerShopFacts, getBuyerIn } from './outreach.ports.js';
import { decideContact, quietUntil, DEFAULT_POLICY, type Channel, type ContactDecision, type ContactPolicy, type Purpose, type Reach } from './outreach.rules.js';
import { outreachContacts, outreachPreferences } from './outreach.schema.js';

/** What reachability is decided from (a caller that already read it passes it in). */
export interface ReachFacts {
  lastOrderAt: Date | null;
  lastChatAt: Date | null;
  hasReturnHistory: boolean;
  email: string | null;
  phone: string | null;
}

/** What the contact policy keeps about a buyer: consent, the birthday (only with consent) and recent contacts. */
export interface ContactFacts {
  marketingConsent: boolean;
  unsubscribedAt: Date | null;
  /** YYYY-MM-DD, only where the buyer gave it with consent. */
  birthday: string | null;
  history: Date[];
}

export interface OutreachDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
}

export interface ContactRequest {
  orgId: string;
  shopId: string;
  buyerId: string;
  purpose: Purpose;
  channel: Channel;
  /** The buyer's market zone (the caller knows the shop; the buyer's country wins when known). */
  zone: string;
  /** Facts only the caller has (the platform's `can_send_message`, the connection's scopes). */
  reach?: Partial<Reach>;
  policy?: ContactPolicy;
  at?: Date;
}

/**
 * The contact policy as a service: gathers reachability (orders, chats, after-sales history),
 * consent and the contact history, asks the pure rules, and records the contacts that go ahead.
 * Every message to a buyer that we start ourselves passes `decideIn` and then `recordIn`, both on
 * the caller's transaction.
 */
export function createOutreachService(deps: OutreachDeps) {
  const { ids, clock, db } = deps;

  async function preferencesIn(tx: Executor, orgId: string, buyerIds: string[]) {
    if (buyerIds.length === 0) return new Map<string, typeof outreachPreferences.$inferSelect>();
    const rows = await tx.select().from(outreachPreferences).where(and(eq(outreachPreferences.orgId, orgId), sql`${outreachPreferences.id} = any(${sql.param(buyerIds)}::text[])`));
    return new Map(rows.map((r) => [r.id, r]));
  }

  async function historyIn(tx: Executor, orgId: string, buyerIds: string[], since: Date): Promise<Map<string, Date[]>> {
    const out = new Map<string, Date[]>();
    if (buyerIds.length === 0) return out;
    const rows = await tx
      .select({ buyerId: outreachContacts.buyerId, at: outreachContacts.at })
      .from(outreachContacts)
      .where(and(eq(outreachContacts.orgId, orgId), sql`${outreachContacts.buyerId} = any(${sql.param(buyerIds)}::text[])`, gte(outreachContacts.at, since), isNull(outreachContacts.withdrawnAt)));
    for (const r of rows) out.set(r.buyerId, [...(out.get(r.buyerId) ?? []), r.at]);
    return out;
  }

  /**
   * Consent, birthday and the contact history (since `since`) of many buyers in one statement: the
   * batch a programme run asks for its whole candidate array. Buyers with neither are left out.
   */
  async function contactFactsIn(tx: Executor, orgId: string, buyerIds: string[], since: Date): Promise<Map<string, ContactFacts>> {
    const out = new Map<string, ContactFacts>();
    if (buyerIds.length === 0) return out;
    const r = await tx.execute(sql`with b as (select unnest(${sql.param(buyerIds)}::text[]) as id)
      select b.id, p.marketing_consent, p.unsubscribed_at, p.birthday::text as birthday, p.birthday_consent, h.ats
      from b
      left join outreach_preferences p on p.org_id = ${orgId} and p.id = b.id
      left join lateral (select array_agg(c.at order by c.at) as ats from outreach_contacts c where c.org_id = ${orgId} and c.buyer_id = b.id and c.at >= ${since.toISOString()}::timestamptz and c.withdrawn_at is null) h on true
      where p.id is not null or h.ats is not null`);
    for (const x of r.rows as { id: string; marketing_consent: boolean | null; unsubscribed_at: string | null; birthday: string | null; birthday_consent: boolean | null; ats: (string | Date)[] | string | null }[]) {
      const ats = Array.isArray(x.ats) ? x.ats : typeof x.ats === 'string' ? x.ats.replace(/^\{|\}$/g, '').split(',').filter(Boolean).map((t) => t.replace(/^"|"$/g, '')) : [];
      out.set(x.id, {
        marketingConsent: !!x.marketing_consent,
        unsubscribedAt: x.unsubscribed_at ? new Date(x.unsubscribed_at) : null,
        birthday: x.birthday_consent && x.birthday ? x.birthday.slice(0, 10) : null,
        history: ats.map((t) => new Date(t)),
      });
    }
    return out;
  }

  /** Decide for many buyers of one shop at once (programmes); same answer as one by one. */
  async function decideManyIn(tx: Executor, base: Omit<ContactRequest, 'buyerId'>, buyerIds: string[], known?: Map<string, ReachFacts>, contacts?: Map<string, ContactFacts>): Promise<Map<string, ContactDecision>> {
    const now = base.at ?? clock.now();
    // One after the other on the transaction's one connection.
    const facts = known ?? (await buyerShopFacts(tx, base.orgId, base.shopId, buyerIds, now));
    const contact = contacts ?? (await contactFactsIn(tx, base.orgId, buyerIds, new Date(now.getTime() - 31 * 86_400_000)));
    const policy = base.policy ?? DEFAULT_POLICY;
    // The quiet hours are the same for every buyer of the batch (one zone): worked out once.
    const quiet = quietUntil(now, base.zone, policy.quietHours);
    const out = new Map<string, ContactDecision>();
    for (const id of buyerIds) {
      const f = facts.get(id);
      const p = contact.get(id);
      out.set(
        id,
        decideContact({
          purpose: base.purpose,
          channel: base.channel,
          reach: { lastOrderAt: f?.lastOrderAt ?? null, lastChatAt: f?.lastChatAt ?? null, hasReturnHistory: f?.hasReturnHistory ?? false, hasAddress: base.channel === 'email' ? !!f?.email : base.channel === 'whatsapp' ? !!f?.phone : undefined, ...base.reach },
          consent: { marketingConsent: p?.marketingConsent ?? false, unsubscribedAt: p?.unsubscribedAt ?? null },
          zone: base.zone,
          now,
          history: p?.history ?? [],
          policy,
          quietUntil: quiet,
        }),
      );
    }
    return out;
  }

  return {
    decideManyIn,
    contactFactsIn,

    /** May we start this conversation now? */
    async decideIn(tx: Executor, r: ContactRequest): Promise<ContactDecision> {
      return (await decideManyIn(tx, r, [r.buyerId])).get(r.buyerId)!;
    },

    /** Record a contact that goes ahead (in the transaction that queues the message). */
    async recordIn(tx: Executor, r: { orgId: string; shopId: string; buyerId: string; purpose: Purpose; channel: Channel; source: string; at?: Date; ref?: string | null }): Promise<void> {
      await tx.insert(outreachContacts).values({ orgId: r.orgId, id: ids('otc'), shopId: r.shopId, buyerId: r.buyerId, purpose: r.purpose, channel: r.channel, source: r.source, at: r.at ?? clock.now(), ref: r.ref ?? null });
    },

    /** Many contacts at once (a programme run), one INSERT from unnest. */
    async recordManyIn(tx: Executor, rows: { orgId: string; shopId: string; buyerId: string; purpose: Purpose; channel: Channel; source: string; at: Date; ref?: string | null }[]): Promise<void> {
      if (rows.length === 0) return;
      const col = <T>(f: (r: (typeof rows)[number]) => T) => sql.param(rows.map(f));
      await tx.execute(sql`insert into outreach_contacts (org_id, id, shop_id, buyer_id, purpose, channel, source, at, ref)
        select * from unnest(${col((r) => r.orgId)}::text[], ${col(() => ids('otc'))}::text[], ${col((r) => r.shopId)}::text[], ${col((r) => r.buyerId)}::text[], ${col((r) => r.purpose)}::text[], ${col((r) => r.channel)}::text[], ${col((r) => r.source)}::text[], ${col((r) => r.at.toISOString())}::timestamptz[], ${col((r) => r.ref ?? null)}::text[])`);
    },

    /**
     * A planned message that never went out (skipped at send time, voided before the send): its
     * contact is taken back, so it counts toward no frequency cap. Kept as a row (withdrawn_at set)
     * for the record. Returns how many contacts were withdrawn.
     */
    async withdrawIn(tx: Executor, r: { orgId: string; buyerId: string; ref: string; at?: Date }): Promise<number> {
      const res = await tx.execute(sql`update outreach_contacts set withdrawn_at = ${(r.at ?? clock.now()).toISOString()}::timestamptz
        where org_id = ${r.orgId} and buyer_id = ${r.buyerId} and ref = ${r.ref} and withdrawn_at is null`);
      return res.rowCount ?? 0;
    },

    /** Consent, unsubscribe and the birthday (only with consent) for one buyer. */
    async setPreferences(actor: Actor, buyerId: string, p: { marketingConsent?: boolean; consentSource?: string | null; unsubscribed?: boolean; birthday?: string | null; birthdayConsent?: boolean }) {
      requireRole(actor, ['owner', 'supervisor', 'agent'], 'changing contact preferences');
      return db.tenant(actor.orgId, async (tx) => {
        await getBuyerIn(tx, actor.orgId, buyerId);
        const now = clock.now();
        const [cur] = await tx.select().from(outreachPreferences).where(and(eq(outreachPreferences.orgId, actor.orgId), eq(outreachPreferences.id, buyerId)));
        const birthdayConsent = p.birthdayConsent ?? cur?.birthdayConsent ?? false;
        const row = {
          orgId: actor.orgId,
          id: buyerId,
          marketingConsent: p.unsubscribed ? false : (p.marketingConsent ?? cur?.marketingConsent ?? false),
          consentSource: p.consentSource !== undefined ? p.consentSource : (cur?.consentSource ?? null),
          unsubscribedAt: p.unsubscribed === true ? (cur?.unsubscribedAt ?? now) : p.unsubscribed === false ? null : (cur?.unsubscribedAt ?? null),
          // No consent, no birthday: it is never stored without it.
          birthday: birthdayConsent ? (p.birthday !== undefined ? p.birthday : (cur?.birthday ?? null)) : null,
          birthdayConsent,
          updatedAt: now,
        };
        await tx.insert(outreachPreferences).values(row).onConflictDoUpdate({ target: [outreachPreferences.orgId, outreachPreferences.id], set: { ...row } });
        return row;
      });
    },

    preferencesIn,
    historyIn,
  };
}

export type OutreachService = ReturnType<typeof createOutreachService>;
