/**
 * The SQL that fills a world. Every value is a pure function of (seed, row number): `pg_temp.r`
 * hashes the pair with Postgres' own hashint8extended, so a rebuild with the same seed and size
 * gives the same rows, without shipping millions of values over the wire. The statements run in
 * one session (temp objects) as the superuser; nothing they create outlives the session.
 */

/** Session helpers and the small dimension tables the bulk statements join against. */
export const SESSION_SETUP = `
set max_parallel_workers_per_gather = 0;
-- Row triggers off for the load: the foreign keys' per-row checks are replaced by one
-- set-based check of every key afterwards (FOREIGN_KEY_CHECKS), which fails the build on an orphan.
set session_replication_role = replica;
create function pg_temp.r(seed bigint, stream int, i bigint) returns float8 language sql immutable as
  $$ select (hashint8extended(i, seed * 128 + stream) & 9007199254740991)::float8 / 9007199254740992.0 $$;
create function pg_temp.pick(a text[], x float8) returns text language sql immutable as
  $$ select a[1 + floor(x * array_length(a, 1))::int] $$;
create temp table w_org (k int primary key, org_id text not null, b_lo bigint, b_hi bigint, o_lo bigint, o_hi bigint);
create temp table w_shop (org_k int, s int, org_id text, shop_id text, market text, currency text, lang text, carrier text, mult float8, primary key (org_k, s));
create temp table w_product (org_k int, p int, product_id text, sku_id text, seller_sku text, name text, sku_name text, category text, price bigint, primary key (org_k, p));
create temp table w_source (org_k int, type text, rank int, id text, name text, rate float8, bad boolean, primary key (org_k, type, rank));
create temp table w_user (org_k int, role text, n int, id text);
create temp table w_source_arr (org_k int, type text, n int, ids text[], names text[], rates float8[], bads boolean[], primary key (org_k, type));
create temp table w_reason (code text, lang text, snapshot jsonb, fault_owner text, primary key (code, lang));
`;

export const FIRST_NAMES = ['Alex', 'Sam', 'Jordan', 'Taylor', 'Maria', 'Lukas', 'Emma', 'Léa', 'Giulia', 'Lucía', 'Noah', 'Mia', 'Oliver', 'Sofia', 'Hugo', 'Chloé', 'Marco', 'Pablo', 'Hannah', 'Jonas'];
const SUBJECTS: Record<string, string[]> = {
  en: ['Where is my order?', 'Item arrived damaged', 'Wrong size', 'Can I change my address?', 'Refund status', 'Missing part in the box'],
  de: ['Wo ist meine Bestellung?', 'Artikel beschädigt angekommen', 'Falsche Größe', 'Status meiner Erstattung'],
  fr: ['Où est ma commande ?', 'Article arrivé endommagé', 'Mauvaise taille', 'Statut du remboursement'],
  it: ['Dov’è il mio ordine?', 'Articolo arrivato danneggiato', 'Taglia sbagliata', 'Stato del rimborso'],
  es: ['¿Dónde está mi pedido?', 'El artículo llegó dañado', 'Talla equivocada', 'Estado del reembolso'],
};
const INBOUND: Record<string, string[]> = {
  en: ['Hi, my parcel has not arrived yet, can you check the tracking please?', 'The box was crushed and the left earbud does not charge.', 'I ordered M but it is far too small. How do I exchange it?', 'Any news on my refund? It has been a week.'],
  de: ['Hallo, mein Paket ist noch nicht angekommen. Können Sie die Sendung prüfen?', 'Der Karton war zerdrückt und das Gerät lädt nicht.', 'Die Größe passt leider nicht, wie kann ich umtauschen?'],
  fr: ['Bonjour, mon colis n’est toujours pas arrivé, pouvez-vous vérifier ?', 'Le carton était écrasé et l’appareil ne charge pas.', 'La taille ne va pas, comment faire un échange ?'],
  it: ['Ciao, il pacco non è ancora arrivato, potete controllare?', 'La scatola era schiacciata e il prodotto non si carica.', 'La taglia non va bene, come posso cambiarla?'],
  es: ['Hola, mi paquete aún no ha llegado, ¿podéis revisar el seguimiento?', 'La caja llegó aplastada y el producto no carga.', 'La talla no me queda, ¿cómo lo cambio?'],
};
const OUTBOUND: Record<string, string[]> = {
  en: ['Thanks for reaching out! I have checked the tracking: it is out for delivery today.', 'Sorry about that. I have opened a return for you; the label is on its way.', 'Your refund was approved and should reach you within 3–5 business days.'],
  de: ['Danke für Ihre Nachricht! Die Sendung wird heute zugestellt.', 'Das tut uns leid. Wir haben eine Rücksendung für Sie angelegt.'],
  fr: ['Merci pour votre message ! Le colis est en cours de livraison aujourd’hui.', 'Désolés pour cela. Nous avons ouvert un retour pour vous.'],
  it: ['Grazie per il messaggio! Il pacco è in consegna oggi.', 'Ci dispiace. Abbiamo aperto un reso per te.'],
  es: ['¡Gracias por escribirnos! El paquete está en reparto hoy.', 'Lo sentimos. Hemos abierto una devolución para ti.'],
};
/** TikTok's buyer-facing reason texts beside our reason tree's leaf codes. */
export const RETURN_REASONS: Array<{ code: string; tiktok: string; text: string }> = [
  { code: 'damaged', tiktok: 'ecom_order_delivered_refund_and_return_reason_damaged_product', text: 'Damaged product' },
  { code: 'defective', tiktok: 'ecom_order_delivered_refund_and_return_reason_defective', text: 'Product does not work' },
  { code: 'colour_difference', tiktok: 'ecom_order_delivered_refund_and_return_reason_not_as_described', text: 'Colour differs from the pictures' },
  { code: 'not_as_described', tiktok: 'ecom_order_delivered_refund_and_return_reason_not_as_described', text: 'Not as described in the video' },
  { code: 'wrong_item', tiktok: 'ecom_order_delivered_refund_and_return_reason_wrong_item', text: 'Received the wrong item' },
  { code: 'missing_parts', tiktok: 'ecom_order_delivered_refund_and_return_reason_missing_parts', text: 'Missing parts or accessories' },
  { code: 'size_fit', tiktok: 'ecom_order_delivered_refund_and_return_reason_size', text: 'Size does not fit' },
  { code: 'changed_mind', tiktok: 'ecom_order_delivered_refund_and_return_reason_no_longer_needed', text: 'No longer needed' },
];

const arr = (xs: string[]) => `array[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]::text[]`;
const byLang = (m: Record<string, string[]>, lang: string, x: string) =>
  `case ${lang} ${Object.entries(m).map(([l, xs]) => `when '${l}' then pg_temp.pick(${arr(xs)}, ${x})`).join(' ')} else pg_temp.pick(${arr(m.en!)}, ${x}) end`;

const id = (prefix: string, n: string) => `'${prefix}_' || lpad((${n})::text, 26, '0')`;

/** Buyers `a..b` (global numbering); each lives in one organisation and has a home shop. */
export function buyersSql(seed: number, now: string, a: number, b: number): string {
  return `
insert into buyers (org_id, id, platform, platform_buyer_id, display_name, email, language, country, created_at, updated_at)
select o.org_id, ${id('byr', 'i')}, 'tiktok', (7490000000000000000 + i)::text,
  pg_temp.pick(${arr(FIRST_NAMES)}, pg_temp.r(${seed}, 3, i)) || ' ' || chr(65 + floor(pg_temp.r(${seed}, 4, i) * 26)::int) || '.',
  case when pg_temp.r(${seed}, 5, i) < 0.15 then 'buyer' || i || '@example.com' end,
  s.lang, s.market,
  ts - (pg_temp.r(${seed}, 6, i) * 400) * interval '1 day', ts - (pg_temp.r(${seed}, 6, i) * 400) * interval '1 day'
from generate_series(${a}::bigint, ${b}::bigint) i
join w_org o on i between o.b_lo and o.b_hi
join w_shop s on s.org_k = o.k and s.s = (pg_temp.r(${seed}, 2, i) >= 0.6)::int
cross join (select '${now}'::timestamptz as ts) c`;
}

/**
 * Orders `a..b` and their lines. A chunk's plan goes to temp tables first, so an order's totals
 * are exactly the sum of its lines and no insert has to read back what another just wrote.
 * Lines are numbered `order * 8 + k` (at most 8 per order).
 */
export function ordersSql(seed: number, now: string, days: number, a: number, b: number, products: number): string[] {
  const N = `'${now}'::timestamptz`;
  return [
    `drop table if exists w_ord; drop table if exists w_ln`,
    `create temp table w_ord as
select y.*,
  case y.status when 'cancelled' then 'CANCELLED' when 'awaiting_shipment' then 'AWAITING_SHIPMENT' when 'shipped' then 'IN_TRANSIT'
                when 'delivered' then 'DELIVERED' else 'COMPLETED' end as raw_status,
  case y.status when 'cancelled' then 'cancelled' when 'awaiting_shipment' then 'not_shipped' when 'shipped' then 'in_transit' else 'delivered' end as delivery,
  case when y.status in ('delivered', 'completed') then least(${N} - interval '1 hour', y.placed_at + (2 + y.st * 4) * interval '1 day') end as delivered_at,
  least(${N}, y.placed_at + interval '5 minutes') as created_at
from (
  select x.*, o.org_id, s.shop_id, s.s, s.currency, s.carrier, s.mult,
    case when x.st < 0.03 then 'cancelled' when x.age < 2 then 'awaiting_shipment' when x.age < 6 and x.st < 0.6 then 'shipped'
         when x.age < 20 then 'delivered' else 'completed' end as status
  from (
    select j, o.k as org_k, o.b_lo + floor(power(pg_temp.r(${seed}, 10, j), 1.6) * (o.b_hi - o.b_lo + 1))::bigint as bi,
      ${N} - (${days} * power(pg_temp.r(${seed}, 11, j), 0.8)) * interval '1 day' as placed_at,
      ${days} * power(pg_temp.r(${seed}, 11, j), 0.8) as age,
      1 + least(7, floor(-ln(1 - pg_temp.r(${seed}, 12, j)) * 2.0))::int as n_lines,
      pg_temp.r(${seed}, 13, j) as st,
      case when pg_temp.r(${seed}, 14, j) < 0.40 then 'organic' when pg_temp.r(${seed}, 14, j) < 0.65 then 'ad_campaign'
           when pg_temp.r(${seed}, 14, j) < 0.90 then 'creator_video' else 'livestream' end as src_type,
      pg_temp.r(${seed}, 15, j) as src_rank
    from generate_series(${a}::bigint, ${b}::bigint) j join w_org o on j between o.o_lo and o.o_hi
  ) x
  join w_org o on o.k = x.org_k
  join w_shop s on s.org_k = x.org_k and s.s = (pg_temp.r(${seed}, 2, x.bi) >= 0.6)::int
) y`,
    `analyze w_ord`,
    // Popular sources and products sell more: a power of a uniform draw picks the rank.
    `create temp table w_ln as
select w.j, g.k, w.j * 8 + g.k as li, w.org_k, w.org_id, p.product_id, p.sku_id, p.seller_sku, p.name, p.sku_name, p.category,
  round(p.price * w.mult)::bigint as unit_price,
  case when pg_temp.r(${seed}, 21, w.j * 8 + g.k) < 0.15 then round(p.price * w.mult * 0.9)::bigint else round(p.price * w.mult)::bigint end as paid,
  w.src_type, sa.ids[1 + floor(power(w.src_rank, 2.2) * sa.n)::int] as src_id, sa.names[1 + floor(power(w.src_rank, 2.2) * sa.n)::int] as src_name,
  sa.rates[1 + floor(power(w.src_rank, 2.2) * sa.n)::int] as src_rate, sa.bads[1 + floor(power(w.src_rank, 2.2) * sa.n)::int] as src_bad
from w_ord w
cross join lateral generate_series(1, w.n_lines) g(k)
join w_product p on p.org_k = w.org_k and p.p = floor(power(pg_temp.r(${seed}, 20, w.j * 8 + g.k), 1.3) * ${products})::int
join w_source_arr sa on sa.org_k = w.org_k and sa.type = w.src_type`,
    `analyze w_ln`,
    `insert into orders (org_id, id, shop_id, buyer_id, external_id, status, raw_status, currency, subtotal_amount, shipping_amount,
  seller_discount_amount, platform_discount_amount, tax_amount, total_amount, placed_at, paid_at, delivered_at, tracking_number, carrier,
  delivery_status, buyer_message, external_updated_at, created_at, updated_at)
select w.org_id, ${id('ord', 'w.j')}, w.shop_id, ${id('byr', 'w.bi')}, (576000000000000000 + w.j)::text,
  w.status, w.raw_status, w.currency, t.sub, t.ship, t.sub - t.paid, 0, 0, t.paid + t.ship, w.placed_at, w.placed_at + interval '1 minute',
  w.delivered_at, case when w.status in ('shipped', 'delivered', 'completed') then 'TT' || lpad(w.j::text, 14, '0') end,
  case when w.status in ('shipped', 'delivered', 'completed') then w.carrier end, w.delivery, null,
  least(${N}, coalesce(w.delivered_at, w.placed_at + interval '1 hour')), w.created_at, least(${N}, coalesce(w.delivered_at, w.created_at))
from w_ord w
join (select j, sum(unit_price) as sub, sum(paid) as paid, case when sum(paid) < 2500 then 499 else 0 end as ship from w_ln group by j) t on t.j = w.j
order by w.j`,
    `insert into order_lines (org_id, id, order_id, external_id, sku_id, seller_sku, product_id, product_name, sku_name, category, image_url,
  currency, unit_price_amount, paid_amount, raw_status, traffic_source_type, traffic_source_id, traffic_source_name, created_at, updated_at)
select l.org_id, ${id('oln', 'l.li')}, ${id('ord', 'l.j')}, (577000000000000000 + l.li)::text, l.sku_id, l.seller_sku, l.product_id, l.name,
  l.sku_name, l.category, null, w.currency, l.unit_price, l.paid, w.raw_status, l.src_type, l.src_id, l.src_name,
  w.created_at, least(${N}, coalesce(w.delivered_at, w.created_at))
from w_ln l join w_ord w on w.j = l.j
order by l.li`,
    // ~3 % of delivered lines come back; a source's own rate decides (the bad ones far more often).
    `insert into platform_returns (org_id, id, shop_id, order_id, buyer_id, kind, external_id, external_order_id, type, raw_type, status,
  raw_status, reason_code, reason_text, lines, currency, refund_amount, seller_next_action, seller_deadline, requested_at, external_updated_at,
  created_at, updated_at)
select l.org_id, ${id('prt', 'l.li')}, w.shop_id, ${id('ord', 'l.j')}, ${id('byr', 'w.bi')}, 'return', (4035000000000000000 + l.li)::text, (576000000000000000 + l.j)::text,
  case when q.ro < 0.35 then 'refund_only' else 'return_and_refund' end, case when q.ro < 0.35 then 'REFUND' else 'RETURN_AND_REFUND' end,
  q.status, q.raw, q.reason_tiktok, q.reason_text,
  jsonb_build_array(jsonb_build_object('orderLineId', ${id('oln', 'l.li')}, 'externalOrderLineId', (577000000000000000 + l.li)::text,
    'skuId', l.sku_id, 'productName', l.name, 'refundAmount', l.paid)),
  w.currency, l.paid, case when q.status = 'requested' then 'respond' end,
  case when q.status = 'requested' then q.req + interval '48 hours' end, q.req, least(${N}, q.req + interval '2 hours'),
  least(${N}, q.req + interval '5 minutes'), least(${N}, q.req + interval '2 hours')
from w_ln l
join w_ord w on w.j = l.j
cross join lateral (
  select pg_temp.r(${seed}, 31, l.li) as ro,
    least(${N} - interval '1 hour', w.delivered_at + pg_temp.r(${seed}, 32, l.li) * 14 * interval '1 day') as req,
    pg_temp.r(${seed}, 33, l.li) as rs,
    ${s_reason(seed)}) q0
cross join lateral (
  select q0.ro, q0.req, rr.tiktok as reason_tiktok, rr.text as reason_text,
    case when q0.rs < 0.55 then 'completed' when q0.rs < 0.68 then 'awaiting_buyer_shipment' when q0.rs < 0.78 then 'buyer_shipped'
         when q0.rs < 0.86 then 'approved' when q0.rs < 0.94 then 'requested' else 'rejected' end as status,
    case when q0.rs < 0.55 then 'RETURN_OR_REFUND_REQUEST_COMPLETE' when q0.rs < 0.68 then 'AWAITING_BUYER_SHIP' when q0.rs < 0.78 then 'BUYER_SHIPPED_ITEM'
         when q0.rs < 0.86 then 'RETURN_OR_REFUND_REQUEST_SUCCESS' when q0.rs < 0.94 then 'RETURN_OR_REFUND_REQUEST_PENDING' else 'RETURN_OR_REFUND_REQUEST_REJECT' end as raw
  from (values ${RETURN_REASONS.map((r, i) => `(${i}, '${r.tiktok}', '${r.text}')`).join(', ')}) rr(n, tiktok, text) where rr.n = q0.reason_n) q
where w.status in ('delivered', 'completed') and pg_temp.r(${seed}, 30, l.li) < l.src_rate
order by l.li`,
  ];
}

/** Bad sources mostly over-promise (not as described); the rest spread over the whole tree. */
function s_reason(seed: number): string {
  const n = RETURN_REASONS.length;
  return `case when l.src_bad and pg_temp.r(${seed}, 34, l.li) < 0.7 then 3 else floor(pg_temp.r(${seed}, 35, l.li) * ${n})::int end as reason_n`;
}

/** Our RMAs for the accepted return-and-refund requests (one line each), numbered per organisation. */
export function rmasSql(now: string): string[] {
  return [
    `insert into returns (org_id, id, rma, shop_id, order_id, buyer_id, ticket_id, platform_return_id, channel, status, resolution, reason, buyer_note,
  photos, language, policy, refund_trigger, currency, refund_total, refund_calc, requested_at, approved_at, received_at, received_by,
  platform_refunded_at, created_by, updated_at)
select x.org_id, x.rid, 'RMA-' || lpad((row_number() over (partition by x.org_id order by x.n))::text, 6, '0'), x.shop_id, x.order_id, x.buyer_id, null, x.id,
  'tiktok', x.status, 'refund', x.snapshot, x.reason_text, '{}', x.lang, x.policy,
  case when x.paid >= coalesce(x.threshold, 30000) then 'on_inspection_pass' else x.policy->>'refundTrigger' end,
  x.currency, x.paid - x.fee,
  jsonb_build_object('lines', jsonb_build_array(jsonb_build_object('lineId', x.line_id, 'paid', x.paid, 'restockingFee', x.fee, 'couponClawback', 0, 'refund', x.paid - x.fee)),
    'total', x.paid - x.fee, 'couponRule', null),
  x.requested_at, x.requested_at, case when x.status = 'received' then x.received_at end,
  case when x.status = 'received' then x.warehouse end, null, 'system',
  case when x.status = 'received' then x.received_at else x.requested_at end
from (
  select pr.org_id, ${id('ret', 'substr(pr.id, 5)::bigint')} as rid, substr(pr.id, 5)::bigint as n, pr.id, pr.shop_id, pr.order_id, pr.buyer_id,
    pr.reason_text, pr.currency, pr.requested_at, (pr.lines->0->>'refundAmount')::int as paid, pr.lines->0->>'orderLineId' as line_id,
    case when pr.status = 'completed' then 'received' else 'awaiting_parcel' end as status,
    least('${now}'::timestamptz, pr.requested_at + interval '5 days') as received_at,
    rz.snapshot, coalesce(b.language, 'en') as lang, sh.return_policy as policy, rs.high_ticket_threshold as threshold,
    case when rz.fault_owner = 'buyer' then round((pr.lines->0->>'refundAmount')::int * (sh.return_policy->>'restockingFeePercent')::int / 100.0)::int else 0 end as fee,
    (select u.id from w_user u join w_org o on o.k = u.org_k where o.org_id = pr.org_id and u.role = 'warehouse' limit 1) as warehouse
  from platform_returns pr
  join shops sh on sh.org_id = pr.org_id and sh.id = pr.shop_id
  left join remedy_settings rs on rs.org_id = pr.org_id and rs.id = pr.shop_id
  left join buyers b on b.org_id = pr.org_id and b.id = pr.buyer_id
  join (values ${RETURN_REASONS.map((r) => `('${r.tiktok}', '${r.text}', '${r.code}')`).join(', ')}) m(tiktok, text, code) on m.tiktok = pr.reason_code and m.text = pr.reason_text
  join w_reason rz on rz.code = m.code and rz.lang = coalesce(b.language, 'en')
  where pr.type = 'return_and_refund' and pr.status in ('approved', 'awaiting_buyer_shipment', 'buyer_shipped', 'completed')
) x`,
    `insert into return_lines (org_id, id, return_id, order_line_id, sku, product_id, product_name, category, unit_price, paid, restocking_fee, coupon_clawback, refund, reason, active)
select r.org_id, ${id('rtl', 'substr(r.id, 5)::bigint')}, r.id, ol.id, coalesce(ol.seller_sku, ol.sku_id), ol.product_id,
  case when ol.sku_name is not null then ol.product_name || ' (' || ol.sku_name || ')' else ol.product_name end, ol.category,
  ol.unit_price_amount, ol.paid_amount, (r.refund_calc->'lines'->0->>'restockingFee')::int, 0, r.refund_total, r.reason, true
from returns r join order_lines ol on ol.org_id = r.org_id and ol.id = r.refund_calc->'lines'->0->>'lineId'`,
    `insert into return_counters (org_id, id, value) select org_id, 'rma', count(*) from returns group by org_id
  on conflict (org_id, id) do update set value = excluded.value`,
  ];
}

/** Chat tickets for a share of orders, with a short buyer/agent thread each. */
export function ticketsSql(seed: number, now: string, share: number): string[] {
  const t = `pg_temp.r(${seed}, 40, o.n)`;
  return [
    `drop table if exists w_tkt`,
    `create temp table w_tkt as
select o.org_id, o.n, o.id as order_id, o.shop_id, o.buyer_id, b.platform_buyer_id, b.display_name, b.email, coalesce(b.language, 'en') as lang,
  least('${now}'::timestamptz - interval '2 hours', o.placed_at + pg_temp.r(${seed}, 41, o.n) * 12 * interval '1 day') as created_at,
  case when ${t} < ${share} * 0.04 then 1 else 1 + floor(pg_temp.r(${seed}, 42, o.n) * 4)::int end as msgs,
  case when ${t} < ${share} * 0.04 then 'new' when ${t} < ${share} * 0.16 then 'open' when ${t} < ${share} * 0.26 then 'waiting_on_buyer'
       when ${t} < ${share} * 0.80 then 'solved' else 'closed' end as status,
  (select u.id from w_user u join w_org w on w.k = u.org_k where w.org_id = o.org_id and u.role = 'agent'
    order by u.n offset floor(pg_temp.r(${seed}, 43, o.n) * 6)::int limit 1) as assignee
from (select org_id, id, substr(id, 5)::bigint as n, shop_id, buyer_id, placed_at from orders) o
join buyers b on b.org_id = o.org_id and b.id = o.buyer_id
where ${t} < ${share}`,
    `insert into tickets (org_id, id, number, shop_id, channel, external_thread_id, buyer_id, buyer_external_id, buyer_name, buyer_email, order_id,
  subject, status, priority, language, tags, assignee_id, queue, sla_due_at, message_count, last_message_at, last_message_preview, last_inbound_at,
  created_at, updated_at, solved_at, closed_at)
select t.org_id, ${id('tkt', 't.n')}, row_number() over (partition by t.org_id order by t.created_at, t.n), t.shop_id, 'tiktok_chat',
  (7300000000000000000 + t.n)::text, t.buyer_id, t.platform_buyer_id, t.display_name, t.email, t.order_id,
  ${byLang(SUBJECTS, 't.lang', `pg_temp.r(${seed}, 44, t.n)`)}, t.status,
  case when pg_temp.r(${seed}, 45, t.n) < 0.05 then 'high' else 'normal' end, t.lang, '{}', case when t.status <> 'new' then t.assignee end, 'general',
  case when t.status not in ('solved', 'closed') then t.created_at + interval '24 hours' end,
  t.msgs, t.created_at + (t.msgs - 1) * interval '3 hours', null,
  t.created_at + ((t.msgs - 1) / 2 * 2) * interval '3 hours',
  t.created_at, t.created_at + (t.msgs - 1) * interval '3 hours',
  case when t.status in ('solved', 'closed') then t.created_at + (t.msgs - 1) * interval '3 hours' + interval '10 minutes' end,
  case when t.status = 'closed' then t.created_at + (t.msgs - 1) * interval '3 hours' + interval '4 days' end
from w_tkt t`,
    // Row triggers are off for the load, so the shop they would fill in is written here.
    `insert into ticket_threads (org_id, id, channel, external_thread_id, ticket_id, created_at, shop_id)
select t.org_id, ${id('tth', 't.n')}, 'tiktok_chat', (7300000000000000000 + t.n)::text, ${id('tkt', 't.n')}, t.created_at, t.shop_id from w_tkt t`,
    // Odd messages are the buyer's (they carry TikTok's message id), even ones an agent's reply.
    `insert into ticket_messages (shop_id, org_id, id, ticket_id, kind, direction, channel, external_message_id, author_type, author_id, author_name, body,
  language, delivery_status, sent_at, created_at)
select t.shop_id, t.org_id, ${id('msg', 't.n * 8 + m')}, ${id('tkt', 't.n')}, 'public', case when m % 2 = 1 then 'inbound' else 'outbound' end, 'tiktok_chat',
  case when m % 2 = 1 then (7310000000000000000 + t.n * 8 + m)::text end,
  case when m % 2 = 1 then 'buyer' else 'user' end, case when m % 2 = 1 then t.buyer_id else t.assignee end,
  case when m % 2 = 1 then t.display_name end,
  case when m % 2 = 1 then ${byLang(INBOUND, 't.lang', `pg_temp.r(${seed}, 46, t.n * 8 + m)`)} else ${byLang(OUTBOUND, 't.lang', `pg_temp.r(${seed}, 47, t.n * 8 + m)`)} end,
  t.lang, case when m % 2 = 0 then 'sent' end, t.created_at + (m - 1) * interval '3 hours', t.created_at + (m - 1) * interval '3 hours'
from w_tkt t cross join lateral generate_series(1, t.msgs) m`,
    // The preview is the last message's text, as the helpdesk keeps it (≤ 140 characters).
    `update tickets k set last_message_preview = case when length(regexp_replace(trim(m.body), '\\s+', ' ', 'g')) <= 140
    then regexp_replace(trim(m.body), '\\s+', ' ', 'g') else left(regexp_replace(trim(m.body), '\\s+', ' ', 'g'), 139) || '…' end
from ticket_messages m
where m.org_id = k.org_id and m.ticket_id = k.id and m.id = ${id('msg', 'substr(k.id, 5)::bigint * 8 + k.message_count')}`,
    `insert into ticket_counters (org_id, id, value) select org_id, 'tickets', max(number) from tickets group by org_id
  on conflict (org_id, id) do update set value = excluded.value`,
  ];
}

/**
 * What the app writes beside each ticket, so the tables a new message and a reply grow through are
 * as full as on a real installation of this size (an empty table's statistics make Postgres plan
 * its look-ups as scans of a few pages, and they get slower with every row the bench adds): the
 * ticket's SLA row, its first-reply and resolution clocks with their audit rows, and one finished
 * outbox step per agent reply. Every clock has ended (stopped, or breached and already escalated):
 * the world's "now" is in the past, and a running clock would set off timers during a bench.
 */
export function slaAndOutboxSql(): string[] {
  // Clock k of ticket n: 1 first reply (4 hours), 2 resolution (24 hours, the ticket's sla_due_at).
  const clocks = `select t.*, k.k, case k.k when 1 then 'first_reply' else 'resolution' end as metric, case k.k when 1 then 240 else 1440 end as target,
      t.created_at + case k.k when 1 then interval '4 hours' else interval '24 hours' end as due,
      case when k.k = 1 and t.msgs >= 2 then t.created_at + interval '3 hours'
           when k.k = 2 and t.status in ('solved', 'closed') then t.created_at + (t.msgs - 1) * interval '3 hours' + interval '10 minutes' end as stopped
    from w_tkt t cross join (values (1), (2)) k(k)`;
  return [
    `insert into sla_tickets (org_id, ticket_id, shop_id, channel, priority, order_amount, order_currency, status, created_at, updated_at)
select t.org_id, ${id('tkt', 't.n')}, t.shop_id, 'tiktok_chat', 'normal', o.total_amount, o.currency, t.status, t.created_at, t.created_at + (t.msgs - 1) * interval '3 hours'
from w_tkt t join orders o on o.org_id = t.org_id and o.id = t.order_id`,
    `insert into sla_clocks (org_id, id, ticket_id, shop_id, metric, policy_id, target_minutes, mode, warning_percents, warnings_fired, started_at, due_at,
  stopped_at, breached_at, stop_reason, escalated_at, state, next_timer_at, generation, created_at, updated_at)
select c.org_id, ${id('slc', 'c.n * 2 + c.k')}, ${id('tkt', 'c.n')}, c.shop_id, c.metric, 'slp_world_default', c.target, 'calendar', '{50,80}', '{50,80}', c.created_at, c.due,
  c.stopped, case when c.stopped is null or c.stopped > c.due then c.due end, case when c.stopped is not null then case c.k when 1 then 'reply' else 'solved' end end,
  case when c.stopped is null then c.due end, case when c.stopped is null then 'breached' else 'stopped' end, null, 2, c.created_at, coalesce(c.stopped, c.due)
from (${clocks}) c`,
    `insert into sla_clock_events (org_id, id, clock_id, ticket_id, shop_id, metric, kind, at, generation, due_at, data, created_at)
select c.org_id, ${id('sle', 'c.n * 4 + c.k * 2 + e.e')}, ${id('slc', 'c.n * 2 + c.k')}, ${id('tkt', 'c.n')}, c.shop_id, c.metric,
  case when e.e = 0 then 'started' when c.stopped is not null then 'stopped' else 'breached' end,
  case when e.e = 0 then c.created_at else coalesce(c.stopped, c.due) end, e.e + 1, c.due,
  case when e.e = 0 then jsonb_build_object('policyId', 'slp_world_default', 'targetMinutes', c.target, 'mode', 'calendar') else '{}'::jsonb end,
  case when e.e = 0 then c.created_at else coalesce(c.stopped, c.due) end
from (${clocks}) c cross join (values (0), (1)) e(e)`,
    `insert into outbox (org_id, id, handler, idempotency_key, payload, status, attempts, max_attempts, next_attempt_at, result, subject_type, subject_id, created_at, updated_at, done_at, shop_id)
select m.org_id, 'obx_' || substr(m.id, 5), 'tiktok.send_message', 'helpdesk.reply:' || m.ticket_id || ':world-' || substr(m.id, 5),
  jsonb_build_object('shopId', m.shop_id, 'ticketId', m.ticket_id, 'messageId', m.id), 'done', 1, 8, m.sent_at, '{}'::jsonb, 'ticket_message', m.id,
  m.sent_at, m.sent_at + interval '2 seconds', m.sent_at + interval '2 seconds', m.shop_id
from ticket_messages m where m.id like 'msg_%' and m.direction = 'outbound' and m.author_type = 'user'`,
  ];
}

/** One anti-join per foreign key of the filled tables: the orphans each would have refused. */
export const FOREIGN_KEYS = `
select c.conname, c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent,
  array(select a.attname from unnest(c.conkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i)::text[] as cols,
  array(select a.attname from unnest(c.confkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i)::text[] as pcols
from pg_constraint c where c.contype = 'f' and c.connamespace = 'public'::regnamespace`;

export function orphanSql(fk: { child: string; parent: string; cols: string[]; pcols: string[] }): string {
  const q = (x: string) => `"${x}"`;
  return `select count(*)::int8 as n from ${fk.child} c where ${fk.cols.map((x) => `c.${q(x)} is not null`).join(' and ')}
    and not exists (select 1 from ${fk.parent} p where ${fk.cols.map((x, i) => `p.${q(fk.pcols[i]!)} = c.${q(x)}`).join(' and ')})`;
}
