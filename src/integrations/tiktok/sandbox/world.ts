import crypto from 'node:crypto';
import { LISTINGS, type ListingSpec } from './catalogue.js';
import { BUYER_TEXTS, CARRIERS, CATALOGUES, DEFAULT_SHOPS, FIRST_NAMES, LAST_INITIALS, RETURN_REASONS, sourcesFor, type Lang, type ProductSpec, type ShopSpec, type SourceSpec, type Topic } from './catalogue.js';

/** Deterministic PRNG (mulberry32): the same --seed gives the same world. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    weighted: <T extends { weight: number }>(xs: readonly T[]): T => {
      const total = xs.reduce((a, x) => a + x.weight, 0);
      let r = next() * total;
      for (const x of xs) if ((r -= x.weight) < 0) return x;
      return xs[xs.length - 1]!;
    },
    chance: (p: number) => next() < p,
  };
}
export type Rng = ReturnType<typeof rng>;

/** Which topic a buyer's text came from (the catalogue's phrases); `where` for anything else. */
function topicOf(lang: Lang, content: string): Topic {
  let text = content;
  try {
    text = String((JSON.parse(content) as { content?: unknown }).content ?? content);
  } catch {
    // plain text
  }
  for (const [topic, phrases] of Object.entries(BUYER_TEXTS[lang]) as [Topic, string[]][]) if (phrases.includes(text)) return topic;
  return 'where';
}

const dec = (minor: number) => (minor / 100).toFixed(2);

/** Line display_status → package_status (FULFILLING = collected and in transit; COMPLETED = delivered). */
const PACKAGE_STATUS: Record<string, string> = {
  AWAITING_SHIPMENT: 'TO_FULFILL',
  AWAITING_COLLECTION: 'PROCESSING',
  IN_TRANSIT: 'FULFILLING',
  DELIVERED: 'COMPLETED',
  COMPLETED: 'COMPLETED',
  CANCELLED: 'CANCELLED',
};

export interface SbShop extends ShopSpec {
  cipher: string;
  code: string;
  products: (ProductSpec & { productId: string; skuId: string; listing: ListingSpec; updateTime: number })[];
  sources: SourceSpec[];
}
export interface SbBuyer {
  userId: string;
  imUserId: string;
  nickname: string;
  email: string;
  lang: Lang;
  shopId: string;
}
export interface SbLine {
  id: string;
  productKey: string;
  source: SourceSpec;
  status: string;
}
export interface SbOrder {
  id: string;
  shopId: string;
  buyer: SbBuyer;
  status: string;
  createTime: number;
  paidTime: number;
  updateTime: number;
  deliveryTime?: number;
  trackingNumber?: string;
  lines: SbLine[];
  shippingFee: number;
  sellerDiscount: number;
  platformDiscount: number;
  buyerMessage: string;
}
export interface SbRecord {
  role: string;
  description: string;
  reasonText?: string;
  images: string[];
  videos: string[];
  createTime: number;
}
export interface SbReturn {
  id: string;
  orderId: string;
  shopId: string;
  type: 'REFUND' | 'RETURN_AND_REFUND' | 'REPLACEMENT';
  status: string;
  arbitration?: string;
  role: string;
  reason: keyof typeof RETURN_REASONS;
  lineIds: string[];
  refundTotal: number;
  createTime: number;
  updateTime: number;
  records: SbRecord[];
  /** The seller's standing partial refund offer (minor units); never the refund itself. */
  partialRefund?: number;
  buyerRejectedPartialRefund?: boolean;
}
export interface SbCancellation {
  id: string;
  orderId: string;
  shopId: string;
  type: 'CANCEL' | 'BUYER_CANCEL';
  status: string;
  role: string;
  reason: string;
  reasonText: string;
  lineIds: string[];
  refundTotal: number;
  createTime: number;
  updateTime: number;
}
export interface SbMessage {
  id: string;
  index: string;
  type: string;
  content: string;
  senderRole: 'BUYER' | 'SHOP' | 'CUSTOMER_SERVICE' | 'SYSTEM';
  senderImId: string;
  senderNickname: string;
  createTime: number;
}
export interface SbConversation {
  id: string;
  shopId: string;
  buyer: SbBuyer;
  createTime: number;
  messages: SbMessage[];
}

/** What the shop's own service team wrote back on the platform, per buyer language and topic. */
export const SELLER_REPLIES: Record<Lang, Record<Topic, string>> = {
  en: {
    where: 'Hi, thanks for your patience! Your parcel is with the carrier and should be delivered within 2 business days. We will keep an eye on the tracking for you.',
    colour: 'We are sorry the colour is not what you expected from the livestream. You can return it free of charge: please open a return request in the app and we will approve it.',
    battery: 'Sorry about the battery life. Please open a return request in the app with a short description; we will approve a refund or a replacement, whichever you prefer.',
    smell: 'That is normal for real leather and fades within a few days. Airing the jacket on a hanger speeds it up. Enjoy wearing it!',
    damaged: 'We are very sorry it arrived damaged. Thank you for the photos. Please open a return request in the app and we will approve it right away.',
    size: 'Of course! Please open a return request in the app and order the next size up; we will refund the first one as soon as it is back.',
    thanks: 'You are welcome! Let us know if there is anything else we can do.',
  },
  de: {
    where: 'Hallo, danke für Ihre Geduld! Ihr Paket ist beim Versanddienstleister und sollte innerhalb von 2 Werktagen ankommen. Wir behalten die Sendungsverfolgung im Blick.',
    colour: 'Es tut uns leid, dass die Farbe nicht Ihren Erwartungen aus dem Livestream entspricht. Die Rücksendung ist kostenlos: Bitte stellen Sie in der App einen Rückgabeantrag, wir genehmigen ihn.',
    battery: 'Das mit dem Akku tut uns leid. Bitte stellen Sie in der App einen Rückgabeantrag mit einer kurzen Beschreibung; wir erstatten oder ersetzen das Gerät, wie Sie möchten.',
    smell: 'Das ist bei echtem Leder normal und verfliegt nach einigen Tagen. Lüften auf einem Bügel beschleunigt das. Viel Freude damit!',
    damaged: 'Es tut uns sehr leid, dass der Artikel beschädigt ankam. Danke für die Fotos. Bitte stellen Sie in der App einen Rückgabeantrag, wir genehmigen ihn sofort.',
    size: 'Selbstverständlich! Bitte stellen Sie in der App einen Rückgabeantrag und bestellen Sie die nächste Größe; wir erstatten den ersten Artikel, sobald er zurück ist.',
    thanks: 'Gern geschehen! Melden Sie sich jederzeit, wenn wir noch helfen können.',
  },
  fr: {
    where: 'Bonjour, merci de votre patience ! Votre colis est chez le transporteur et devrait être livré sous 2 jours ouvrés. Nous surveillons le suivi pour vous.',
    colour: 'Nous sommes désolés que la couleur ne corresponde pas au live. Le retour est gratuit : ouvrez une demande de retour dans l’application, nous l’accepterons.',
    battery: 'Désolés pour l’autonomie. Ouvrez une demande de retour dans l’application avec une courte description ; nous vous proposerons un remboursement ou un échange, au choix.',
    smell: 'C’est normal pour du cuir véritable et cela disparaît en quelques jours. L’aérer sur un cintre aide beaucoup. Belle journée !',
    damaged: 'Nous sommes vraiment désolés que l’article soit arrivé abîmé. Merci pour les photos. Ouvrez une demande de retour dans l’application, nous l’accepterons tout de suite.',
    size: 'Bien sûr ! Ouvrez une demande de retour dans l’application et commandez la taille au-dessus ; nous remboursons le premier article dès son retour.',
    thanks: 'Avec plaisir ! N’hésitez pas à nous écrire si besoin.',
  },
  it: {
    where: 'Ciao, grazie per la pazienza! Il pacco è presso il corriere e dovrebbe arrivare entro 2 giorni lavorativi. Teniamo d’occhio la spedizione per te.',
    colour: 'Ci dispiace che il colore non sia quello visto nella diretta. Il reso è gratuito: apri una richiesta di reso nell’app e la approveremo.',
    battery: 'Ci dispiace per la durata della batteria. Apri una richiesta di reso nell’app con una breve descrizione; ti offriremo rimborso o sostituzione, come preferisci.',
    smell: 'È normale per la vera pelle e sparisce in pochi giorni. Lasciarla arieggiare su una gruccia aiuta. Buona giornata!',
    damaged: 'Ci dispiace molto che l’articolo sia arrivato danneggiato. Grazie per le foto. Apri una richiesta di reso nell’app e la approveremo subito.',
    size: 'Certo! Apri una richiesta di reso nell’app e ordina la taglia successiva; rimborseremo il primo articolo appena rientra.',
    thanks: 'Prego! Scrivici pure se ti serve altro.',
  },
  es: {
    where: 'Hola, ¡gracias por tu paciencia! Tu paquete está con el transportista y debería llegar en 2 días laborables. Seguimos el envío por ti.',
    colour: 'Sentimos que el color no sea el que viste en el directo. La devolución es gratuita: abre una solicitud de devolución en la app y la aprobaremos.',
    battery: 'Sentimos lo de la batería. Abre una solicitud de devolución en la app con una breve descripción; te ofreceremos reembolso o cambio, como prefieras.',
    smell: 'Es normal en la piel auténtica y desaparece en pocos días. Airearla en una percha ayuda. ¡Que la disfrutes!',
    damaged: 'Sentimos mucho que el artículo llegara dañado. Gracias por las fotos. Abre una solicitud de devolución en la app y la aprobaremos enseguida.',
    size: '¡Claro! Abre una solicitud de devolución en la app y pide la talla siguiente; reembolsaremos el primero en cuanto vuelva.',
    thanks: '¡De nada! Escríbenos si necesitas algo más.',
  },
};

export type Emit = (shopId: string, type: number, data: Record<string, unknown>) => void;

/**
 * The sandbox's state. Every mutation bumps the entity's update_time and emits the webhook the
 * platform would send; the HTTP layer only reads it and applies seller write-backs.
 */
export class World {
  readonly shops: SbShop[];
  readonly buyers = new Map<string, SbBuyer>();
  readonly orders = new Map<string, SbOrder>();
  readonly returns = new Map<string, SbReturn>();
  readonly cancellations = new Map<string, SbCancellation>();
  readonly conversations = new Map<string, SbConversation>();
  private seq = 0;
  readonly r: Rng;
  emit: Emit = () => undefined;
  /** Money the platform pays out on its own (a buyer accepting an offer); the server records it. */
  onRefund: (r: { shopId: string; orderId: string; id: string }, amount: number, via: string) => void = () => undefined;
  /** Where the sandbox serves buyer photos and videos (set when its HTTP server starts). */
  mediaBase = '';
  /**
   * Finance statements (sandbox/finance.ts): a refund the platform booked at another amount (minor
   * units) or has not put on a statement ('withheld'), keyed by return id. Tests and the demo set it.
   */
  readonly financeQuirks = new Map<string, number | 'withheld'>();

  /** When the world was made: its LIVE sessions are placed relative to it. */
  readonly anchorSec: number;

  constructor(readonly seed: number, readonly nowSec: () => number, shops: ShopSpec[] = DEFAULT_SHOPS) {
    this.r = rng(seed);
    this.anchorSec = nowSec();
    this.shops = shops.map((s) => {
      const h = crypto.createHash('sha256').update(`${seed}:${s.id}`).digest('hex');
      return {
        ...s,
        cipher: `ROW_${h.slice(0, 24)}`,
        code: `${s.region}LC${h.slice(24, 30).toUpperCase()}`,
        products: CATALOGUES[s.brand].map((p, i) => ({ ...p, productId: `17296${s.id.slice(-2)}${String(i + 1).padStart(12, '0')}`, skuId: `17297${s.id.slice(-2)}${String(i + 1).padStart(12, '0')}`, listing: structuredClone(LISTINGS[p.key]!), updateTime: this.anchorSec - 86_400 * 30 })),
        sources: sourcesFor(s),
      };
    });
  }

  /** 19-digit ids beyond 2^53, like the platform's: a client that JSON.parses them loses digits. */
  nextId(prefix: string): string {
    this.seq++;
    return prefix + String(this.seq).padStart(19 - prefix.length, '0');
  }

  continueIdsFrom(n: number): void {
    this.seq = Math.max(this.seq, n);
  }

  shop(id: string): SbShop | undefined {
    return this.shops.find((s) => s.id === id);
  }
  shopByCipher(cipher: string): SbShop | undefined {
    return this.shops.find((s) => s.cipher === cipher);
  }
  product(shop: SbShop, key: string) {
    return shop.products.find((p) => p.key === key)!;
  }

  /** The seller edits a product page in Seller Center: the platform tells subscribers (type 15). */
  editListing(shopId: string, key: string, patch: Partial<ListingSpec>): void {
    const p = this.product(this.shop(shopId)!, key);
    Object.assign(p.listing, patch);
    p.updateTime = this.nowSec();
    this.emit(shopId, 15, { product_id: p.productId, update_time: p.updateTime });
  }

  /** Search Products row (202309). */
  productSummaryJson(shop: SbShop, p: SbShop['products'][number]) {
    return { id: p.productId, title: p.name, status: 'ACTIVATE', skus: [this.skuJson(shop, p)], sales_regions: [shop.region], create_time: this.anchorSec - 86_400 * 60, update_time: p.updateTime };
  }

  private skuJson(shop: SbShop, p: SbShop['products'][number]) {
    const price = (p.price / 100).toFixed(2);
    return { id: p.skuId, seller_sku: p.sku, price: { currency: shop.currency, sale_price: price, tax_exclusive_price: price }, inventory: [{ quantity: 40, warehouse_id: `7${shop.id.slice(-6)}0001` }], sales_attributes: [{ id: '100000', name: 'Variant', value_id: `${p.skuId.slice(-6)}`, value_name: p.skuName }] };
  }

  /** Get Product (202309): the fields buyers ask about, as the platform names them. */
  productJson(shop: SbShop, p: SbShop['products'][number]) {
    const img = (n: number) => ({ uri: `tos-sandbox/${p.sku}-${n}`, urls: [`${this.mediaBase}/media/sku/${p.sku}.png`], thumb_urls: [`${this.mediaBase}/media/sku/${p.sku}.png`], width: 800, height: 800 });
    return {
      id: p.productId,
      title: p.name,
      status: 'ACTIVATE',
      description: p.listing.description,
      category_chains: [{ id: '600001', parent_id: '0', local_name: p.category, is_leaf: false }, { id: '600002', parent_id: '600001', local_name: p.listing.category, is_leaf: true }],
      brand: { id: '7000001', name: shop.brand === 'voltix' ? 'Voltix' : 'Lumière' },
      main_images: Array.from({ length: p.listing.images }, (_, i) => img(i)),
      ...(p.listing.sizeChart ? { size_chart: { image: img(99) } } : {}),
      product_attributes: p.listing.attributes.map((a, i) => ({ id: String(100100 + i), name: a.name, values: a.values.map((v, j) => ({ id: String(200000 + i * 10 + j), name: v })) })),
      skus: [this.skuJson(shop, p)],
      create_time: this.anchorSec - 86_400 * 60,
      update_time: p.updateTime,
    };
  }

  // ---------------- generation ----------------

  /** Backdated history: `ordersPerShop` orders spread over the last `days` days. */
  populate(ordersPerShop = 40, days = 45): void {
    const now = this.nowSec();
    for (const shop of this.shops) {
      const times = Array.from({ length: ordersPerShop }, () => now - this.r.int(3600, days * 86400)).sort((a, b) => a - b);
      for (const t0 of times) {
        const o = this.createOrder(shop.id, { at: t0, silent: true, history: true });
        // A LIVE session's orders are placed while it runs: createOrder may have moved the time.
        const t = o.createTime;
        const ageDays = (now - t) / 86400;
        if (this.r.chance(0.03)) {
          this.setOrderStatus(o.id, 'CANCELLED', { at: t + 1800, silent: true });
          continue;
        }
        if (ageDays > 2) this.ship(o.id, { at: t + 86400, silent: true });
        if (ageDays > 6) this.setOrderStatus(o.id, 'DELIVERED', { at: t + 5 * 86400, silent: true });
        if (ageDays > 6) this.maybeAfterSales(o, t + 6 * 86400, true);
        if (ageDays > 30 && o.status === 'DELIVERED') this.setOrderStatus(o.id, 'COMPLETED', { at: t + 30 * 86400, silent: true });
      }
    }
    this.converseHistory(now);
  }

  /**
   * The customer-service side of the seeded history. The shop's team answered nearly every chat
   * back then (mostly within the hour, sometimes hours late, a few never), buyers sometimes said
   * thanks; the chats of the last few hours are still waiting. A separate generator seeded from the
   * world's seed, so orders and returns stay exactly what `r` makes them.
   */
  private converseHistory(now: number): void {
    const r = rng(this.seed ^ 0x5a11c0de);
    // Two buyers per shop are waiting: one wrote a few minutes ago, one about an hour ago.
    for (const shop of this.shops) {
      const open = [...this.orders.values()].filter((o) => o.shopId === shop.id && (o.status === 'IN_TRANSIT' || o.status === 'DELIVERED' || o.status === 'COMPLETED'));
      for (let i = 0; i < 2 && open.length; i++) {
        const o = open.splice(Math.floor(r.next() * open.length), 1)[0]!;
        const topic: Topic = o.status === 'IN_TRANSIT' ? 'where' : r.pick(['smell', 'size', 'damaged'] as const);
        this.buyerMessage(o, topic, { at: now - (i === 0 ? r.int(2, 12) : r.int(20, 90)) * 60, silent: true, text: r.pick(BUYER_TEXTS[o.buyer.lang][topic]) });
      }
    }
    const shopRoles = new Set(['SHOP', 'CUSTOMER_SERVICE']);
    for (const conv of this.conversations.values()) {
      conv.messages.sort((a, b) => a.createTime - b.createTime);
      const written = [...conv.messages];
      for (let k = 0; k < written.length; k++) {
        const m = written[k]!;
        if (m.senderRole !== 'BUYER' || m.type !== 'TEXT') continue;
        const nextMsg = written[k + 1];
        // Answer the last buyer message of each stretch (the next one is the seller's or comes days later).
        if (nextMsg && nextMsg.senderRole === 'BUYER' && nextMsg.createTime - m.createTime < 3600) continue;
        if (nextMsg && shopRoles.has(nextMsg.senderRole)) continue;
        if (now - m.createTime < 6 * 3600 || r.chance(0.06)) continue;
        const delay = r.chance(0.85) ? r.int(4, 50) * 60 : r.int(2, 9) * 3600;
        const at = Math.min(m.createTime + delay, now - 60);
        const limit = nextMsg ? nextMsg.createTime - 1 : now;
        if (at >= limit) continue;
        const topic = topicOf(conv.buyer.lang, m.content);
        this.addMessage(conv, { type: 'TEXT', content: JSON.stringify({ content: SELLER_REPLIES[conv.buyer.lang][topic] }), role: 'CUSTOMER_SERVICE', at }, true);
        if (topic !== 'thanks' && r.chance(0.3)) {
          const thanksAt = at + r.int(10, 180) * 60;
          if (thanksAt < limit && thanksAt < now - 4 * 86400) this.addMessage(conv, { type: 'TEXT', content: JSON.stringify({ content: r.pick(BUYER_TEXTS[conv.buyer.lang].thanks) }), role: 'BUYER', at: thanksAt }, true);
        }
      }
      conv.messages.sort((a, b) => a.createTime - b.createTime);
    }
  }

  private newBuyer(shop: SbShop): SbBuyer {
    const lang: Lang = shop.region === 'US' && this.r.chance(0.15) ? 'es' : shop.lang;
    const first = this.r.pick(FIRST_NAMES[lang]);
    const b: SbBuyer = {
      userId: this.nextId('70'),
      imUserId: this.nextId('69'),
      nickname: `${first} ${this.r.pick(LAST_INITIALS.split(''))}.`,
      email: `${crypto.createHash('md5').update(`${this.seed}${this.seq}`).digest('hex').slice(0, 12)}@${shop.emailDomain}`,
      lang,
      shopId: shop.id,
    };
    this.buyers.set(b.userId, b);
    return b;
  }

  /**
   * The shop's own LIVE sessions: one per LIVE source, a five-hour evening show 12, 17, 22 … days
   * before the world was made. Orders from a LIVE source are placed while its session runs.
   */
  liveSessionsOf(shopId: string): { source: SourceSpec; start: number; end: number }[] {
    const shop = this.shop(shopId)!;
    const day = Math.floor(this.anchorSec / 86400) * 86400;
    return shop.sources.filter((s) => s.type === 'LIVE').map((source, i) => {
      const onAir = this.onAir.get(`${shopId}|${source.id}`);
      if (onAir) return { source, ...onAir };
      const start = day - (12 + 5 * i) * 86400 + 18 * 3600;
      return { source, start, end: start + 5 * 3600 };
    });
  }

  private readonly onAir = new Map<string, { start: number; end: number }>();
  /** The show of a LIVE source goes on air now (for four hours): orders from it are placed now. */
  goLive(shopId: string, sourceIdx: number, at = this.nowSec()): void {
    const source = this.shop(shopId)!.sources[sourceIdx]!;
    this.onAir.set(`${shopId}|${source.id}`, { start: at - 1800, end: at + 4 * 3600 });
  }

  createOrder(shopId: string, opts: { at?: number; silent?: boolean; productKey?: string; sourceIdx?: number; units?: number; buyer?: SbBuyer; history?: boolean } = {}): SbOrder {
    const shop = this.shop(shopId)!;
    let at = opts.at ?? this.nowSec();
    const existing = [...this.buyers.values()].filter((b) => b.shopId === shopId);
    const buyer = opts.buyer ?? (existing.length > 5 && this.r.chance(0.25) ? this.r.pick(existing) : this.newBuyer(shop));
    let source = opts.sourceIdx !== undefined ? shop.sources[opts.sourceIdx]! : this.r.weighted(shop.sources);
    if (source.type === 'LIVE') {
      const session = this.liveSessionsOf(shopId).find((x) => x.source.id === source.id)!;
      if (opts.history) at = session.start + this.r.int(60, session.end - session.start - 60);
      // Outside its session a LIVE sells nothing: the buyer found the product another way.
      else if (at < session.start || at > session.end) source = shop.sources.find((x) => x.type === 'ORGANIC') ?? source;
    }
    const main = opts.productKey ?? (source.product && this.r.chance(0.8) ? source.product : this.r.weighted(shop.products).key);
    const units = opts.units ?? (this.r.chance(0.15) ? 2 : 1);
    const lines: SbLine[] = [];
    for (let i = 0; i < units; i++) lines.push({ id: this.nextId('57'), productKey: main, source, status: 'AWAITING_SHIPMENT' });
    if (this.r.chance(0.1)) {
      const extra = this.r.weighted(shop.products).key;
      lines.push({ id: this.nextId('57'), productKey: extra, source: shop.sources.find((s) => s.type === 'ORGANIC') ?? source, status: 'AWAITING_SHIPMENT' });
    }
    const subtotal = lines.reduce((a, l) => a + this.product(shop, l.productKey).price, 0);
    const o: SbOrder = {
      id: this.nextId('58'),
      shopId,
      buyer,
      status: 'AWAITING_SHIPMENT',
      createTime: at,
      paidTime: at + 30,
      updateTime: at + 30,
      lines,
      shippingFee: subtotal > 20000 ? 0 : 599,
      sellerDiscount: this.r.chance(0.4) ? Math.round(subtotal * this.r.pick([0.05, 0.1, 0.15])) : 0,
      platformDiscount: this.r.chance(0.2) ? 500 : 0,
      buyerMessage: '',
    };
    this.orders.set(o.id, o);
    if (!opts.silent) this.emit(shopId, 1, { order_id: o.id, order_status: o.status, is_on_hold_order: false, update_time: o.updateTime });
    return o;
  }

  touch(o: SbOrder, at?: number): void {
    o.updateTime = Math.max(o.updateTime, at ?? this.nowSec());
  }

  setOrderStatus(orderId: string, status: string, opts: { at?: number; silent?: boolean } = {}): SbOrder {
    const o = this.orders.get(orderId)!;
    o.status = status;
    // A line's display_status follows its order's: IN_TRANSIT once collected, DELIVERED on
    // delivery, and COMPLETED only when the order closes to returns and refunds.
    for (const l of o.lines) l.status = status === 'PARTIALLY_SHIPPING' || status === 'ON_HOLD' ? 'AWAITING_SHIPMENT' : status;
    if (status === 'DELIVERED') o.deliveryTime = opts.at ?? this.nowSec();
    this.touch(o, opts.at);
    // The order webhook's documented enum spells a cancelled order CANCEL (the API says CANCELLED).
    if (!opts.silent) this.emit(o.shopId, 1, { order_id: o.id, order_status: status === 'CANCELLED' ? 'CANCEL' : status, is_on_hold_order: false, update_time: o.updateTime });
    return o;
  }

  ship(orderId: string, opts: { at?: number; silent?: boolean } = {}): SbOrder {
    const o = this.orders.get(orderId)!;
    o.trackingNumber = `${CARRIERS[this.shop(o.shopId)!.region]!.slice(0, 2).toUpperCase()}${this.nextId('9').slice(-12)}`;
    return this.setOrderStatus(orderId, 'IN_TRANSIT', opts);
  }

  /** After delivery the story decides: the livestream bag and the creator-video power bank come back a lot. */
  maybeAfterSales(o: SbOrder, at: number, silent: boolean): void {
    const line = o.lines[0]!;
    const livestreamColour = line.productKey === 'aurore' && line.source.type === 'LIVE';
    const oversold = line.productKey === 'powercore' && line.source.type === 'VIDEO';
    const p = livestreamColour ? 0.45 : oversold ? 0.35 : 0.04;
    if (this.r.chance(p)) {
      const reason = livestreamColour ? 'colour' : oversold ? 'battery' : this.r.pick(['damaged', 'size', 'changed_mind'] as const);
      const rt = this.openReturn(o.id, { reason, at, silent });
      const topic: Topic = reason === 'colour' ? 'colour' : reason === 'battery' ? 'battery' : reason === 'damaged' ? 'damaged' : 'size';
      this.buyerMessage(o, topic, { at: at - 600, silent });
      // Older requests have moved on through the flow.
      if (silent && this.nowSec() - at > 3 * 86400) {
        const step = this.r.pick(['AWAITING_BUYER_SHIP', 'BUYER_SHIPPED_ITEM', 'RETURN_OR_REFUND_REQUEST_COMPLETE', 'REFUND_OR_RETURN_REQUEST_REJECT'] as const);
        this.setReturnStatus(rt.id, step, { at: at + 86400, silent });
      }
    } else if (this.r.chance(0.12)) {
      this.buyerMessage(o, this.r.pick(['where', 'smell', 'thanks'] as const), { at, silent });
    }
  }

  openReturn(orderId: string, opts: { reason: keyof typeof RETURN_REASONS; type?: SbReturn['type']; at?: number; silent?: boolean; lineIds?: string[] }): SbReturn {
    const o = this.orders.get(orderId)!;
    const shop = this.shop(o.shopId)!;
    const at = opts.at ?? this.nowSec();
    const lineIds = opts.lineIds ?? [o.lines[0]!.id];
    const refund = lineIds.reduce((a, id) => a + this.linePaid(o, id), 0);
    const type = opts.type ?? (opts.reason === 'changed_mind' || opts.reason === 'colour' || opts.reason === 'size' ? 'RETURN_AND_REFUND' : this.r.pick(['RETURN_AND_REFUND', 'REFUND'] as const));
    const reason = RETURN_REASONS[opts.reason];
    const rt: SbReturn = {
      id: this.nextId('41'),
      orderId,
      shopId: o.shopId,
      type,
      status: type === 'REPLACEMENT' ? 'REPLACEMENT_REQUEST_PENDING' : 'RETURN_OR_REFUND_REQUEST_PENDING',
      role: 'BUYER',
      reason: opts.reason,
      lineIds,
      refundTotal: refund,
      createTime: at,
      updateTime: at,
      records: [
        {
          role: 'BUYER',
          description: 'Buyer requested a return',
          reasonText: reason.text[o.buyer.lang],
          images: opts.reason === 'changed_mind' ? [] : [`/media/return/${orderId}/1.png`, `/media/return/${orderId}/2.png`],
          videos: opts.reason === 'damaged' ? [`/media/return/${orderId}/unboxing.mp4`] : [],
          createTime: at,
        },
      ],
    };
    void shop;
    this.returns.set(rt.id, rt);
    this.touch(o, at);
    if (!opts.silent) this.emitReturn(rt);
    return rt;
  }

  /** What the buyer paid for a line: its price minus its share of the seller discount (pro rata, largest remainder). */
  linePaid(o: SbOrder, lineId: string): number {
    const shop = this.shop(o.shopId)!;
    const prices = o.lines.map((l) => this.product(shop, l.productKey).price);
    const total = prices.reduce((a, b) => a + b, 0);
    const exact = prices.map((p) => (o.sellerDiscount * p) / total);
    const floors = exact.map(Math.floor);
    let rest = o.sellerDiscount - floors.reduce((a, b) => a + b, 0);
    const order = exact.map((x, i) => ({ i, f: x - Math.floor(x) })).sort((a, b) => b.f - a.f || a.i - b.i);
    for (const { i } of order) if (rest-- > 0) floors[i]! += 1;
    const idx = o.lines.findIndex((l) => l.id === lineId);
    return prices[idx]! - floors[idx]!;
  }

  setReturnStatus(returnId: string, status: string, opts: { at?: number; silent?: boolean; arbitration?: string; role?: string; note?: string } = {}): SbReturn {
    const rt = this.returns.get(returnId)!;
    rt.status = status;
    if (opts.arbitration) rt.arbitration = opts.arbitration;
    rt.updateTime = Math.max(rt.updateTime, opts.at ?? this.nowSec());
    rt.records.push({ role: opts.role ?? 'SYSTEM', description: opts.note ?? `Status changed to ${status}`, images: [], videos: [], createTime: rt.updateTime });
    this.touch(this.orders.get(rt.orderId)!, rt.updateTime);
    if (!opts.silent) this.emitReturn(rt);
    return rt;
  }

  /**
   * The buyer answers a partial refund offer. Accepting pays the offered amount and settles the
   * request; refusing marks buyer_rejected_partial_refund and hands the request back to the seller.
   */
  answerPartialRefund(returnId: string, accept: boolean, opts: { at?: number; silent?: boolean } = {}): SbReturn {
    const rt = this.returns.get(returnId)!;
    if (rt.status !== 'AWAITING_BUYER_RESPONSE' || rt.partialRefund === undefined) throw new Error(`return ${returnId} has no open offer`);
    if (accept) {
      this.setReturnStatus(rt.id, 'RETURN_OR_REFUND_REQUEST_SUCCESS', { ...opts, role: 'BUYER', note: 'Buyer accepted the partial refund' });
      this.onRefund(rt, rt.partialRefund, 'OFFER_PARTIAL_REFUND accepted');
    } else {
      rt.buyerRejectedPartialRefund = true;
      this.setReturnStatus(rt.id, 'RETURN_OR_REFUND_REQUEST_PENDING', { ...opts, role: 'BUYER', note: 'Buyer rejected the partial refund' });
    }
    return rt;
  }

  emitReturn(rt: SbReturn): void {
    this.emit(rt.shopId, 12, { order_id: rt.orderId, return_role: rt.role, return_type: rt.type, return_status: rt.status, return_id: rt.id, create_time: rt.createTime, update_time: rt.updateTime });
  }

  requestCancel(orderId: string, opts: { at?: number; silent?: boolean } = {}): SbCancellation {
    const o = this.orders.get(orderId)!;
    const at = opts.at ?? this.nowSec();
    const c: SbCancellation = {
      id: this.nextId('42'),
      orderId,
      shopId: o.shopId,
      type: 'BUYER_CANCEL',
      status: 'CANCELLATION_REQUEST_PENDING',
      role: 'BUYER',
      reason: 'ecom_order_to_ship_canceled_reason_no_longer_needed',
      reasonText: { en: 'No longer needed', de: 'Nicht mehr benötigt', fr: "Je n'en ai plus besoin", it: 'Non più necessario', es: 'Ya no lo necesito' }[o.buyer.lang],
      lineIds: o.lines.map((l) => l.id),
      refundTotal: o.lines.reduce((a, l) => a + this.linePaid(o, l.id), 0) + o.shippingFee,
      createTime: at,
      updateTime: at,
    };
    this.cancellations.set(c.id, c);
    this.touch(o, at);
    if (!opts.silent) this.emit(o.shopId, 11, { order_id: orderId, cancellations_role: 'BUYER', cancel_status: c.status, cancel_id: c.id, create_time: at });
    return c;
  }

  setCancellationStatus(cancelId: string, status: string, opts: { at?: number; silent?: boolean } = {}): SbCancellation {
    const c = this.cancellations.get(cancelId)!;
    c.status = status;
    c.updateTime = Math.max(c.updateTime, opts.at ?? this.nowSec());
    if (status === 'CANCELLATION_REQUEST_COMPLETE') {
      const o = this.orders.get(c.orderId)!;
      // Cancelling some lines cancels those lines; the order is cancelled once none is left.
      if (o.lines.every((l) => c.lineIds.includes(l.id) || l.status === 'CANCELLED')) this.setOrderStatus(c.orderId, 'CANCELLED', { at: c.updateTime, silent: opts.silent });
      else for (const l of o.lines) if (c.lineIds.includes(l.id)) l.status = 'CANCELLED';
      this.onRefund(c, c.refundTotal, `cancellation ${c.type}`);
    }
    if (!opts.silent) this.emit(c.shopId, 11, { order_id: c.orderId, cancellations_role: c.role, cancel_status: status, cancel_id: c.id, create_time: c.createTime });
    return c;
  }

  /** The seller (or the platform on its behalf) approves: the cancellation succeeds, then completes with the refund. */
  approveCancellation(cancelId: string, opts: { at?: number; silent?: boolean } = {}): SbCancellation {
    this.setCancellationStatus(cancelId, 'CANCELLATION_REQUEST_SUCCESS', opts);
    return this.setCancellationStatus(cancelId, 'CANCELLATION_REQUEST_COMPLETE', opts);
  }

  /** A rejected request ends as CANCELLATION_REQUEST_CANCEL (Cancel Order's documented status set); the order goes on. */
  rejectCancellation(cancelId: string, opts: { at?: number; silent?: boolean } = {}): SbCancellation {
    return this.setCancellationStatus(cancelId, 'CANCELLATION_REQUEST_CANCEL', opts);
  }

  /** A seller cancels the order: no approval step, so it succeeds and completes at once. */
  sellerCancel(orderId: string, reason: string, opts: { at?: number; silent?: boolean; lineIds?: string[] } = {}): SbCancellation {
    const o = this.orders.get(orderId)!;
    const at = opts.at ?? this.nowSec();
    const lineIds = opts.lineIds ?? o.lines.map((l) => l.id);
    const c: SbCancellation = {
      id: this.nextId('42'),
      orderId,
      shopId: o.shopId,
      type: 'CANCEL',
      status: 'CANCELLATION_REQUEST_SUCCESS',
      role: 'SELLER',
      reason,
      reasonText: reason,
      lineIds,
      refundTotal: lineIds.reduce((a, id) => a + this.linePaid(o, id), 0) + (lineIds.length === o.lines.length ? o.shippingFee : 0),
      createTime: at,
      updateTime: at,
    };
    this.cancellations.set(c.id, c);
    this.touch(o, at);
    if (!opts.silent) this.emit(o.shopId, 11, { order_id: orderId, cancellations_role: 'SELLER', cancel_status: c.status, cancel_id: c.id, create_time: at });
    return this.setCancellationStatus(c.id, 'CANCELLATION_REQUEST_COMPLETE', opts);
  }

  /** The platform decides for a seller who did not answer a buyer's cancellation within 48 hours: approved. */
  autoDecide(nowSec = this.nowSec()): SbCancellation[] {
    const due = [...this.cancellations.values()].filter((c) => c.status === 'CANCELLATION_REQUEST_PENDING' && c.createTime + 48 * 3600 <= nowSec);
    for (const c of due) this.approveCancellation(c.id, { at: nowSec });
    return due;
  }

  conversationFor(buyer: SbBuyer, at: number, silent = false): SbConversation {
    let conv = [...this.conversations.values()].find((c) => c.buyer.userId === buyer.userId);
    if (!conv) {
      conv = { id: this.nextId('76'), shopId: buyer.shopId, buyer, createTime: at, messages: [] };
      this.conversations.set(conv.id, conv);
      if (!silent) this.emit(conv.shopId, 13, { conversation_id: conv.id, create_time: at });
    }
    return conv;
  }

  /** The buyer taps "contact seller" on an order page: the chat opens with BUYER_ENTER_FROM_ORDER carrying the order id. */
  buyerEntersFromOrder(o: SbOrder, topic: Topic, opts: { at?: number; silent?: boolean; text?: string } = {}): SbMessage {
    const at = opts.at ?? this.nowSec();
    const conv = this.conversationFor(o.buyer, at, opts.silent);
    this.addMessage(conv, { type: 'BUYER_ENTER_FROM_ORDER', content: JSON.stringify({ order_id: o.id }), role: 'BUYER', at }, opts.silent);
    const text = opts.text ?? this.r.pick(BUYER_TEXTS[o.buyer.lang][topic]);
    return this.addMessage(conv, { type: 'TEXT', content: JSON.stringify({ content: text }), role: 'BUYER', at: at + 1 }, opts.silent);
  }

  /** A buyer writes about an order: an ORDER_CARD first (so the chat links to the order), then text. */
  buyerMessage(o: SbOrder, topic: Topic, opts: { at?: number; silent?: boolean; text?: string } = {}): SbMessage {
    const at = opts.at ?? this.nowSec();
    const conv = this.conversationFor(o.buyer, at, opts.silent);
    if (!conv.messages.some((m) => m.type === 'ORDER_CARD' && m.content.includes(o.id))) {
      this.addMessage(conv, { type: 'ORDER_CARD', content: JSON.stringify({ order_id: o.id }), role: 'BUYER', at }, opts.silent);
    }
    const text = opts.text ?? this.r.pick(BUYER_TEXTS[o.buyer.lang][topic]);
    return this.addMessage(conv, { type: 'TEXT', content: JSON.stringify({ content: text }), role: 'BUYER', at: at + 1 }, opts.silent);
  }

  addMessage(conv: SbConversation, m: { type: string; content: string; role: SbMessage['senderRole']; at?: number }, silent = false): SbMessage {
    const at = m.at ?? this.nowSec();
    const shop = this.shop(conv.shopId)!;
    const msg: SbMessage = {
      id: this.nextId('73'),
      index: `${at}${String(conv.messages.length).padStart(6, '0')}`,
      type: m.type,
      content: m.content,
      senderRole: m.role,
      senderImId: m.role === 'BUYER' ? conv.buyer.imUserId : `69${shop.id.slice(-17)}`,
      senderNickname: m.role === 'BUYER' ? conv.buyer.nickname : shop.name,
      createTime: at,
    };
    conv.messages.push(msg);
    if (!silent) {
      this.emit(conv.shopId, 14, {
        message_id: msg.id,
        index: msg.index,
        conversation_id: conv.id,
        type: msg.type,
        content: msg.content,
        create_time: at,
        is_visible: true,
        sender: { im_user_id: msg.senderImId, role: msg.senderRole },
      });
    }
    return msg;
  }

  // ---------------- platform JSON shapes ----------------

  orderJson(o: SbOrder): Record<string, unknown> {
    const shop = this.shop(o.shopId)!;
    // One package per order once shipped; its id is derived from the order's so it stays stable.
    const packageId = o.trackingNumber ? `11${o.id.slice(2)}` : undefined;
    const packageFields = (lineStatus: string): Record<string, string> => {
      const ps = PACKAGE_STATUS[lineStatus];
      // Local US and UK sellers get neither package_id nor package_status before shipment.
      if (!packageId && (shop.region === 'US' || shop.region === 'GB')) return {};
      return { ...(packageId ? { package_id: packageId } : {}), ...(ps ? { package_status: ps } : {}) };
    };
    const subtotalGross = o.lines.reduce((a, l) => a + this.product(shop, l.productKey).price, 0);
    const subTotal = subtotalGross - o.sellerDiscount - o.platformDiscount;
    return {
      id: o.id,
      status: o.status,
      user_id: o.buyer.userId,
      buyer_email: o.buyer.email,
      buyer_nickname: o.buyer.nickname,
      buyer_message: o.buyerMessage,
      create_time: o.createTime,
      paid_time: o.paidTime,
      update_time: o.updateTime,
      ...(o.deliveryTime ? { delivery_time: o.deliveryTime } : {}),
      is_on_hold_order: false,
      shipping_provider: o.trackingNumber ? CARRIERS[shop.region] : '',
      tracking_number: o.trackingNumber ?? '',
      fulfillment_type: 'FULFILLMENT_BY_SELLER',
      shipping_type: 'TIKTOK',
      recipient_address: { region_code: shop.region, name: o.buyer.nickname, full_address: '*** (masked)' },
      ...(packageId ? { packages: [{ id: packageId }] } : {}),
      payment: {
        currency: shop.currency,
        original_total_product_price: dec(subtotalGross),
        seller_discount: dec(o.sellerDiscount),
        platform_discount: dec(o.platformDiscount),
        sub_total: dec(subTotal),
        shipping_fee: dec(o.shippingFee),
        tax: '0.00',
        total_amount: dec(subTotal + o.shippingFee),
      },
      line_items: o.lines.map((l) => {
        const p = this.product(shop, l.productKey);
        return {
          id: l.id,
          sku_id: p.skuId,
          product_id: p.productId,
          product_name: p.name,
          sku_name: p.skuName,
          seller_sku: p.sku,
          sku_image: `${this.mediaBase}/media/sku/${p.sku}.png`,
          original_price: dec(p.price),
          sale_price: dec(p.price),
          seller_discount: '0.00',
          platform_discount: '0.00',
          currency: shop.currency,
          display_status: l.status,
          ...packageFields(l.status),
          tracking_number: o.trackingNumber ?? '',
          is_gift: false,
          product_category: p.category,
        };
      }),
    };
  }

  returnJson(rt: SbReturn): Record<string, unknown> {
    const o = this.orders.get(rt.orderId)!;
    const shop = this.shop(rt.shopId)!;
    const pending = rt.status === 'RETURN_OR_REFUND_REQUEST_PENDING' || rt.status === 'REPLACEMENT_REQUEST_PENDING' || rt.status === 'BUYER_SHIPPED_ITEM';
    const money = (minor: number) => ({ currency: shop.currency, refund_total: dec(minor), refund_subtotal: dec(minor), refund_shipping_fee: '0.00', refund_tax: '0.00', retail_delivery_fee: '0.00', buyer_service_fee: '0.00' });
    return {
      return_id: rt.id,
      order_id: rt.orderId,
      return_type: rt.type,
      return_status: rt.status,
      ...(rt.arbitration ? { arbitration_status: rt.arbitration } : {}),
      role: rt.role,
      return_reason: RETURN_REASONS[rt.reason].code,
      return_reason_text: RETURN_REASONS[rt.reason].text[o.buyer.lang],
      return_line_items: rt.lineIds.map((id, i) => {
        const l = o.lines.find((x) => x.id === id)!;
        const p = this.product(shop, l.productKey);
        return {
          return_line_item_id: `${rt.id.slice(0, -2)}${String(i + 1).padStart(2, '0')}`,
          order_line_item_id: id,
          sku_id: p.skuId,
          sku_name: p.skuName,
          product_name: p.name,
          seller_sku: p.sku,
          product_image: { url: `${this.mediaBase}/media/sku/${p.sku}.png`, width: 16, height: 16 },
          refund_amount: money(this.linePaid(o, id)),
        };
      }),
      // The request's amounts; a partial refund offer lives in partial_refund, never here.
      refund_amount: money(rt.refundTotal),
      seller_next_action_response: pending
        ? [{ action: rt.status === 'BUYER_SHIPPED_ITEM' ? 'SELLER_RESPOND_RECEIVE_PACKAGE' : rt.type === 'REFUND' ? 'SELLER_RESPOND_REFUND' : rt.type === 'REPLACEMENT' ? 'SELLER_RESPOND_REPLACEMENT' : 'SELLER_RESPOND_RETURN', deadline: rt.updateTime + 48 * 3600 }]
        : [],
      shipment_type: 'PLATFORM',
      handover_method: 'DROP_OFF',
      can_buyer_keep_item: rt.type === 'REFUND',
      ...(rt.partialRefund !== undefined ? { seller_proposed_return_type: 'PARTIAL_REFUND', partial_refund: { amount: dec(rt.partialRefund), currency: shop.currency } } : {}),
      buyer_rejected_partial_refund: rt.buyerRejectedPartialRefund ?? false,
      create_time: rt.createTime,
      update_time: rt.updateTime,
    };
  }

  recordsJson(rt: SbReturn): Record<string, unknown> {
    return {
      records: rt.records.map((r) => ({
        event: 'ORDER_RETURN',
        role: r.role,
        description: r.description,
        reason_text: r.reasonText ?? '',
        note: '',
        images: r.images.map((p) => ({ url: this.mediaBase + p, width: 1080, height: 1440 })),
        videos: r.videos.map((p) => ({ url: this.mediaBase + p, cover: this.mediaBase + p.replace('.mp4', '.png') })),
        create_time: r.createTime,
      })),
    };
  }

  cancellationJson(c: SbCancellation): Record<string, unknown> {
    const shop = this.shop(c.shopId)!;
    const o = this.orders.get(c.orderId)!;
    return {
      cancel_id: c.id,
      order_id: c.orderId,
      cancel_type: c.type,
      cancel_status: c.status,
      role: c.role,
      cancel_reason: c.reason,
      cancel_reason_text: c.reasonText,
      cancel_line_items: c.lineIds.map((id, i) => {
        const p = this.product(shop, o.lines.find((l) => l.id === id)!.productKey);
        return {
          cancel_line_item_id: `${c.id.slice(0, -2)}${String(i + 1).padStart(2, '0')}`,
          order_line_item_id: id,
          sku_id: p.skuId,
          sku_name: p.skuName,
          product_name: p.name,
          seller_sku: p.sku,
          product_image: { url: `${this.mediaBase}/media/sku/${p.sku}.png`, width: 16, height: 16 },
          refund_amount: { currency: shop.currency, refund_total: dec(this.linePaid(o, id)) },
        };
      }),
      refund_amount: { currency: shop.currency, refund_total: dec(c.refundTotal) },
      seller_next_action_response: c.status === 'CANCELLATION_REQUEST_PENDING' ? [{ action: 'SELLER_RESPOND_CANCEL', deadline: c.createTime + 48 * 3600 }] : [],
      create_time: c.createTime,
      update_time: c.updateTime,
    };
  }

  /** A buyer participant; the platform names its source platform only for Indonesian buyers. */
  private buyerParticipant(c: SbConversation, platformKey: 'buyer_platform' | 'platform'): Record<string, unknown> {
    const shop = this.shop(c.shopId)!;
    return {
      im_user_id: c.buyer.imUserId,
      user_id: c.buyer.userId,
      nickname: c.buyer.nickname,
      avatar: '',
      role: 'BUYER',
      ...(shop.region === 'ID' ? { [platformKey]: 'TIKTOK_SHOP' } : {}),
    };
  }

  private shopParticipant(c: SbConversation): Record<string, unknown> {
    const shop = this.shop(c.shopId)!;
    return { im_user_id: `69${shop.id.slice(-17)}`, user_id: '', nickname: shop.name, avatar: '', role: 'SHOP' };
  }

  /** Buyer reachability: an order with the shop within 60 days or a chat within 30 days. */
  canSendMessage(c: SbConversation, nowSec = this.nowSec()): boolean {
    const recentOrder = [...this.orders.values()].some((o) => o.buyer.userId === c.buyer.userId && o.shopId === c.shopId && o.createTime >= nowSec - 60 * 86400);
    const recentChat = c.messages.some((m) => m.senderRole === 'BUYER' && m.createTime >= nowSec - 30 * 86400);
    return recentOrder || recentChat;
  }

  /** A row of Get Conversations (202309). */
  conversationJson(c: SbConversation): Record<string, unknown> {
    const last = c.messages[c.messages.length - 1];
    return {
      id: c.id,
      participants: [this.buyerParticipant(c, 'buyer_platform'), this.shopParticipant(c)],
      participant_count: 2,
      ...(last ? { latest_message: this.messageJson(last) } : {}),
      unread_count: 0,
      can_send_message: this.canSendMessage(c),
      create_time: c.createTime,
    };
  }

  /** Get Conversation (202601): fewer fields than a list row, and the platform key is `platform`. */
  conversationDetailJson(c: SbConversation): Record<string, unknown> {
    return {
      id: c.id,
      participants: [this.buyerParticipant(c, 'platform'), this.shopParticipant(c)],
      participant_count: 2,
      unread_count: 0,
      create_time: c.createTime,
    };
  }

  messageJson(m: SbMessage): Record<string, unknown> {
    return { id: m.id, index: m.index, type: m.type, content: m.content, sender: { im_user_id: m.senderImId, nickname: m.senderNickname, role: m.senderRole, avatar: '' }, is_visible: true, create_time: m.createTime };
  }
}
