-- Per buyer and shop, what the coupon programmes decide from (last order, last delivery, orders and
-- spend in 365 / 180 days, returns in 180 days), so the day's due buyers are one indexed range scan
-- instead of a lateral aggregate per candidate over orders. Owned by the coupons module; rebuilt
-- set-based from the orders module's aggregate query and kept current by a pull of the buyers whose
-- orders or after-sales requests changed since the shop's watermark (see coupons.facts.ts).
create table coupon_buyer_facts (
  org_id text not null references organisations(org_id),
  shop_id text not null,
  buyer_id text not null,
  language text,
  country text,
  last_order_at timestamptz,
  last_order_id text,
  last_delivered_at timestamptz,
  last_delivered_order_id text,
  orders365 integer not null default 0,
  spend365 bigint not null default 0,
  spend180 bigint not null default 0,
  returns180 integer not null default 0,
  returned180 bigint not null default 0,
  has_returns boolean not null default false,
  open_return boolean not null default false,
  -- The first moment one of the windowed figures changes by time alone (an order or a return
  -- leaving its window): the row is recomputed then, even when nothing new happened.
  fresh_until timestamptz,
  refreshed_at timestamptz not null,
  primary key (org_id, shop_id, buyer_id)
);
select afterdesk_tenant_table('coupon_buyer_facts');
select afterdesk_brand_scoped_table('coupon_buyer_facts');
create index coupon_buyer_facts_delivered on coupon_buyer_facts (org_id, shop_id, last_delivered_at) where last_delivered_at is not null;
create index coupon_buyer_facts_last_order on coupon_buyer_facts (org_id, shop_id, last_order_at) where last_order_at is not null;
create index coupon_buyer_facts_frequent on coupon_buyer_facts (org_id, shop_id, orders365) where orders365 >= 2;
create index coupon_buyer_facts_stale on coupon_buyer_facts (org_id, shop_id, fresh_until) where fresh_until is not null;

-- Up to when each shop's facts have taken in order and after-sales changes (the pull's watermark).
create table coupon_fact_watermarks (
  org_id text not null references organisations(org_id),
  shop_id text not null,
  changes_through timestamptz not null, -- the clock when the changes were last read
  facts_at timestamptz not null, -- the instant the windowed figures were last worked out for
  rebuilt_at timestamptz,
  primary key (org_id, shop_id)
);
select afterdesk_tenant_table('coupon_fact_watermarks');
select afterdesk_brand_scoped_table('coupon_fact_watermarks');

-- The change feed the watermark reads (the orders module's tables, our read path).
create index orders_shop_updated on orders (org_id, shop_id, updated_at) include (buyer_id);
create index platform_returns_shop_updated on platform_returns (org_id, shop_id, updated_at) include (buyer_id) where buyer_id is not null;
