/**
 * What a TikTok webhook asks of us, decided once when it is received and stored beside the raw
 * body (`work_refs`), so the processor does not parse every body a second time.
 *
 * The stored form is a short space-separated list: `o:<order id>`, `r:<return id>`,
 * `c:<cancel id>`, `v:<conversation id>`, `p:<product id>` (products are refreshed apart from the
 * order bundle), or one of the words `deauth`, `expiring`, `ignore`.
 */

/** The fields of a parsed webhook envelope that decide its work. */
export interface WebhookLike {
  type: number;
  data: Record<string, unknown>;
}

export type WebhookWork =
  | { kind: 'fetch'; orderIds: string[]; returnIds: string[]; cancelIds: string[]; conversationIds: string[] }
  | { kind: 'products'; productIds: string[] }
  | { kind: 'deauth' }
  | { kind: 'expiring' }
  | { kind: 'ignore' };

/** Topics (TikTok webhook type numbers) whose entity we re-fetch. */
export const ORDER_STATUS_CHANGE = 1;
export const RECIPIENT_ADDRESS_UPDATE = 3;
export const PACKAGE_UPDATE = 4;
export const SELLER_DEAUTHORIZATION = 6;
export const UPCOMING_AUTHORIZATION_EXPIRATION = 7;
export const CANCELLATION_STATUS_CHANGE = 11;
export const RETURN_STATUS_CHANGE = 12;
export const NEW_CONVERSATION = 13;
export const NEW_MESSAGE = 14;
export const PRODUCT_STATUS_CHANGE = 5;
export const PRODUCT_INFORMATION_CHANGE = 15;
export const PRODUCT_CREATION = 16;

const id = (v: unknown): string | undefined => (v === undefined || v === null || v === '' ? undefined : String(v));
// Ids never contain spaces; a value that does cannot be stored in the space-separated form.
const clean = (v: string | undefined): string | undefined => (v && !/\s/.test(v) ? v : undefined);

/** The work one event asks for. Unknown topics and events without their entity id are ignored. */
export function workOf(e: WebhookLike): WebhookWork {
  const d = e.data ?? {};
  const fetch = (k: 'orderIds' | 'returnIds' | 'cancelIds' | 'conversationIds', ids: (string | undefined)[]): WebhookWork => {
    const ok = ids.map(clean).filter((x): x is string => !!x);
    if (ok.length === 0) return { kind: 'ignore' };
    return { kind: 'fetch', orderIds: [], returnIds: [], cancelIds: [], conversationIds: [], [k]: ok };
  };
  switch (e.type) {
    case ORDER_STATUS_CHANGE:
    case RECIPIENT_ADDRESS_UPDATE:
      return fetch('orderIds', [id(d.order_id)]);
    case PACKAGE_UPDATE: {
      const list = Array.isArray(d.package_list) ? (d.package_list as { order_id_list?: unknown }[]) : [];
      return fetch('orderIds', list.flatMap((p) => (Array.isArray(p?.order_id_list) ? p.order_id_list.map(id) : [])));
    }
    case CANCELLATION_STATUS_CHANGE:
      return fetch('cancelIds', [id(d.cancel_id)]);
    case RETURN_STATUS_CHANGE:
      return fetch('returnIds', [id(d.return_id)]);
    case NEW_CONVERSATION:
    case NEW_MESSAGE:
      return fetch('conversationIds', [id(d.conversation_id)]);
    case PRODUCT_STATUS_CHANGE:
    case PRODUCT_INFORMATION_CHANGE:
    case PRODUCT_CREATION: {
      const pid = clean(id(d.product_id));
      return pid ? { kind: 'products', productIds: [pid] } : { kind: 'ignore' };
    }
    case SELLER_DEAUTHORIZATION:
      return { kind: 'deauth' };
    case UPCOMING_AUTHORIZATION_EXPIRATION:
      return { kind: 'expiring' };
    default:
      return { kind: 'ignore' };
  }
}

const PREFIX = { orderIds: 'o', returnIds: 'r', cancelIds: 'c', conversationIds: 'v' } as const;

/** The stored form of `workOf`. */
export function encodeWork(w: WebhookWork): string {
  if (w.kind === 'products') return w.productIds.map((p) => `p:${p}`).join(' ');
  if (w.kind !== 'fetch') return w.kind;
  const parts: string[] = [];
  for (const k of ['orderIds', 'returnIds', 'cancelIds', 'conversationIds'] as const) for (const v of w[k]) parts.push(`${PREFIX[k]}:${v}`);
  return parts.join(' ');
}

/** Read the stored form back; anything unreadable is `undefined` (the caller parses the raw body instead). */
export function decodeWork(s: string | null | undefined): WebhookWork | undefined {
  if (s === null || s === undefined || s === '') return undefined;
  if (s === 'deauth' || s === 'expiring' || s === 'ignore') return { kind: s };
  if (s.startsWith('p:')) {
    const productIds = s.split(' ').map((x) => /^p:(\S+)$/.exec(x)?.[1]);
    return productIds.every((x): x is string => !!x) ? { kind: 'products', productIds } : undefined;
  }
  const w = { kind: 'fetch' as const, orderIds: [] as string[], returnIds: [] as string[], cancelIds: [] as string[], conversationIds: [] as string[] };
  for (const part of s.split(' ')) {
    const m = /^([orcv]):(\S+)$/.exec(part);
    if (!m) return undefined;
    const key = m[1] === 'o' ? 'orderIds' : m[1] === 'r' ? 'returnIds' : m[1] === 'c' ? 'cancelIds' : 'conversationIds';
    w[key].push(m[2]!);
  }
  return w;
}
