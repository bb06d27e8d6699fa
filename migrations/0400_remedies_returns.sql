-- Remedies (ladder, authority, execution) and returns (RMA, warehouse, exchanges).

-- Per-shop settings the shop's base return policy (shops.return_policy) does not carry.
create table remedy_settings (
  org_id text not null references organisations(org_id),
  id text not null, -- the shop id: one row per shop
  ladder jsonb not null,
  high_ticket_threshold integer, -- minor units; returns worth at least this refund on inspection pass
  coupon_minimum_rule text not null default 'claw_back' check (coupon_minimum_rule in ('claw_back', 'keep_discount')),
  default_cost_percent integer not null default 45 check (default_cost_percent between 0 and 100),
  default_resale_percent integer not null default 60 check (default_resale_percent between 0 and 100),
  return_shipping integer not null default 1200,
  outbound_shipping integer not null default 900,
  updated_at timestamptz not null,
  primary key (org_id, id)
);
select afterdesk_tenant_table('remedy_settings');

-- Known item cost and resale value per product (or per category when key starts with 'category:').
create table product_economics (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  key text not null,
  item_cost integer not null check (item_cost >= 0),
  resale_percent integer not null check (resale_percent between 0 and 100),
  updated_at timestamptz not null,
  primary key (org_id, id),
  constraint product_economics_key unique (org_id, shop_id, key)
);
select afterdesk_tenant_table('product_economics');

create table remedies (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  ticket_id text,
  return_id text,
  order_id text not null,
  order_line_ids text[] not null,
  platform_return_id text,
  buyer_id text,
  language text not null,
  category text not null,
  suggested_category text,
  fault_owner text not null check (fault_owner in ('buyer', 'seller', 'carrier', 'platform')),
  option_key text not null,
  kind text not null,
  tier integer not null check (tier between 1 and 3),
  currency text not null,
  paid_base integer not null,
  refund_amount integer not null check (refund_amount >= 0),
  coupon jsonb,
  reship boolean not null,
  apology_card boolean not null,
  given_value integer not null,
  economics jsonb not null,
  status text not null check (status in ('proposed', 'pending_approval', 'rejected', 'executing', 'attention', 'completed', 'abandoned')),
  proposed_by text not null,
  limit_check text not null,
  approval_reason text,
  decided_by text,
  decided_at timestamptz,
  decision_note text,
  reconcile_round integer not null default 0,
  failed_step text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  completed_at timestamptz,
  primary key (org_id, id)
);
select afterdesk_tenant_table('remedies');
create index remedies_status on remedies (org_id, status, created_at);
create index remedies_ticket on remedies (org_id, ticket_id);

create table coupons (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  code text not null,
  remedy_id text,
  buyer_id text,
  currency text not null,
  amount integer not null check (amount > 0),
  min_spend integer not null default 0,
  vip boolean not null default false,
  status text not null check (status in ('issued', 'void', 'redeemed')),
  expires_at timestamptz not null,
  created_at timestamptz not null,
  voided_at timestamptz,
  primary key (org_id, id),
  constraint coupons_code unique (org_id, code),
  constraint coupons_remedy unique (org_id, remedy_id)
);
select afterdesk_tenant_table('coupons');

create table reships (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  remedy_id text not null,
  order_id text not null,
  lines jsonb not null,
  apology_card boolean not null,
  status text not null check (status in ('requested', 'released', 'cancelled')),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  constraint reships_remedy unique (org_id, remedy_id)
);
select afterdesk_tenant_table('reships');

-- Versioned reason tree: a new version is a new row; returns keep a snapshot of the node they used.
create table return_reason_trees (
  org_id text not null references organisations(org_id),
  id text not null,
  version integer not null,
  nodes jsonb not null,
  created_by text not null,
  created_at timestamptz not null,
  primary key (org_id, id),
  constraint return_reason_trees_version unique (org_id, version)
);
select afterdesk_append_only_table('return_reason_trees');

create table returns (
  org_id text not null references organisations(org_id),
  id text not null,
  rma text not null,
  shop_id text not null,
  order_id text not null,
  buyer_id text,
  ticket_id text,
  platform_return_id text,
  channel text not null check (channel in ('tiktok', 'self_service', 'agent')),
  status text not null,
  resolution text not null check (resolution in ('refund', 'exchange', 'no_refund')),
  reason jsonb,
  buyer_note text,
  photos text[] not null default '{}',
  language text not null,
  policy jsonb not null,
  refund_trigger text not null,
  currency text not null,
  refund_total integer not null,
  refund_calc jsonb not null,
  tracking_number text,
  requested_at timestamptz not null,
  approved_at timestamptz,
  received_at timestamptz,
  received_by text,
  inspected_at timestamptz,
  inspected_by text,
  grade text check (grade in ('as_new', 'opened', 'damaged', 'not_ours', 'empty_box')),
  inspection_passed boolean,
  inspection_note text,
  inspection_photos text[] not null default '{}',
  refund_remedy_id text,
  refunded_at timestamptz,
  platform_refunded_at timestamptz,
  appeal_deadline timestamptz,
  appeal_status text check (appeal_status in ('open', 'won', 'lost')),
  exchange jsonb,
  closed_at timestamptz,
  created_by text not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  constraint returns_rma unique (org_id, rma),
  constraint returns_platform_return unique (org_id, platform_return_id)
);
select afterdesk_tenant_table('returns');
create index returns_status on returns (org_id, status, requested_at);
create index returns_tracking on returns (org_id, tracking_number);

create table return_lines (
  org_id text not null references organisations(org_id),
  id text not null,
  return_id text not null,
  order_line_id text not null,
  sku text not null,
  product_id text not null,
  product_name text not null,
  category text,
  unit_price integer not null,
  paid integer not null,
  restocking_fee integer not null,
  coupon_clawback integer not null,
  refund integer not null,
  reason jsonb,
  active boolean not null default true,
  primary key (org_id, id)
);
select afterdesk_tenant_table('return_lines');
-- One live return per order line: a second request for the same item is refused by the database.
create unique index return_lines_one_live on return_lines (org_id, order_line_id) where active;

create table exchange_stock (
  org_id text not null references organisations(org_id),
  id text not null, -- shop_id || ':' || sku
  shop_id text not null,
  sku text not null,
  product_id text not null,
  label text not null,
  available integer not null check (available >= 0),
  reserved integer not null check (reserved >= 0),
  primary key (org_id, id)
);
select afterdesk_tenant_table('exchange_stock');
