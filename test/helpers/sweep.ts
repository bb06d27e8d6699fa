/**
 * The id sweep: for every route of the OpenAPI document that takes an id (path, query string or
 * JSON body), a caller who does not own an object must get exactly the answer they would get for an
 * id that exists nowhere — same status, same error code, same body once the id is replaced by a
 * placeholder — and nothing of the owner's data. Anything else tells an attacker the object exists
 * (or worse, lets them touch it).
 *
 * The harness knows nothing about organisations: a `victim` is a set of ids of real objects and an
 * `attacker` is a set of sessions plus the attacker's own ids (used to fill every slot that is not
 * being swept, so the request is otherwise valid and reaches the check under test). Today the test
 * sweeps another organisation; the brands work adds "same organisation, other brand" by passing a
 * different victim and a brand-restricted attacker, without touching this file.
 */
import crypto from 'node:crypto';
import sharp from 'sharp';
import type { Role } from '../../src/platform/tenancy.js';
import { newId } from '../../src/platform/ids.js';
import { type PlatformReturnInput } from '../../src/modules/orders/index.js';
import { seedOrder, seedTicket } from './returns.js';
import type { TestContext } from './context.js';
import type { TestOrg } from './org.js';
import { sample, type Op, type Schema } from './schema-sample.js';

/** Every kind of object an id of our API can name. */
export const ID_KINDS = [
  'brand',
  'shop',
  'user',
  'order',
  'orderLine',
  'buyer',
  'platformReturn',
  'ticket',
  'return',
  'remedy',
  'macro',
  'slaPolicy',
  'evidenceCase',
  'evidenceFile',
  'outbox',
  'dispute',
  'session',
  'apiToken',
  'webhook',
  'organisation',
  'invitation',
  'savedView',
  'automationRule',
  'ticketMessage',
  'couponProgramme',
  'platformCoupon',
  'feedbackTask',
  'notice',
  'product',
  'knowledgeEntry',
  'incident',
] as const;
export type IdKind = (typeof ID_KINDS)[number];
export type IdSet = Record<IdKind, string>;

/** One side of a sweep: real objects and the words that would betray them in someone else's answer. */
export interface SweepVictim {
  ids: IdSet;
  /** Strings only the victim's data contains (names, e-mail addresses, message text). */
  secrets: string[];
}

export interface SweepAttacker {
  /** A session per role the sweep calls with. */
  cookie(role: Role): Promise<string>;
  /** The attacker's own objects, which fill every id slot that is not being swept. */
  ids: IdSet;
}

/** A place an id goes: a path parameter, a query parameter or a (possibly nested) body field. */
export interface Slot {
  where: 'path' | 'query' | 'body';
  /** Parameter name, or for a body field its dotted path (`action.assigneeId`, `attachments[].sha256`). */
  name: string;
  /** Where a body field is set; array elements by index (`['attachments', '0', 'sha256']`). */
  path?: string[];
  kind: IdKind;
  array?: boolean;
}

export interface Answer {
  status: number;
  body: unknown;
}

export interface SweepCase {
  route: string;
  role: Role;
  slot: Slot;
  victim: Answer;
  missing: Answer;
  /** The answer for the attacker's own object in the same slot: tells whether the id was looked at at all. */
  own?: Answer;
}

export interface SweepOptions {
  victim: SweepVictim;
  attacker: SweepAttacker;
  /** Roles to call with (default owner and agent). */
  roles?: Role[];
  /** Only these routes (`POST /api/tickets/:id/link`); default every route of the document. */
  routes?: (key: string) => boolean;
  /** Extra or overriding slots by route, e.g. an id nested in a `oneOf` the walker cannot see. */
  slots?: Record<string, Slot[]>;
  /** Otherwise valid request parts by route; `$kind` strings become the attacker's id of that kind. */
  examples?: Record<string, { body?: unknown; query?: Record<string, string> }>;
  /** Returns a finding when the two answers differ in a way that matters; default: exact equality. */
  compare?: (c: SweepCase) => string | null;
  /**
   * Fresh attacker objects for a route, made before each call: a route that consumes what it is
   * given (a return takes the order's lines) would otherwise answer every call after the first
   * with "already done", and the comparison would prove nothing.
   */
  fresh?: (key: string) => Promise<Partial<IdSet>> | undefined;
  /** Also call with the attacker's own id (skipped for routes that destroy what they name). */
  baseline?: (key: string) => boolean;
  /**
   * Only slots of these kinds. A sweep inside one organisation (other brand) leaves out what is
   * organisation-wide by design: people, macros, stored files, the organisation itself.
   */
  kinds?: readonly IdKind[];
}

export interface SweepReport {
  /** Every difference or leak, one line each. */
  findings: string[];
  /** Routes that had at least one slot swept. */
  swept: Set<string>;
  /**
   * Slots (`GET /api/returns query orderId`) where the attacker's own object answered like a
   * missing one for every role: either a filter with nothing to show, or a request that never got
   * as far as looking the id up, which would make the comparison prove nothing.
   */
  unreached: { slot: string; answer: Answer }[];
  cases: SweepCase[];
}

/** Query and body names that carry one of our ids, and the kind they name. */
export const NAMED_KINDS: Record<string, { kind: IdKind; array?: boolean }> = {
  shopId: { kind: 'shop' },
  brandId: { kind: 'brand' },
  orderId: { kind: 'order' },
  orderLineIds: { kind: 'orderLine', array: true },
  buyerId: { kind: 'buyer' },
  ticketId: { kind: 'ticket' },
  ticketIds: { kind: 'ticket', array: true },
  sourceTicketIds: { kind: 'ticket', array: true },
  returnId: { kind: 'return' },
  platformReturnId: { kind: 'platformReturn' },
  assigneeId: { kind: 'user' },
  macroId: { kind: 'macro' },
  // The outbox names its rows' subjects; remedies are the subjects with the most steps.
  subjectId: { kind: 'remedy' },
  caseId: { kind: 'evidenceCase' },
  sha256: { kind: 'evidenceFile' },
  actorId: { kind: 'user' },
  brandIds: { kind: 'brand', array: true },
  orgId: { kind: 'organisation' },
  shopIds: { kind: 'shop', array: true },
  messageIds: { kind: 'ticketMessage', array: true },
  platformCouponId: { kind: 'platformCoupon' },
  orderIds: { kind: 'order', array: true },
  // issue 16 (playbooks): a macro's owner
  ownerUserId: { kind: 'user' },
  excludedBuyerIds: { kind: 'buyer', array: true },
};

/** Names that end like an id but name something outside our database. */
export const NOT_OUR_IDS: Record<string, string> = {
  messageId: 'the Message-ID header of an inbound e-mail, chosen by the sender',
  productId: "the platform's product id, free text for exchange stock",
  step: 'a step kind (refund, coupon…), not an id',
  phoneNumberId: "Meta's id of a WhatsApp business number, typed by the owner (unique across the installation: a taken one is a 409)",
  businessAccountId: "Meta's WhatsApp Business Account id, typed by the owner",
  numberId: 'the WhatsApp webhook path: no session, the signature over the body (app secret of that number) is the check',
  sourceId: 'a platform traffic source (ad campaign, creator video or LIVE session id), not an object of ours',
  campaignId: 'the name of a column in an imported ads report',
  businessId: "TikTok's id of a business account (API for Business), typed by the owner (unique across the installation: a taken one is a 409)",
  commentId: "TikTok's id of a video comment; looked up only among the caller's organisation's comments, another organisation's answers 404 (test/channels/whatsapp.test.ts)",
  productIds: "the platform's product ids of an incident pattern (a pattern that names none matches nobody)",
  skuIds: "the platform's SKU ids of an incident pattern",
  livestreamIds: "the platform's LIVE session ids of an incident pattern",
  videoIds: "the platform's creator video ids of an incident pattern",
  adCampaignIds: "the platform's ad campaign ids of an incident pattern",
  advertiserId: "TikTok's id of an advertiser account (Marketing API), typed by the owner; the token decides what it may read",
};

/** The kind a `:id` path parameter names, by the path segment before it. */
const SEGMENT_KINDS: Record<string, IdKind> = {
  products: 'product',
  entries: 'knowledgeEntry',
  users: 'user',
  brands: 'brand',
  shops: 'shop',
  outbox: 'outbox',
  orders: 'order',
  buyers: 'buyer',
  'platform-returns': 'platformReturn',
  'from-platform': 'platformReturn',
  tickets: 'ticket',
  agents: 'user',
  macros: 'macro',
  policies: 'slaPolicy',
  remedies: 'remedy',
  returns: 'return',
  disputes: 'dispute',
  sessions: 'session',
  tokens: 'apiToken',
  webhooks: 'webhook',
  invitations: 'invitation',
  'saved-views': 'savedView',
  rules: 'automationRule',
  programmes: 'couponProgramme',
  'feedback-tasks': 'feedbackTask',
  notices: 'notice',
  incidents: 'incident',
};

// A procedure's path names its problem category (a fixed list), not an object.
const FIXED_PATH_VALUES: Record<string, string> = { step: 'refund', category: 'minor_flaw' };

interface Route {
  key: string;
  method: string;
  path: string;
  op: Op;
}

export function specRoutes(ctx: TestContext): Route[] {
  const spec = ctx.app.swagger() as { paths: Record<string, Record<string, Op>> };
  const out: Route[] = [];
  for (const [p, ops] of Object.entries(spec.paths)) {
    for (const [m, op] of Object.entries(ops)) {
      const path = p.replace(/\{(\w+)\}/g, ':$1');
      out.push({ key: `${m.toUpperCase()} ${path}`, method: m.toUpperCase(), path, op });
    }
  }
  return out;
}

/** Path parameters of a route that name an object, with the kind; `undefined` for an unknown one. */
export function pathSlots(path: string): { name: string; kind: IdKind | undefined }[] {
  const segs = path.split('/');
  const out: { name: string; kind: IdKind | undefined }[] = [];
  segs.forEach((s, i) => {
    if (!s.startsWith(':')) return;
    const name = s.slice(1);
    if (name in FIXED_PATH_VALUES || name in NOT_OUR_IDS) return;
    const kind = name === 'id' ? SEGMENT_KINDS[segs[i - 1] ?? ''] : NAMED_KINDS[name]?.kind;
    out.push({ name, kind });
  });
  return out;
}

function bodySchema(op: Op): Schema | undefined {
  return op.requestBody?.content?.['application/json']?.schema;
}

/**
 * Every id slot of a route the document describes. Names it cannot classify are returned apart, and
 * so are ids inside arrays of objects or `oneOf` variants (`attachments[].sha256`): which element
 * or variant to send is the caller's choice, given as an explicit slot.
 */
export function slotsOf(route: Route): { slots: Slot[]; unknown: string[]; nested: string[] } {
  const slots: Slot[] = [];
  const unknown: string[] = [];
  const nested: string[] = [];
  for (const p of pathSlots(route.path)) {
    if (p.kind) slots.push({ where: 'path', name: p.name, kind: p.kind });
    else unknown.push(`path :${p.name}`);
  }
  const idLike = (n: string) => /(Id|Ids|^id)$/.test(n);
  for (const q of route.op.parameters ?? []) {
    if (q.in !== 'query' || !idLike(q.name) || q.name in NOT_OUR_IDS) continue;
    const k = NAMED_KINDS[q.name];
    if (k) slots.push({ where: 'query', name: q.name, ...k });
    else unknown.push(`query ${q.name}`);
  }
  const walk = (s: Schema | undefined, prefix: string[], inside: boolean, depth = 0) => {
    if (!s || depth > 5) return;
    for (const alt of [...(s.oneOf ?? []), ...(s.anyOf ?? [])]) walk(alt, prefix, true, depth + 1);
    if (s.items) walk(s.items, [...prefix, '[]'], true, depth + 1);
    for (const [name, v] of Object.entries(s.properties ?? {})) {
      walk(v, [...prefix, name], inside, depth + 1);
      if (!(idLike(name) || name === 'sha256') || name in NOT_OUR_IDS) continue;
      const k = NAMED_KINDS[name];
      const at = [...prefix, name].join('.').replaceAll('.[]', '[]');
      if (!k) unknown.push(`body ${at}`);
      else if (inside) nested.push(at);
      else slots.push({ where: 'body', name, path: [...prefix, name], ...k });
    }
  };
  walk(bodySchema(route.op), [], false);
  return { slots, unknown, nested: [...new Set(nested)] };
}

/** A well-formed id of the same kind that names nothing anywhere. */
export function missingLike(id: string): string {
  if (/^[0-9a-f]{64}$/.test(id)) return crypto.randomBytes(32).toString('hex');
  const prefix = id.slice(0, id.indexOf('_'));
  return newId(prefix);
}

function fill(value: unknown, ids: IdSet): unknown {
  if (typeof value === 'string' && value.startsWith('$') && (ID_KINDS as readonly string[]).includes(value.slice(1))) return ids[value.slice(1) as IdKind];
  if (Array.isArray(value)) return value.map((v) => fill(v, ids));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, ids)]));
  return value;
}

function setAt(body: unknown, path: string[], value: unknown): unknown {
  const copy = structuredClone(body ?? {}) as Record<string, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
  cur[path[path.length - 1]!] = value;
  return copy;
}

function normalise(raw: string, contentType: string | undefined, swept: string): unknown {
  const text = raw.split(swept).join('<id>');
  if (!contentType?.includes('json')) return text;
  try {
    return JSON.parse(text, (k, v) => (k === 'requestId' ? '<request>' : v));
  } catch {
    return text;
  }
}

/** A write went through; a 200 that reports a refusal per item (`ok: false`, as bulk does) did not. */
export function accepted(a: Answer): boolean {
  return a.status >= 200 && a.status < 300 && !JSON.stringify(a.body).includes('"ok":false');
}

function defaultCompare(c: SweepCase): string | null {
  // Two writes that both went through differ by the ids they made; accepting a reference that
  // exists nowhere is reported on its own (see `sweep`).
  const write = !c.route.startsWith('GET ');
  const same = write && accepted(c.victim) && accepted(c.missing) ? c.victim.status === c.missing.status : JSON.stringify(c.victim) === JSON.stringify(c.missing);
  if (!same) return `${c.route} as ${c.role}, ${c.slot.where} ${c.slot.name}: foreign → ${c.victim.status} ${JSON.stringify(c.victim.body).slice(0, 200)}; missing → ${c.missing.status} ${JSON.stringify(c.missing.body).slice(0, 200)}`;
  return null;
}

/**
 * Sweep every id slot of every route: one call with the victim's id and one with a missing id of
 * the same shape, per role. The missing id goes first, so a route that wrongly acts on the
 * victim's object cannot change the answer the comparison is made against.
 */
export async function sweep(ctx: TestContext, opts: SweepOptions): Promise<SweepReport> {
  const roles = opts.roles ?? ['owner', 'agent'];
  const compare = opts.compare ?? defaultCompare;
  const report: SweepReport = { findings: [], swept: new Set(), unreached: [], cases: [] };
  const victimIds = Object.values(opts.victim.ids);
  // Destructive routes go last so they cannot take away an object a later route needs.
  const routes = specRoutes(ctx)
    .filter((r) => (opts.routes ? opts.routes(r.key) : true))
    .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE') || a.key.localeCompare(b.key));
  for (const route of routes) {
    const discovered = slotsOf(route);
    for (const u of discovered.unknown) report.findings.push(`${route.key}: ${u} looks like an id the sweep cannot classify (add it to NAMED_KINDS or NOT_OUR_IDS)`);
    const extra = opts.slots?.[route.key] ?? [];
    for (const n of discovered.nested) if (!extra.some((x) => x.name === n)) report.findings.push(`${route.key}: body ${n} is an id inside an array or a variant; give the sweep a slot for it`);
    const slots = [...discovered.slots, ...extra].filter((x) => !opts.kinds || opts.kinds.includes(x.kind));
    if (!slots.length) continue;
    const example = opts.examples?.[route.key];
    const schema = bodySchema(route.op);
    const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
    const baseQuery: Record<string, string> = {};
    for (const q of route.op.parameters ?? []) if (q.in === 'query' && q.required) baseQuery[q.name] = String(sample(q.schema));
    Object.assign(baseQuery, example?.query ?? {});

    let own: IdSet = opts.attacker.ids;
    const request = (slot: Slot, value: string) => {
      const params: Record<string, string> = { ...FIXED_PATH_VALUES };
      for (const p of pathSlots(route.path)) if (p.kind) params[p.name] = own[p.kind];
      const query = { ...baseQuery };
      let body = hasBody ? fill(example?.body ?? sample(schema) ?? {}, own) : undefined;
      if (slot.where === 'path') params[slot.name] = value;
      else if (slot.where === 'query') query[slot.name] = value;
      else body = setAt(body, slot.path ?? [slot.name], slot.array ? [value] : value);
      const qs = new URLSearchParams(query).toString();
      const url = route.path.replace(/:(\w+)/g, (_m, n: string) => encodeURIComponent(params[n] ?? n)) + (qs ? `?${qs}` : '');
      return { url, body };
    };
    const call = async (role: Role, slot: Slot, value: string, pick: (ids: IdSet) => string = () => value): Promise<{ answer: Answer; raw: string }> => {
      const fresh = await opts.fresh?.(route.key);
      own = { ...opts.attacker.ids, ...fresh };
      value = pick(own);
      const { url, body } = request(slot, value);
      const res = await ctx.app.inject({
        method: route.method as 'GET',
        url,
        headers: { cookie: await opts.attacker.cookie(role), ...(hasBody ? { 'content-type': 'application/json' } : {}) },
        ...(hasBody ? { payload: JSON.stringify(body) } : {}),
      });
      const ct = res.headers['content-type']?.toString();
      // Fresh objects differ from call to call; they are the attacker's own, so they are named, not compared.
      let raw = res.body;
      for (const [kind, id] of Object.entries(fresh ?? {})) if (id !== value) raw = raw.split(id).join(`<own ${kind}>`);
      return { answer: { status: res.statusCode, body: normalise(raw, ct, value) }, raw: res.body };
    };

    for (const slot of slots) {
      report.swept.add(route.key);
      const victimId = opts.victim.ids[slot.kind];
      const missingId = missingLike(victimId);
      let reached = false;
      let acceptsMissing = false;
      for (const role of roles) {
        const missing = await call(role, slot, missingId);
        const victim = await call(role, slot, victimId);
        const c: SweepCase = { route: route.key, role, slot, victim: victim.answer, missing: missing.answer };
        const diff = compare(c);
        if (diff) report.findings.push(diff);
        const rest = victim.raw.split(victimId).join('');
        const leaked = [...victimIds.filter((id) => id !== victimId), ...opts.victim.secrets].filter((s) => rest.includes(s));
        if (leaked.length) report.findings.push(`${route.key} as ${role}, ${slot.where} ${slot.name}: the answer carries the victim's ${leaked.join(', ')}`);
        if (route.method !== 'GET' && accepted(missing.answer)) acceptsMissing = true;
        if (opts.baseline?.(route.key) ?? route.method !== 'DELETE') {
          c.own = (await call(role, slot, '', (ids) => ids[slot.kind])).answer;
          if (JSON.stringify(c.own) !== JSON.stringify(c.missing)) reached = true;
        } else reached = true;
        report.cases.push(c);
      }
      if (acceptsMissing) report.findings.push(`${route.key}, ${slot.where} ${slot.name}: a ${slot.kind} id that exists nowhere (or in another organisation) is accepted`);
      if (!reached) {
        const c = report.cases[report.cases.length - roles.length]!;
        report.unreached.push({ slot: `${route.key} ${slot.where} ${slot.name}`, answer: c.missing });
      }
    }
  }
  return report;
}

/**
 * One real object of every kind an id can name, made through the same services and routes the
 * product uses. Text the organisation's buyers and people wrote carries `marker`, so a leak of it
 * into someone else's answer can be found by a plain substring search.
 */
export async function seedWorld(ctx: TestContext, org: TestOrg, marker: string): Promise<SweepVictim> {
  const owner = await org.cookie('owner');
  const inject = async (method: string, url: string, payload?: unknown, extra: Record<string, string> = {}) => {
    const res = await ctx.app.inject({ method: method as 'GET', url, headers: { cookie: owner, ...extra }, ...(payload !== undefined ? { payload: payload as string } : {}) });
    if (res.statusCode >= 300) throw new Error(`seeding ${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 20_000, productId: `p-${marker}` }] });
  const ticketId = await seedTicket(ctx, org, order.orderId, `Kaputt angekommen ${marker}`);

  const purchase = await seedPurchase(ctx, org, marker);

  const ret = await inject('POST', '/api/returns', { orderId: order.orderId, orderLineIds: order.lineIds, ticketId, note: `Return note ${marker}` });
  const remedy = await inject('POST', '/api/remedies', { orderId: order.orderId, ticketId, category: 'minor_flaw', optionKey: 't1:information+coupon', message: `Sorry ${marker}` });
  const dispute = await inject('POST', '/api/disputes', { orderId: order.orderId });
  const macro = await inject('POST', '/api/macros', { key: `m_${marker.toLowerCase().replace(/[^a-z0-9_]/g, '')}`.slice(0, 60), name: `Macro ${marker}`, bodies: { en: `Hello ${marker}` } });
  const policy = await inject('POST', '/api/sla/policies', { name: `Policy ${marker}`, shopId: org.shopId, firstReplyMinutes: 60 });
  // Coupons need the shop's platform coupons, so a shop bound to the sandbox (the sweep across
  // organisations). A shop bound nowhere (the brand sweep's) has none: its coupon ids exist nowhere.
  let chatCoupon: { id: string } = { id: 'pcp_00000000000000000000000000' };
  let programme: { id: string } = { id: 'cpg_00000000000000000000000000' };
  const sync = await ctx.app.inject({ method: 'POST', url: '/api/coupons/platform/sync', headers: { cookie: owner }, payload: { shopId: org.shopId } });
  if (sync.statusCode < 300) {
    const coupons = (await inject('GET', `/api/coupons/platform?shopId=${org.shopId}`)).items as { id: string; title: string }[];
    const found = coupons.find((c) => c.title.startsWith('Return visit'));
    if (!found) throw new Error('seeding: the sandbox shop has no return-visit coupon');
    chatCoupon = found;
    programme = await inject('POST', '/api/coupons/programmes', { shopId: org.shopId, name: `Programme ${marker}`, kind: 'return_visit', schedule: { afterDeliveryDays: 3 }, holdoutPercent: 10, budget: 10_000, variants: [{ key: 'a', platformCouponId: chatCoupon.id }] });
  } else if (sync.json().code !== 'tiktok.not_connected') {
    throw new Error(`seeding POST /api/coupons/platform/sync: ${sync.statusCode} ${sync.body}`);
  }
  const task = await inject('POST', '/api/feedback-tasks', { shopId: org.shopId, kind: 'listing', title: `Task ${marker}` });
  const notice = await inject('POST', '/api/notices', { shopId: org.shopId, productId: `p-${marker}`, trigger: 'delivery', delayHours: 24, holdoutPercent: 0, texts: { en: `Notice ${marker}` } });
  const productExt = `1729${crypto.randomInt(1e9, 9e9)}${crypto.randomInt(1e5, 9e5)}`;
  await ctx.services.knowledge.upsertCatalogue(org.orgId, org.shopId, 'tiktok', [{ externalId: productExt, title: `Product ${marker}`, description: `About ${marker}`, status: 'ACTIVATE', category: null, brand: null, attributes: [], sizeChartUrl: null, imageUrls: [], warranty: null, externalUpdatedAt: null, skus: [] }]);
  const product = ((await inject('GET', `/api/catalogue/products?q=${productExt}`)).items as { id: string }[])[0]!;
  const entry = await inject('PUT', `/api/catalogue/products/${product.id}/knowledge`, { field: 'care', language: 'en', title: `Care ${marker}`, body: `Wipe ${marker}` });
  const incident = await inject('POST', '/api/incidents', { shopId: org.shopId, title: `Incident ${marker}`, pattern: { productIds: [`p-${marker}`] } });

  const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: crypto.randomInt(256), g: crypto.randomInt(256), b: crypto.randomInt(256) } } }).jpeg().toBuffer();
  const boundary = `----sweep${crypto.randomBytes(8).toString('hex')}`;
  const multipart = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo-${marker}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    jpeg,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const file = await inject('POST', '/api/evidence/files', multipart, { 'content-type': `multipart/form-data; boundary=${boundary}` });
  const cases = (await inject('GET', '/api/evidence/cases')).items as { caseId: string }[];
  const outbox = (await inject('GET', '/api/outbox')).items as { id: string }[];
  if (!cases.length || !outbox.length) throw new Error(`seeding: ${cases.length} evidence cases, ${outbox.length} outbox rows`);
  const sessions = (await inject('GET', '/api/account/sessions')).items as { id: string }[];
  const token = await inject('POST', '/api/integrations/tokens', { name: `Token ${marker}`.slice(0, 80), scopes: ['tickets:read'] });
  // A public address literal: the outbound rule accepts it without a DNS lookup.
  const webhook = await inject('POST', '/api/integrations/webhooks', { url: 'https://93.184.215.14/afterdesk', description: `Hook ${marker}`.slice(0, 200), events: ['remedy.completed'] });
  const invitation = await inject('POST', '/api/invitations', { email: `invited.${marker.toLowerCase()}@test.afterdesk.dev`, role: 'agent' });

  const savedView = await inject('POST', '/api/saved-views', { name: `View ${marker}`, filter: { view: 'open', shopId: org.shopId } });
  const rule = await inject('POST', '/api/automations/rules', { name: `Rule ${marker}`, conditions: { shopIds: [org.shopId], keywords: [marker] }, actions: { addTags: ['swept'] } });
  const thread = await inject('GET', `/api/tickets/${ticketId}`);

  const emails = Object.values(org.users).map((u) => u.email);
  return {
    ids: {
      brand: org.brandId,
      shop: org.shopId,
      user: org.users.agent.id,
      ...purchase,
      ticket: ticketId,
      return: ret.id,
      remedy: remedy.id,
      macro: macro.id,
      slaPolicy: policy.id,
      evidenceCase: cases[0]!.caseId,
      evidenceFile: file.sha256,
      outbox: outbox[0]!.id,
      dispute: dispute.id,
      session: sessions[0]!.id,
      apiToken: token.item.id,
      webhook: webhook.item.id,
      organisation: org.orgId,
      invitation: invitation.invitation.id,
      savedView: savedView.id,
      automationRule: rule.id,
      ticketMessage: thread.messages[0].id,
      couponProgramme: programme.id,
      platformCoupon: chatCoupon.id,
      feedbackTask: task.id,
      notice: notice.id,
      product: product.id,
      knowledgeEntry: entry.id,
      incident: incident.id,
    },
    secrets: [marker, ...emails],
  };
}

/**
 * A delivered order nobody has acted on yet, with a return request waiting on the platform: the
 * objects a return consumes, so routes that open returns can be swept with fresh ones.
 */
export async function seedPurchase(ctx: TestContext, org: TestOrg, marker: string): Promise<Pick<IdSet, 'order' | 'orderLine' | 'buyer' | 'platformReturn'>> {
  const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 20_000, productId: `p-${marker}` }] });
  const orders = ctx.services.orders;
  const now = ctx.clock.now();
  const request: PlatformReturnInput = {
    shopId: org.shopId,
    kind: 'return',
    externalId: `R-${order.externalId}`,
    externalOrderId: order.externalId,
    type: 'return_and_refund',
    rawType: 'RETURN_AND_REFUND',
    status: 'requested',
    rawStatus: 'RETURN_OR_REFUND_REQUEST_PENDING',
    reasonCode: 'not_as_described',
    reasonText: `Farbe weicht ab ${marker}`,
    lines: [{ externalOrderLineId: `${order.externalId}-1`, refundAmount: 20_000 }],
    currency: 'EUR',
    refundAmount: 20_000,
    photos: [],
    videos: [],
    sellerNextAction: 'SELLER_RESPOND_RETURN',
    sellerDeadline: new Date(now.getTime() + 2 * 86_400_000),
    requestedAt: now,
    externalUpdatedAt: now,
  };
  await ctx.platform.db.tenant(org.orgId, (tx) => orders.applyPlatformReturns(tx, org.orgId, [request]));
  const actor = { orgId: org.orgId, userId: org.users.owner.id, role: 'owner' as const };
  const view = await orders.getOrder(actor, order.orderId);
  const [pr] = await orders.listPlatformReturns(actor, { orderId: order.orderId });
  return { order: order.orderId, orderLine: order.lineIds[0]!, buyer: view.buyerId, platformReturn: pr!.id };
}

/**
 * Every list (a GET route without path parameters) called as the attacker: none may carry an id or
 * a secret of the victim. The id sweep compares answers for ids it sends; this catches the lists
 * that take no id at all (the inbox, the outbox view, evidence cases, counts…).
 */
export async function listLeaks(ctx: TestContext, opts: { victim: SweepVictim; cookie: string; examples?: Record<string, { query?: Record<string, string> }>; skip?: Record<string, string> }): Promise<{ findings: string[]; called: string[] }> {
  const findings: string[] = [];
  const called: string[] = [];
  const ids = Object.values(opts.victim.ids);
  for (const route of specRoutes(ctx)) {
    if (route.method !== 'GET' || pathSlots(route.path).length || route.path.includes(':') || opts.skip?.[route.key]) continue;
    const query: Record<string, string> = {};
    for (const q of route.op.parameters ?? []) if (q.in === 'query' && q.required) query[q.name] = String(sample(q.schema));
    Object.assign(query, opts.examples?.[route.key]?.query ?? {});
    const qs = new URLSearchParams(query).toString();
    const res = await ctx.app.inject({ method: 'GET', url: route.path + (qs ? `?${qs}` : ''), headers: { cookie: opts.cookie } });
    called.push(`${route.key} ${res.statusCode}`);
    const leaked = [...ids, ...opts.victim.secrets].filter((x) => res.body.includes(x));
    if (leaked.length) findings.push(`${route.key}: the list carries the victim's ${leaked.join(', ')}`);
  }
  return { findings, called };
}
