import { randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import sharp from 'sharp';
import { fileTypeFromBuffer } from 'file-type';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import { requireRole, systemActor, type Actor } from '../../platform/tenancy.js';
import { orgOfShop, shopIn, type ShopRow } from '../tenancy/index.js';
import { orderIdsPlacedSince, orderViewFromJson, orderViewIn, orderViewJson, type OrderView } from '../orders/index.js';
import { productTermsOf, type ProductTerms } from '../knowledge/index.js';
import { buyerConversationFromJson, buyerConversationIn, buyerConversationJson, type InboundMessage, type MessageRow, type TicketRow } from '../helpdesk/index.js';
import { buyerReturnTimelinesFromJson, buyerReturnTimelinesIn, buyerReturnTimelinesJson, type BuyerReturnTimeline, type CreateReturnInput, type ReasonNode, type ReturnView } from '../returns/index.js';
import type { RecordEvidence, StoredFile } from '../evidence/index.js';
import { renderCards, type CardSize } from './portal.cards.js';
import {
  DEFAULT_HOLDOUT_PERCENT,
  DEFAULT_WARRANTY_DAYS,
  cardExpiry,
  cardContentFor,
  exchangeChoices,
  lineWarranty,
  csrfFor,
  hashSecret,
  isHoldout,
  lookupHash,
  newShortCode,
  newToken,
  tokenState,
  wellFormedToken,
  pickLanguage,
  normaliseSerial,
  platformReturnRoute,
  replyAddress,
  sellerReturnReason,
  validBirthday,
  warrantyEnds,
  type PortalLanguage,
} from './portal.rules.js';
import { portalBatches, portalCards, portalCsatAnswers, portalScans, portalSessions, portalWarranties } from './portal.schema.js';
import type { PageData } from './portal.page.js';
import { enqueue } from '../../platform/outbox/outbox.js';
import type { ContactDecision, OutreachChannel, Purpose } from '../outreach/index.js';
import { tx as text } from './portal.texts.js';

export interface PortalPorts {
  orders: { getOrder(actor: Actor, id: string): Promise<OrderView>; getBuyer(actor: Actor, id: string): Promise<{ platform: string; email: string | null; displayName: string | null }> };
  returns: {
    create(actor: Actor, input: CreateReturnInput): Promise<ReturnView>;
    list(actor: Actor, filter: { orderId?: string; limit?: number }): Promise<ReturnView[]>;
    getReasonTree(actor: Actor): Promise<{ nodes: ReasonNode[] }>;
  };
  helpdesk: {
    ingestInbound(m: InboundMessage): Promise<{ ticketId: string; messageId: string }>;
    getTicket(actor: Actor, id: string): Promise<{ ticket: TicketRow; messages: MessageRow[] }>;
  };
  files: { storeFile(orgId: string, input: { bytes: Buffer; fileName: string; declaredContentType?: string }): Promise<StoredFile> };
  recordEvidence: RecordEvidence;
  /** CSAT (owned by analytics): the survey row for a solved ticket, and the buyer's 1–5 answer. */
  csat?: {
    asked(orgId: string, t: { ticketId: string; shopId: string; channel: string; language: string }): Promise<void>;
    reply(orgId: string, ticketId: string, text: string): Promise<number | null>;
  };
  /** The contact policy and the buyer's consent/birthday (owned by outreach). */
  outreach: {
    setPreferences(actor: Actor, buyerId: string, p: { marketingConsent?: boolean; consentSource?: string | null; birthday?: string | null; birthdayConsent?: boolean }): Promise<unknown>;
    preferencesIn(tx: Executor, orgId: string, buyerIds: string[]): Promise<Map<string, { marketingConsent: boolean; consentSource: string | null; unsubscribedAt: Date | null; birthday: string | null; birthdayConsent: boolean; updatedAt: Date }>>;
    decideIn(tx: Executor, r: { orgId: string; shopId: string; buyerId: string; purpose: Purpose; channel: OutreachChannel; zone: string; reach?: { hasAddress?: boolean } }): Promise<ContactDecision>;
    recordIn(tx: Executor, r: { orgId: string; shopId: string; buyerId: string; purpose: Purpose; channel: OutreachChannel; source: string }): Promise<void>;
  };
}

/** The handler that creates a buyer's return on TikTok (integrations/tiktok, seller Create Return). */
export const PLATFORM_CREATE_RETURN_HANDLER = 'tiktok.create_return';

export interface PortalDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  /** Where the buyer's page is reached (PUBLIC_URL); card links are `${publicUrl}/p/<token>`. */
  publicUrl: string;
  warrantyDays?: number;
}

export interface PortalSession {
  id: string;
  orgId: string;
  shopId: string;
  orderId: string;
  cardId: string;
  language: PortalLanguage;
  csrf: string;
  /** The self-service ticket this card (or e-mailed link) is tied to, if any; the page shows the order's conversation either way. */
  ticketId: string | null;
  /** When the card (and the page it opens) stops working. */
  cardExpiresAt: Date | null;
}

/** The portal's own rows the page shows, read with the session in the same statement. */
interface OwnRows {
  warranties: { productName: string; serialNumber: string; endsAt: string }[];
  /** Tickets of this order whose satisfaction question the buyer already answered (through any card or link). */
  csatAnswered: string[];
}

/**
 * A session row with its card and the portal's own rows of the order, and — for a page view — the
 * order, its returns and its conversation through their owners' json readers: one statement, a
 * named prepared one (its text is the same on every call: the organisation and the session hash
 * are its only parameters), so Postgres parses it once per connection instead of on every view. It
 * is still planned on every run: connections force custom plans (`createPool`, platform/db.ts).
 */
function sessionStatement(tx: Executor, withPage: boolean) {
  const org = sql`${portalSessions.orgId}`;
  const order = sql`${portalSessions.orderId}`;
  // A view selects the page's rows too; a form post only the session (the same columns, null).
  const page = {
    orderJson: withPage ? sql<Parameters<typeof orderViewFromJson>[0]>`${orderViewJson(org, order)}` : sql<null>`null`,
    returnsJson: withPage ? sql<Parameters<typeof buyerReturnTimelinesFromJson>[0]>`${buyerReturnTimelinesJson(org, order, 20)}` : sql<null>`null`,
    conversationJson: withPage ? sql<Parameters<typeof buyerConversationFromJson>[0]>`${buyerConversationJson(org, order, sql`${portalCards.ticketId}`)}` : sql<null>`null`,
  };
  return tx
    .select({
      id: portalSessions.id,
      orgId: portalSessions.orgId,
      shopId: portalSessions.shopId,
      orderId: portalSessions.orderId,
      cardId: portalSessions.cardId,
      language: portalSessions.language,
      expiresAt: portalSessions.expiresAt,
      holdout: portalCards.holdout,
      revokedAt: portalCards.revokedAt,
      cardExpiresAt: portalCards.expiresAt,
      ticketId: portalCards.ticketId,
      warranties: sql<OwnRowsJson['warranties']>`${warrantiesOf(org, order)}`,
      csatAnswered: sql<string[]>`${csatAnsweredOf(org, order)}`,
      ...page,
    })
    .from(portalSessions)
    .innerJoin(portalCards, and(eq(portalCards.orgId, portalSessions.orgId), eq(portalCards.id, portalSessions.cardId)))
    .where(and(eq(portalSessions.orgId, sql.placeholder('org')), eq(portalSessions.sessionHash, sql.placeholder('hash'))))
    .prepare(withPage ? 'portal_page_view_v1' : 'portal_session_v1');
}

type OwnRowsJson = { warranties: { productName: string; serialNumber: string; endsAt: string }[]; csatAnswered: string[] };

/** The order's registered warranties (json array). */
function warrantiesOf(orgId: SQL, orderId: SQL) {
  return sql`(select coalesce(json_agg(json_build_object('productName', w.product_name, 'serialNumber', w.serial_number, 'endsAt', w.ends_at) order by w.created_at, w.id), '[]'::json)
         from portal_warranties w where w.org_id = ${orgId} and w.order_id = ${orderId})`;
}

/** The order's conversations whose satisfaction question was answered (text array). */
function csatAnsweredOf(orgId: SQL, orderId: SQL) {
  return sql`array(select a.ticket_id from portal_csat_answers a where a.org_id = ${orgId} and a.order_id = ${orderId})`;
}

function ownRowsFrom(r: OwnRowsJson): OwnRows {
  return { warranties: r.warranties.map((w) => ({ productName: w.productName, serialNumber: w.serialNumber, endsAt: new Date(w.endsAt).toISOString() })), csatAnswered: r.csatAnswered };
}

export interface PrintInput {
  shopId: string;
  orderIds?: string[];
  since?: Date;
  size: CardSize;
  language: PortalLanguage;
  holdoutPercent?: number;
  /** Overrides the market's default (cardContentFor). */
  showContacts?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface BatchView {
  id: string;
  shopId: string;
  size: CardSize;
  language: string;
  holdoutPercent: number;
  orderCount: number;
  cardCount: number;
  holdoutOrderIds: string[];
  scans: number;
  createdAt: string;
}

const SESSION_MS = 2 * 3600_000;
const MAX_BATCH = 5_000;
const PRINT_ROLES = ['owner', 'supervisor'] as const;

function sniffLanguage(l: string): PortalLanguage {
  return (['en', 'de', 'fr', 'it', 'es'].includes(l) ? l : 'en') as PortalLanguage;
}

export function createPortalService(deps: PortalDeps, ports: PortalPorts) {
  const { db, ids, clock } = deps;
  const warrantyDays = deps.warrantyDays ?? DEFAULT_WARRANTY_DAYS;
  const base = deps.publicUrl.replace(/\/$/, '');

  /**
   * The organisation of each session (by the hash of its secret). A session never moves to another
   * organisation, so this is safe to keep: every view still reads the session, its card (revoked?
   * expired?) and the order afresh, in one tenant transaction; only the cross-tenant lookup that
   * names the organisation is skipped. Filled when a session opens, or on first use after a restart.
   */
  const sessionOrgs = new Map<string, string>();
  function remember(hash: string, orgId: string) {
    if (sessionOrgs.size > 100_000) sessionOrgs.clear();
    sessionOrgs.set(hash, orgId);
  }
  async function orgOfSession(hash: string): Promise<string | null> {
    const hit = sessionOrgs.get(hash);
    if (hit) return hit;
    const [row] = await db.system((tx) => tx.select({ orgId: portalSessions.orgId }).from(portalSessions).where(eq(portalSessions.sessionHash, hash)));
    if (row) remember(hash, row.orgId);
    return row?.orgId ?? null;
  }

  /** What a page view reads besides the session (orders', returns' and helpdesk's json readers). */
  type PageRows = { order: OrderView | null; returns: BuyerReturnTimeline[]; conversation: ReturnType<typeof buyerConversationFromJson> };

  /**
   * The live session of a secret inside the organisation's transaction, with the portal's own rows
   * of its order (and, `withPage`, the order, returns and conversation) in one statement; null if
   * gone, expired or its card no longer valid.
   */
  async function sessionIn(tx: Executor, orgId: string, secret: string, withPage = false): Promise<{ session: PortalSession; own: OwnRows; rows: PageRows | null } | null> {
    const [f] = await sessionStatement(tx, withPage).execute({ org: orgId, hash: hashSecret(secret) });
    const now = clock.now();
    if (!f || f.expiresAt.getTime() <= now.getTime()) return null;
    if (tokenState({ holdout: f.holdout, revokedAt: f.revokedAt, expiresAt: f.cardExpiresAt }, now) !== 'ok') return null;
    return {
      session: { id: f.id, orgId: f.orgId, shopId: f.shopId, orderId: f.orderId, cardId: f.cardId, language: sniffLanguage(f.language), csrf: csrfFor(secret), ticketId: f.ticketId, cardExpiresAt: f.cardExpiresAt },
      own: ownRowsFrom(f),
      rows: withPage ? { order: orderViewFromJson(f.orderJson), returns: buyerReturnTimelinesFromJson(f.returnsJson ?? []), conversation: buyerConversationFromJson(f.conversationJson) } : null,
    };
  }

  /**
   * Everything the order page shows that changes (the order and its delivery, returns, the
   * conversation, the shop's contacts), read on the caller's transaction: a status change shows on
   * the next view. Only what changes rarely comes from a short-lived cache (the catalogue's terms,
   * the reason list). `rows` when the session statement brought them already.
   */
  async function pageIn(tx: Executor, s: PortalSession, own: OwnRows, leaves: ReasonNode[], rows: PageRows | null) {
    const order = rows ? rows.order : await orderViewIn(tx, s.orgId, s.orderId);
    if (!order) throw AppError.notFound('order', s.orderId);
    const returns = rows ? rows.returns : await buyerReturnTimelinesIn(tx, s.orgId, s.orderId, 20);
    const conversation = rows ? rows.conversation : await buyerConversationIn(tx, s.orgId, s.orderId, s.ticketId);
    const shop: ShopRow = await shopIn(tx, s.orgId, s.shopId);
    const terms = await productTerms(s.orgId, s.shopId, order.lines.map((l) => l.productId), tx);
    return { order, returns, conversation, shop, terms, own, leaves };
  }

  /** The page's data from what pageIn read (no database work, except a buyer's platform on its first view). */
  async function pageData(s: PortalSession, r: Awaited<ReturnType<typeof pageIn>>): Promise<PageData> {
    const { order, shop, terms, conversation } = r;
    const platform = await buyerPlatform(s.orgId, order.buyerId);
    const deliveredAt = order.deliveredAt ? new Date(order.deliveredAt) : null;
    const now = clock.now();
    const solved = !!conversation && (conversation.status === 'solved' || conversation.status === 'closed');
    return {
      order,
      shop,
      returns: r.returns,
      reasons: r.leaves,
      messages: conversation?.messages ?? [],
      platformRoute: platformReturnRoute(platform, shop.market),
      warranties: r.own.warranties,
      lineWarranties: lineWarranties(order, terms, s.language).map((w) => ({ lineId: w.line.id, productName: w.line.productName, days: w.days, source: w.source, lifetime: w.lifetime, endsAt: warrantyEnds(deliveredAt, now, w.days).toISOString() })),
      cardExpiresAt: s.cardExpiresAt?.toISOString() ?? null,
      defaultWarrantyDays: warrantyDays,
      exchangeChoices: exchangeChoices(order.lines, terms),
      // The satisfaction question, once the conversation is solved and until the buyer answers it (once per conversation, whichever card).
      askCsat: !!ports.csat && solved && !r.own.csatAnswered.includes(conversation!.ticketId),
    };
  }

  async function newSession(tx: Executor, card: typeof portalCards.$inferSelect, language: PortalLanguage): Promise<{ secret: string; session: PortalSession }> {
    const secret = randomBytes(32).toString('base64url');
    const id = ids('pss');
    const now = clock.now();
    await tx.insert(portalSessions).values({ orgId: card.orgId, id, shopId: card.shopId, orderId: card.orderId, cardId: card.id, sessionHash: hashSecret(secret), language, expiresAt: new Date(now.getTime() + SESSION_MS), createdAt: now });
    remember(hashSecret(secret), card.orgId);
    return { secret, session: { id, orgId: card.orgId, shopId: card.shopId, orderId: card.orderId, cardId: card.id, language, csrf: csrfFor(secret), ticketId: card.ticketId, cardExpiresAt: card.expiresAt } };
  }

  /**
   * The leaves of the organisation's return-reason tree, for the page's reason list. Trees change
   * rarely (a new version when staff edit them), so each organisation's list is kept for a minute
   * rather than read on every page view.
   */
  const leafCache = new Map<string, { at: number; leaves: ReasonNode[] }>();
  async function reasonLeaves(orgId: string): Promise<ReasonNode[]> {
    const hit = leafCache.get(orgId);
    const now = clock.now().getTime();
    if (hit && now - hit.at < 60_000) return hit.leaves;
    const tree = await ports.returns.getReasonTree(systemActor(orgId));
    const leaves = tree.nodes.filter((n) => !tree.nodes.some((c) => c.parent === n.code));
    if (leafCache.size > 10_000) leafCache.clear();
    leafCache.set(orgId, { at: now, leaves });
    return leaves;
  }

  /**
   * The catalogue's warranty terms and SKUs of an order's products (knowledge module). The
   * catalogue changes on a sync (nightly, or a product webhook), so each shop's answer for a set of
   * products is kept for a minute instead of being read on every page view.
   */
  const termsCache = new Map<string, { at: number; terms: ProductTerms[] }>();
  async function productTerms(orgId: string, shopId: string, externalProductIds: string[], inTx?: Executor): Promise<ProductTerms[]> {
    const wanted = [...new Set(externalProductIds)].sort();
    const key = `${orgId}|${shopId}|${wanted.join(',')}`;
    const now = clock.now().getTime();
    const hit = termsCache.get(key);
    if (hit && now - hit.at < 60_000) return hit.terms;
    const terms = inTx ? await productTermsOf(inTx, orgId, shopId, wanted) : await db.tenant(orgId, (tx) => productTermsOf(tx, orgId, shopId, wanted));
    if (termsCache.size > 10_000) termsCache.clear();
    termsCache.set(key, { at: now, terms });
    return terms;
  }

  /** Each line's warranty length: the product's terms, else the shop's default. */
  function lineWarranties(order: OrderView, terms: ProductTerms[], language: string) {
    return order.lines.map((l) => ({ line: l, ...lineWarranty(terms.find((t) => t.externalProductId === l.productId), language, warrantyDays) }));
  }

  /** The longest warranty among an order's lines (the shop's default for an order without lines). */
  function longestWarranty(order: OrderView, terms: ProductTerms[], language: string): number {
    return Math.max(...lineWarranties(order, terms, language).map((w) => w.days), order.lines.length ? 0 : warrantyDays);
  }

  /** A buyer's platform never changes: read once per buyer (the order page would otherwise ask on every view). */
  const platformCache = new Map<string, string>();
  async function buyerPlatform(orgId: string, buyerId: string): Promise<string> {
    const key = `${orgId}:${buyerId}`;
    const hit = platformCache.get(key);
    if (hit) return hit;
    const p = (await ports.orders.getBuyer(systemActor(orgId), buyerId)).platform;
    if (platformCache.size > 50_000) platformCache.clear();
    platformCache.set(key, p);
    return p;
  }

  async function cardBy(where: 'token' | 'lookup', hash: string) {
    // The buyer names no organisation: the hash is unique across the installation.
    return db.system(async (tx) => {
      const [c] = await tx.select().from(portalCards).where(where === 'token' ? eq(portalCards.tokenHash, hash) : eq(portalCards.lookupHash, hash));
      return c ?? null;
    });
  }

  /** Strip metadata from photos (EXIF GPS, camera serials) before they are kept; other types as sent. */
  async function cleanUpload(bytes: Buffer): Promise<Buffer> {
    const t = await fileTypeFromBuffer(bytes);
    // The page takes photos and short videos only; the evidence store checks the limits per type.
    if (!t || !/^(image|video)\//.test(t.mime)) throw AppError.validation('upload.type_not_allowed', 'Only photos and short videos are accepted', [{ field: 'photo', message: 'not a photo or video' }]);
    if (t && ['image/jpeg', 'image/png', 'image/webp'].includes(t.mime)) {
      // sharp writes no metadata unless asked; rotate() first applies the EXIF orientation it drops.
      const img = sharp(bytes, { failOn: 'error' }).rotate();
      return t.mime === 'image/png' ? img.png().toBuffer() : t.mime === 'image/webp' ? img.webp().toBuffer() : img.jpeg({ quality: 90 }).toBuffer();
    }
    return bytes;
  }

  return {
    /**
     * Print cards for a batch of orders: one card (fresh token + short code) per order except the
     * hold-out share, all recorded in one transaction; then one PDF. Tokens exist in clear only in
     * the PDF; a reprint issues new ones and revokes the old cards of those orders.
     */
    async printCards(actor: Actor, input: PrintInput): Promise<{ batch: BatchView; pdf: Buffer }> {
      requireRole(actor, PRINT_ROLES, 'printing after-sales cards');
      const holdoutPercent = input.holdoutPercent ?? DEFAULT_HOLDOUT_PERCENT;
      const now = clock.now();
      const { shop, orderIds } = await db.tenant(actor.orgId, async (tx) => {
        const shop = await shopIn(tx, actor.orgId, input.shopId);
        const orderIds = input.orderIds?.length ? [...new Set(input.orderIds)] : input.since ? await orderIdsPlacedSince(tx, actor.orgId, input.shopId, input.since, MAX_BATCH) : [];
        return { shop, orderIds };
      });
      if (!orderIds.length) throw AppError.validation('portal.no_orders', 'No orders to print cards for', [{ field: input.orderIds ? 'orderIds' : 'since', message: 'no orders' }]);
      const orders: OrderView[] = [];
      for (const id of orderIds) {
        const o = await ports.orders.getOrder(actor, id);
        if (o.shopId !== shop.id) throw AppError.notFound('order', id);
        orders.push(o);
      }
      // A card lives through the return window and the longest warranty among the order's products.
      const terms = await db.tenant(actor.orgId, (tx) => productTermsOf(tx, actor.orgId, shop.id, [...new Set(orders.flatMap((o) => o.lines.map((l) => l.productId)))]));
      const batchId = ids('pcb');
      const printed: { url: string; code: string }[] = [];
      const holdouts: string[] = [];
      await db.tenant(actor.orgId, async (tx) => {
        const rows: (typeof portalCards.$inferInsert)[] = [];
        for (const o of orders) {
          if (isHoldout(o.id, holdoutPercent)) {
            holdouts.push(o.id);
            rows.push({ orgId: actor.orgId, id: ids('pcd'), shopId: shop.id, batchId, orderId: o.id, holdout: true, language: input.language, createdAt: now });
            continue;
          }
          const token = newToken();
          const code = newShortCode();
          const from = o.deliveredAt ? new Date(o.deliveredAt) : now;
          rows.push({
            orgId: actor.orgId,
            id: ids('pcd'),
            shopId: shop.id,
            batchId,
            orderId: o.id,
            holdout: false,
            tokenHash: hashSecret(token),
            lookupHash: lookupHash(o.externalId, code),
            language: input.language,
            expiresAt: cardExpiry(from, shop.returnPolicy.windowDays, longestWarranty(o, terms, input.language)),
            createdAt: now,
          });
          printed.push({ url: `${base}/p/${token}`, code: `${code.slice(0, 4)}-${code.slice(4)}` });
        }
        // A reprint replaces the earlier cards of these orders.
        await tx.update(portalCards).set({ revokedAt: now }).where(and(eq(portalCards.orgId, actor.orgId), inArray(portalCards.orderId, orderIds), eq(portalCards.holdout, false)));
        await tx.insert(portalBatches).values({ orgId: actor.orgId, id: batchId, shopId: shop.id, size: input.size, language: input.language, holdoutPercent, orderCount: orders.length, cardCount: printed.length, createdBy: actor.userId, createdAt: now });
        for (let i = 0; i < rows.length; i += 500) await tx.insert(portalCards).values(rows.slice(i, i + 500));
      });
      const pdf = await renderCards(shop, printed, { size: input.size, language: input.language, ...cardContentFor(shop.market, { showContacts: input.showContacts }), onProgress: input.onProgress, heldOut: holdouts.length });
      return { batch: { id: batchId, shopId: shop.id, size: input.size, language: input.language, holdoutPercent, orderCount: orders.length, cardCount: printed.length, holdoutOrderIds: holdouts, scans: 0, createdAt: now.toISOString() }, pdf };
    },

    /** The organisation of a shop (the CLI names only the shop). */
    async orgOfShop(shopId: string): Promise<string | null> {
      return db.system((tx) => orgOfShop(tx, shopId));
    },

    /** A sample card for the preview: a link that opens nothing, the shop's real content. */
    async previewCard(actor: Actor, input: { shopId: string; size: CardSize; language: PortalLanguage; showContacts?: boolean }): Promise<Buffer> {
      requireRole(actor, PRINT_ROLES, 'printing after-sales cards');
      const shop = await db.tenant(actor.orgId, (tx) => shopIn(tx, actor.orgId, input.shopId));
      return renderCards(shop, [{ url: `${base}/p/${'x'.repeat(32)}`, code: 'SAMP-LE00' }], { ...input, ...cardContentFor(shop.market, { showContacts: input.showContacts }) });
    },

    async listBatches(actor: Actor, shopId?: string): Promise<BatchView[]> {
      requireRole(actor, PRINT_ROLES, 'after-sales cards');
      return db.tenant(actor.orgId, async (tx) => {
        const conds = [eq(portalBatches.orgId, actor.orgId)];
        if (shopId) {
          await shopIn(tx, actor.orgId, shopId);
          conds.push(eq(portalBatches.shopId, shopId));
        }
        const bs = await tx.select().from(portalBatches).where(and(...conds)).orderBy(desc(portalBatches.createdAt), desc(portalBatches.id)).limit(100);
        if (!bs.length) return [];
        const bIds = bs.map((b) => b.id);
        const holdouts = await tx.select({ b: portalCards.batchId, o: portalCards.orderId }).from(portalCards).where(and(eq(portalCards.orgId, actor.orgId), inArray(portalCards.batchId, bIds), eq(portalCards.holdout, true)));
        const scans = await tx.select({ b: portalScans.batchId }).from(portalScans).where(and(eq(portalScans.orgId, actor.orgId), inArray(portalScans.batchId, bIds)));
        return bs.map((b) => ({
          id: b.id,
          shopId: b.shopId,
          size: b.size,
          language: b.language,
          holdoutPercent: b.holdoutPercent,
          orderCount: b.orderCount,
          cardCount: b.cardCount,
          holdoutOrderIds: holdouts.filter((h) => h.b === b.id).map((h) => h.o),
          scans: scans.filter((s) => s.b === b.id).length,
          createdAt: b.createdAt.toISOString(),
        }));
      });
    },

    /** Revoke every card of an order (a lost parcel, a buyer who shared the link). */
    async revokeOrder(actor: Actor, orderId: string): Promise<{ revoked: number }> {
      requireRole(actor, PRINT_ROLES, 'revoking after-sales cards');
      await ports.orders.getOrder(actor, orderId);
      return db.tenant(actor.orgId, async (tx) => {
        const r = await tx.update(portalCards).set({ revokedAt: clock.now() }).where(and(eq(portalCards.orgId, actor.orgId), eq(portalCards.orderId, orderId))).returning({ id: portalCards.id });
        return { revoked: r.length };
      });
    },

    /** A QR scan: a live card counts a scan and opens a session; anything else is null (one answer). */
    async openByToken(token: string, language: PortalLanguage | undefined): Promise<{ secret: string; session: PortalSession } | null> {
      if (!wellFormedToken(token)) return null;
      const card = await cardBy('token', hashSecret(token));
      if (!card || tokenState(card, clock.now()) !== 'ok') return null;
      return db.tenant(card.orgId, async (tx) => {
        // Scans count printed cards per batch; an e-mailed link is not a scan.
        if (card.kind === 'card' && card.batchId) await tx.insert(portalScans).values({ orgId: card.orgId, id: ids('psc'), shopId: card.shopId, batchId: card.batchId, cardId: card.id, scannedAt: clock.now() });
        return newSession(tx, card, language ?? sniffLanguage(card.language));
      });
    },

    async openByLookup(orderNumber: string, code: string, language: PortalLanguage | undefined): Promise<{ secret: string; session: PortalSession } | null> {
      const card = await cardBy('lookup', lookupHash(orderNumber, code));
      if (!card || tokenState(card, clock.now()) !== 'ok') return null;
      return db.tenant(card.orgId, (tx) => newSession(tx, card, language ?? sniffLanguage(card.language)));
    },

    async session(secret: string | undefined): Promise<PortalSession | null> {
      if (!secret || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
      const orgId = await orgOfSession(hashSecret(secret));
      if (!orgId) return null;
      return (await db.tenant(orgId, (tx) => sessionIn(tx, orgId, secret)))?.session ?? null;
    },

    async setLanguage(s: PortalSession, language: PortalLanguage): Promise<void> {
      await db.tenant(s.orgId, (tx) => tx.update(portalSessions).set({ language }).where(and(eq(portalSessions.orgId, s.orgId), eq(portalSessions.id, s.id))));
    },

    /**
     * A view of the order page by the session's secret: the session, its card, the order, returns,
     * conversation, shop and the portal's own rows in ONE tenant transaction (the organisation of a
     * session is remembered, see orgOfSession). `language` switches the session's language first.
     * Null for anything but a live session (one answer for all).
     */
    async view(secret: string | undefined, language?: string): Promise<{ session: PortalSession; page: PageData } | null> {
      if (!secret || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
      const orgId = await orgOfSession(hashSecret(secret));
      if (!orgId) return null;
      // Before the transaction: a cache miss reads on its own connection, never while holding one.
      const leaves = await reasonLeaves(orgId);
      const read = await db.tenant(orgId, async (tx) => {
        const found = await sessionIn(tx, orgId, secret, true);
        if (!found) return null;
        const s = found.session;
        if (language && language !== s.language) {
          s.language = pickLanguage(language, s.language, undefined);
          await tx.update(portalSessions).set({ language: s.language }).where(and(eq(portalSessions.orgId, orgId), eq(portalSessions.id, s.id)));
        }
        return { s, r: await pageIn(tx, s, found.own, leaves, found.rows) };
      });
      if (!read) return null;
      return { session: read.s, page: await pageData(read.s, read.r) };
    },

    /** What the buyer's page shows for a session already read (a form answered with an error is shown again). */
    async page(s: PortalSession): Promise<PageData> {
      const leaves = await reasonLeaves(s.orgId);
      const r = await db.tenant(s.orgId, async (tx) => {
        const own = ownRowsFrom((await tx.execute(sql`select ${warrantiesOf(sql`${s.orgId}::text`, sql`${s.orderId}::text`)} as warranties, ${csatAnsweredOf(sql`${s.orgId}::text`, sql`${s.orderId}::text`)} as "csatAnswered"`)).rows[0] as OwnRowsJson);
        return pageIn(tx, s, own, leaves, null);
      });
      return pageData(s, r);
    },

    /**
     * The buyer writes (with an optional photo): the order's self-service ticket gets the message.
     * An optional reply address ("e-mail me the answer") is checked first and handed to the
     * helpdesk with the message: the ticket owns it (tickets.buyer_email, registered for privacy
     * export and erasure there), so it serves this conversation only, never the buyer's record.
     */
    async write(s: PortalSession, input: { text: string; photo?: { bytes: Buffer; fileName: string; contentType?: string } | null; subject?: string; replyEmail?: string }): Promise<{ ticketId: string; messageId: string; photo: StoredFile | null }> {
      const replyTo = replyAddress(input.replyEmail ?? '');
      if (replyTo === 'invalid') throw AppError.validation('portal.email_invalid', 'Not a valid e-mail address', [{ field: 'email', message: 'invalid e-mail address' }]);
      const order = await ports.orders.getOrder(systemActor(s.orgId), s.orderId);
      let photo: StoredFile | null = null;
      if (input.photo) {
        const bytes = await cleanUpload(input.photo.bytes).catch((e: unknown) => {
          if (e instanceof AppError) throw e;
          throw AppError.validation('upload.unreadable_image', 'The image could not be read', [{ field: 'photo', message: 'unreadable image' }]);
        });
        photo = await ports.files.storeFile(s.orgId, { bytes, fileName: input.photo.fileName.slice(0, 200) || 'photo' });
      }
      const now = clock.now();
      const messageId = ids('psm');
      const ing = await ports.helpdesk.ingestInbound({
        orgId: s.orgId,
        shopId: s.shopId,
        channel: 'self_service',
        externalThreadId: `portal:${s.orderId}`,
        externalMessageId: messageId,
        buyer: { externalId: order.buyerId, language: s.language, ...(replyTo ? { email: replyTo } : {}) },
        orderId: s.orderId,
        direction: 'inbound',
        text: input.text,
        attachments: photo ? [{ fileName: (input.photo?.fileName ?? 'photo'), contentType: photo.contentType, sha256: photo.sha256, size: photo.size }] : [],
        sentAt: now.toISOString(),
        ...(input.subject ? { subject: input.subject } : {}),
      });
      await db.tenant(s.orgId, async (tx) => {
        await tx.update(portalCards).set({ ticketId: ing.ticketId }).where(and(eq(portalCards.orgId, s.orgId), eq(portalCards.id, s.cardId)));
        s.ticketId = ing.ticketId;
        if (replyTo) {
          // What the buyer agreed to, for a later question; the address itself stays on the ticket only.
          await ports.recordEvidence(tx, {
            orgId: s.orgId,
            caseId: ing.ticketId,
            caseType: 'ticket',
            kind: 'status_change',
            actor: { type: 'buyer', id: order.buyerId },
            occurredAt: now,
            summary: "The buyer gave an e-mail address on the self-service page for answers in this conversation only",
            data: { messageId: ing.messageId, channel: 'self_service', purpose: 'replies_in_this_conversation', language: s.language },
          });
        }
        if (photo) {
          await ports.recordEvidence(tx, {
            orgId: s.orgId,
            caseId: ing.ticketId,
            caseType: 'ticket',
            kind: 'attachment',
            actor: { type: 'buyer', id: order.buyerId },
            occurredAt: now,
            summary: `Photo from the buyer's self-service page: ${(input.photo?.fileName ?? 'photo')} (${photo.contentType}, ${photo.size} bytes)`,
            data: { messageId: ing.messageId, sha256: photo.sha256, channel: 'self_service' },
            fileSha256s: [photo.sha256],
          });
        }
      });
      return { ticketId: ing.ticketId, messageId: ing.messageId, photo };
    },

    /**
     * Start a return from the page. The returns module checks the shop's policy exactly as for
     * staff (an ineligible request is its 422 with the reasons); the ticket carries the buyer's
     * words and photo, and the return is linked to it.
     */
    async startReturn(
      s: PortalSession,
      input: { orderLineIds: string[]; reasonCode: string; resolution: 'refund' | 'exchange'; exchangeWish?: string; exchangeChoice?: string; note: string; replyEmail?: string; photo?: { bytes: Buffer; fileName: string; contentType?: string } | null },
    ): Promise<{ ret: ReturnView; ticketId: string; platformRoute: string }> {
      const actor = systemActor(s.orgId);
      const order = await ports.orders.getOrder(actor, s.orderId);
      const lines = input.orderLineIds.filter((l) => order.lines.some((x) => x.id === l));
      if (!lines.length) throw AppError.validation('portal.no_lines', 'Choose at least one item', [{ field: 'orderLineIds', message: 'choose at least one item' }]);
      // The exchange: a variant from the catalogue when the order's products have them (checked
      // against them), free text only when the catalogue knows none.
      let exchangeSku: string | null = null;
      if (input.resolution === 'exchange') {
        const choices = exchangeChoices(order.lines, await productTerms(s.orgId, s.shopId, order.lines.map((l) => l.productId)));
        if (choices.length) {
          const picked = choices.find((c) => c.value === input.exchangeChoice);
          if (!picked) throw AppError.validation('portal.exchange_choice_invalid', 'Choose the size or colour to exchange for', [{ field: 'exchangeChoice', message: 'not a variant of the products of this order' }]);
          exchangeSku = picked.exchangeSku;
        } else {
          exchangeSku = input.exchangeWish?.trim().slice(0, 100) || null;
        }
      }
      const text = input.note.trim() || input.reasonCode;
      const w = await this.write(s, { text, photo: input.photo, subject: `Return request ${order.externalId}`, replyEmail: input.replyEmail });
      const ret = await ports.returns.create(actor, {
        orderId: s.orderId,
        orderLineIds: lines,
        reasonCode: input.reasonCode,
        note: input.note.trim() || null,
        photos: w.photo ? [w.photo.sha256] : [],
        channel: 'self_service',
        ticketId: w.ticketId,
        resolution: input.resolution,
        exchangeSku,
        language: s.language,
      });
      // A TikTok order's return must exist on the platform too. Where the seller may create it
      // (US, UK) an outbox step does, once per return; elsewhere the page guides the buyer, and
      // the request is linked to this RMA when it arrives (returns.fromPlatformReturn).
      const shop = await db.tenant(s.orgId, (tx) => shopIn(tx, s.orgId, s.shopId));
      const route = platformReturnRoute(await buyerPlatform(s.orgId, order.buyerId), shop.market);
      if (route === 'api') {
        await db.tenant(s.orgId, (tx) =>
          enqueue(
            tx,
            {
              orgId: s.orgId,
              handler: PLATFORM_CREATE_RETURN_HANDLER,
              idempotencyKey: `portal-return:${ret.id}:platform`,
              payload: { shopId: s.shopId, orderId: s.orderId, returnId: ret.id, orderLineIds: lines, returnReason: sellerReturnReason(shop.market, input.reasonCode) },
              subjectType: 'return',
              subjectId: ret.id,
            },
            { ids, clock },
          ),
        );
      }
      return { ret, ticketId: w.ticketId, platformRoute: route };
    },

    /**
     * Warranty registration: one product line of the order, its serial number and (optionally) a
     * proof-of-purchase photo kept as an evidence file; the order's self-service ticket records it.
     */
    async registerWarranty(s: PortalSession, input: { orderLineId: string; serial: string; replyEmail?: string; proof?: { bytes: Buffer; fileName: string; contentType?: string } | null }) {
      const order = await ports.orders.getOrder(systemActor(s.orgId), s.orderId);
      const line = order.lines.find((l) => l.id === input.orderLineId);
      if (!line) throw AppError.validation('portal.product_required', 'Choose the product', [{ field: 'orderLineId', message: 'not an item of this order' }]);
      const serial = normaliseSerial(input.serial);
      if (!serial) throw AppError.validation('portal.serial_invalid', 'Serial numbers are 3–64 letters, digits, - / .', [{ field: 'serial', message: 'invalid serial number' }]);
      // The product's own warranty length (its terms in the catalogue), else the shop's default.
      const terms = await productTerms(s.orgId, s.shopId, [line.productId]);
      const { days: lineDays, source, lifetime } = lineWarranty(terms.find((t) => t.externalProductId === line.productId), s.language, warrantyDays);
      const w = await this.write(s, { text: `Warranty registration: ${line.productName} — serial ${serial}`, photo: input.proof ?? null, subject: `Warranty ${order.externalId}`, replyEmail: input.replyEmail });
      const now = clock.now();
      const endsAt = warrantyEnds(order.deliveredAt ? new Date(order.deliveredAt) : null, now, lineDays);
      return db.tenant(s.orgId, async (tx) => {
        const [row] = await tx
          .insert(portalWarranties)
          .values({ orgId: s.orgId, id: ids('pwr'), shopId: s.shopId, orderId: s.orderId, orderLineId: line.id, buyerId: order.buyerId, productName: line.productName, serialNumber: serial, proofSha256: w.photo?.sha256 ?? null, warrantyDays: lineDays, endsAt, ticketId: w.ticketId, createdAt: now })
          .onConflictDoNothing()
          .returning();
        await ports.recordEvidence(tx, {
          orgId: s.orgId,
          caseId: w.ticketId,
          caseType: 'ticket',
          kind: 'status_change',
          actor: { type: 'buyer', id: order.buyerId },
          occurredAt: now,
          summary: `Warranty registered on the self-service page: ${line.productName}, serial ${serial}, until ${endsAt.toISOString().slice(0, 10)} (${lifetime ? `a lifetime warranty, kept for the card's ${lineDays} days` : `${lineDays} days`}, ${source === 'product' ? "the product's terms" : "the shop's default: the product has no terms"})`,
          data: { orderLineId: line.id, serial, warrantyDays: lineDays, warrantySource: source, lifetime, endsAt: endsAt.toISOString(), proofSha256: w.photo?.sha256 ?? null },
          fileSha256s: w.photo ? [w.photo.sha256] : [],
        });
        return { registered: !!row, serial, endsAt: endsAt.toISOString(), warrantyDays: lineDays, warrantySource: source, ticketId: w.ticketId };
      });
    },

    /**
     * The buyer's answer to "how happy are you with how we solved it" (1–5), on a solved
     * conversation: analytics stores it (its survey row for the ticket, channel self_service, then
     * the score; an earlier answer is kept), and the page stops asking.
     */
    async answerCsat(s: PortalSession, score: number): Promise<{ stored: boolean }> {
      if (!ports.csat || !Number.isInteger(score) || score < 1 || score > 5) throw AppError.validation('portal.csat_invalid', 'Choose a number from 1 to 5', [{ field: 'score', message: '1 to 5' }]);
      // The order's conversation (the card's, or the order's newest self-service one): the same the page shows.
      const conversation = await db.tenant(s.orgId, (tx) => buyerConversationIn(tx, s.orgId, s.orderId, s.ticketId));
      if (!conversation) throw AppError.validation('portal.csat_invalid', 'Nothing to rate yet', [{ field: 'score', message: 'no conversation' }]);
      if (conversation.status !== 'solved' && conversation.status !== 'closed') throw AppError.validation('portal.csat_invalid', 'The conversation is not solved yet', [{ field: 'score', message: 'not solved' }]);
      await ports.csat.asked(s.orgId, { ticketId: conversation.ticketId, shopId: s.shopId, channel: 'self_service', language: s.language });
      // analytics keeps the first answer (a replayed form or a second card changes nothing there).
      const stored = (await ports.csat.reply(s.orgId, conversation.ticketId, String(score))) !== null;
      // Answered for this conversation: no card or link of the order asks about it again.
      await db.tenant(s.orgId, (tx) => tx.insert(portalCsatAnswers).values({ orgId: s.orgId, ticketId: conversation.ticketId, shopId: s.shopId, orderId: s.orderId, answeredAt: clock.now() }).onConflictDoNothing());
      return { stored };
    },

    /**
     * Birthday and marketing consent from the buyer's page. Stored by outreach (the contact
     * policy owns consent); no tick, no birthday: an unticked box stores nothing of the date.
     */
    async savePreferences(s: PortalSession, input: { birthday: string; birthdayConsent: boolean; marketingConsent: boolean }) {
      const order = await ports.orders.getOrder(systemActor(s.orgId), s.orderId);
      const raw = input.birthday.trim();
      const birthday = raw ? validBirthday(raw, clock.now()) : null;
      if (raw && !birthday) throw AppError.validation('portal.birthday_invalid', 'Not a valid date of birth', [{ field: 'birthday', message: 'invalid date' }]);
      if (birthday && !input.birthdayConsent) throw AppError.validation('portal.consent_required', 'A birthday is kept only with consent', [{ field: 'birthdayConsent', message: 'required with a birthday' }]);
      await ports.outreach.setPreferences(systemActor(s.orgId), order.buyerId, {
        marketingConsent: input.marketingConsent,
        consentSource: 'self_service_page',
        birthdayConsent: input.birthdayConsent,
        birthday: input.birthdayConsent ? birthday : null,
      });
      await db.tenant(s.orgId, (tx) =>
        ports.recordEvidence(tx, {
          orgId: s.orgId,
          caseId: order.buyerId,
          caseType: 'buyer',
          kind: 'status_change',
          actor: { type: 'buyer', id: order.buyerId },
          occurredAt: clock.now(),
          summary: `Consent given on the self-service page: marketing e-mail ${input.marketingConsent ? 'yes' : 'no'}, birthday ${input.birthdayConsent ? 'yes' : 'no'}`,
          data: { marketingConsent: input.marketingConsent, birthdayConsent: input.birthdayConsent, source: 'self_service_page' },
        }),
      );
      return { saved: true };
    },

    /** Staff: what a buyer registered and agreed to on the page (the buyer panel). */
    async buyerSelfService(actor: Actor, buyerId: string) {
      requireRole(actor, ['owner', 'supervisor', 'agent'], 'reading buyer details');
      await ports.orders.getBuyer(actor, buyerId);
      return db.tenant(actor.orgId, async (tx) => {
        const warranties = await tx.select().from(portalWarranties).where(and(eq(portalWarranties.orgId, actor.orgId), eq(portalWarranties.buyerId, buyerId))).orderBy(desc(portalWarranties.createdAt)).limit(50);
        const prefs = (await ports.outreach.preferencesIn(tx, actor.orgId, [buyerId])).get(buyerId);
        return {
          warranties: warranties.map((w) => ({ id: w.id, orderId: w.orderId, shopId: w.shopId, productName: w.productName, serialNumber: w.serialNumber, proofSha256: w.proofSha256, endsAt: w.endsAt.toISOString(), ticketId: w.ticketId, createdAt: w.createdAt.toISOString() })),
          consent: prefs
            ? { marketingConsent: prefs.marketingConsent, birthdayConsent: prefs.birthdayConsent, birthday: prefs.birthday, source: prefs.consentSource, unsubscribedAt: prefs.unsubscribedAt?.toISOString() ?? null, updatedAt: prefs.updatedAt.toISOString() }
            : null,
        };
      });
    },

    /**
     * An agent's reply on a self-service ticket (the `portal.deliver` step): the buyer reads it on
     * the page; when an e-mail address is known and the contact policy allows a service message,
     * an `email.send` step (its own key, so a retry mails once) carries the reply and a fresh link
     * back to the page (an 'email' link row: only its hash is kept, like a card's).
     */
    async deliverReply(orgId: string, p: { ticketId?: string; messageId: string; text?: string }): Promise<{ emailed: boolean; reason?: string }> {
      if (!p.ticketId || !p.text) return { emailed: false, reason: 'no_ticket' };
      const [card] = await db.tenant(orgId, (tx) => tx.select().from(portalCards).where(and(eq(portalCards.orgId, orgId), eq(portalCards.ticketId, p.ticketId!))).orderBy(desc(portalCards.createdAt)).limit(1));
      if (!card) return { emailed: false, reason: 'no_card' };
      const order = await ports.orders.getOrder(systemActor(orgId), card.orderId);
      const buyer = await ports.orders.getBuyer(systemActor(orgId), order.buyerId);
      // The address the buyer gave on the page for this conversation first (TikTok masks the order's).
      const { ticket } = await ports.helpdesk.getTicket(systemActor(orgId), p.ticketId);
      const to = ticket.buyerEmail ?? buyer.email;
      if (!to) return { emailed: false, reason: 'no_address' };
      const lang = sniffLanguage(card.language);
      return db.tenant(orgId, async (tx) => {
        const shop = await shopIn(tx, orgId, card.shopId);
        if (!shop.supportContacts.email) return { emailed: false, reason: 'no_sender' };
        const decision = await ports.outreach.decideIn(tx, { orgId, shopId: shop.id, buyerId: order.buyerId, purpose: 'service', channel: 'email', zone: shop.timeZone, reach: { hasAddress: true } });
        const onlyQuiet = !decision.allowed && decision.reasons.length === 1 && decision.reasons[0] === 'quiet_hours';
        if (!decision.allowed && !onlyQuiet) return { emailed: false, reason: decision.reasons.join(',') };
        const token = newToken();
        const link = `${base}/p/${token}`;
        const body = `${text(lang, 'mailIntro')}\n\n${p.text}\n\n${text(lang, 'mailLink')}\n${link}\n\n${shop.name}`;
        const step = await enqueue(
          tx,
          {
            orgId,
            handler: 'email.send',
            idempotencyKey: `portal-mail:${p.messageId}`,
            // messageId names no ticket message: the reply's delivery status is the page's, not this mail's.
            payload: { shopId: shop.id, ticketId: p.ticketId, messageId: `portal-mail:${p.messageId}`, from: shop.supportContacts.email, fromName: shop.name, to, toName: buyer.displayName ?? null, subject: text(lang, 'mailSubject', { order: order.externalId }), text: body },
            subjectType: 'portal_email',
            subjectId: p.messageId,
            ...(onlyQuiet && decision.notBefore ? { notBefore: decision.notBefore } : {}),
          },
          { ids, clock },
        );
        if (!step.created) return { emailed: true, reason: 'already_queued' };
        await tx.insert(portalCards).values({ orgId, id: ids('pcd'), shopId: card.shopId, batchId: null, kind: 'email', orderId: card.orderId, holdout: false, tokenHash: hashSecret(token), language: card.language, expiresAt: card.expiresAt, ticketId: p.ticketId, createdAt: clock.now() });
        await ports.outreach.recordIn(tx, { orgId, shopId: shop.id, buyerId: order.buyerId, purpose: 'service', channel: 'email', source: 'portal_reply' });
        return { emailed: true };
      });
    },
  };
}

export type PortalService = ReturnType<typeof createPortalService>;
