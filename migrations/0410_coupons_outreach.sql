-- Coupons (platform coupons synced from TikTok Shop, programmes, the per-buyer ledger), the contact
-- policy (outreach) and a buyer case type for evidence about a buyer's coupons.

-- A shop's coupons as the platform reports them (Search/Get Coupons, 202406). Created in Seller Center;
-- the API only reads them, so these rows are a copy refreshed by the sync.
create table platform_coupons (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  external_id text not null,
  title text not null,
  status text not null, -- NOT_START | ONGOING | EXPIRED | DEACTIVATED
  display_type text not null,
  display_channels text[] not null default '{}',
  creation_source text,
  target_buyer_segment text,
  product_scope text,
  product_ids text[] not null default '{}',
  promo_code text,
  discount_type text not null, -- AMOUNT_OFF | PERCENT_OFF
  currency text not null,
  reduction_amount integer, -- minor units (AMOUNT_OFF)
  percentage_bp integer, -- basis points (PERCENT_OFF: 30 % = 3000)
  max_discount integer,
  min_spend integer not null default 0,
  claim_start_at timestamptz,
  claim_end_at timestamptz,
  redemption_type text, -- ABSOLUTE | RELATIVE
  redemption_start_at timestamptz,
  redemption_end_at timestamptz,
  redemption_days integer,
  single_buyer_claim_limit integer,
  total_claim_limit integer,
  redemption_limit integer,
  claimed_count integer not null default 0,
  redeemed_count integer not null default 0,
  external_updated_at timestamptz,
  synced_at timestamptz not null,
  primary key (org_id, id),
  constraint platform_coupons_external unique (org_id, shop_id, external_id)
);
select afterdesk_tenant_table('platform_coupons');
select afterdesk_brand_scoped_table('platform_coupons');

create table coupon_programmes (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  name text not null,
  kind text not null check (kind in ('return_visit', 'loyalty', 'winback', 'compensation')),
  status text not null check (status in ('active', 'paused')),
  schedule jsonb not null,
  segment jsonb not null,
  holdout_percent integer not null check (holdout_percent between 0 and 50),
  budget integer not null check (budget >= 0), -- face value per calendar month, minor units
  currency text not null,
  channel text not null check (channel in ('tiktok_chat', 'email', 'whatsapp')),
  messages jsonb not null, -- text per buyer language (en, de, fr, it, es)
  created_by text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id)
);
select afterdesk_tenant_table('coupon_programmes');
select afterdesk_brand_scoped_table('coupon_programmes');
create index coupon_programmes_shop on coupon_programmes (org_id, shop_id, status);

create table coupon_variants (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  programme_id text not null,
  key text not null,
  platform_coupon_id text not null,
  weight integer not null check (weight between 1 and 100),
  messages jsonb, -- overrides the programme's text per language
  created_at timestamptz not null,
  primary key (org_id, id),
  constraint coupon_variants_key unique (org_id, programme_id, key)
);
select afterdesk_tenant_table('coupon_variants');
select afterdesk_brand_scoped_table('coupon_variants');

-- One row per (programme or remedy, buyer, occasion): what we planned, sent, and what came of it.
-- Hold-out buyers get a row too (arm = holdout, status held_out): they are the comparison group.
create table coupon_ledger (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  intent_key text not null,
  programme_id text,
  variant_id text,
  remedy_id text,
  buyer_id text,
  platform_coupon_id text,
  occasion text not null,
  arm text not null check (arm in ('treatment', 'holdout')),
  status text not null check (status in ('planned', 'sent', 'redeemed', 'expired', 'voided', 'clawed_back', 'held_out')),
  channel text not null,
  currency text not null,
  face_value integer not null check (face_value >= 0),
  min_spend integer not null default 0,
  promo_code text,
  expires_at timestamptz,
  planned_at timestamptz not null,
  sent_at timestamptz,
  redeemed_at timestamptz,
  redeemed_order_id text,
  order_value integer,
  discount_amount integer,
  settled text, -- what a cancellation or return of the redeeming order did (restore, claw_back, leave)
  voided_at timestamptz,
  outbox_id text,
  updated_at timestamptz not null,
  primary key (org_id, id),
  constraint coupon_ledger_intent unique (org_id, intent_key)
);
select afterdesk_tenant_table('coupon_ledger');
select afterdesk_brand_scoped_table('coupon_ledger');
create index coupon_ledger_buyer on coupon_ledger (org_id, buyer_id, planned_at);
create index coupon_ledger_programme on coupon_ledger (org_id, programme_id, status);
create index coupon_ledger_remedy on coupon_ledger (org_id, remedy_id) where remedy_id is not null;
create index coupon_ledger_open on coupon_ledger (org_id, shop_id, status) where status in ('sent', 'redeemed');

-- Compensation coupons minted before this module (AD-… codes nobody could redeem) become voided rows.
insert into coupon_ledger (org_id, id, shop_id, intent_key, remedy_id, buyer_id, occasion, arm, status, channel, currency, face_value, min_spend, promo_code, expires_at, planned_at, voided_at, updated_at)
select org_id, id, shop_id, 'remedy:' || coalesce(remedy_id, id), remedy_id, buyer_id, 'compensation', 'treatment', 'voided', 'none', currency, amount, min_spend, code, expires_at, created_at, coalesce(voided_at, created_at), created_at
from coupons;
drop table coupons;

-- Contact policy: every message we start ourselves is logged here (the frequency cap reads it).
create table outreach_contacts (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  buyer_id text not null,
  purpose text not null check (purpose in ('service', 'marketing')),
  channel text not null,
  source text not null,
  at timestamptz not null,
  primary key (org_id, id)
);
select afterdesk_tenant_table('outreach_contacts');
select afterdesk_brand_scoped_table('outreach_contacts');
create index outreach_contacts_buyer on outreach_contacts (org_id, buyer_id, at);

-- A buyer's consent and unsubscribe (organisation-wide: a buyer is the organisation's, not a shop's).
create table outreach_preferences (
  org_id text not null references organisations(org_id),
  id text not null, -- the buyer id
  marketing_consent boolean not null default false,
  consent_source text,
  unsubscribed_at timestamptz,
  birthday date,
  birthday_consent boolean not null default false,
  updated_at timestamptz not null,
  primary key (org_id, id)
);
select afterdesk_tenant_table('outreach_preferences');

-- Evidence about a buyer's coupon ledger is filed under the buyer.
alter table evidence_records drop constraint evidence_records_case_type_check;
alter table evidence_records add constraint evidence_records_case_type_check check (case_type in ('ticket', 'return', 'dispute', 'buyer'));

-- Read paths of the coupon programmes' daily selection (the orders module's tables, our queries):
-- orders delivered on a day, orders placed in a window, a buyer's latest order.
create index orders_shop_delivered on orders (org_id, shop_id, delivered_at) include (buyer_id) where delivered_at is not null;
create index orders_shop_placed on orders (org_id, shop_id, placed_at) include (buyer_id, total_amount);
create index orders_buyer_placed on orders (org_id, buyer_id, placed_at);
-- A buyer's after-sales history (serial returners, open cases, the chat window's return rule).
create index platform_returns_buyer on platform_returns (org_id, buyer_id) where buyer_id is not null;
