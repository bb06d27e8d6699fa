-- Refund reconciliation against the platform's finance statements (issue 15).
-- Statements as the Finance API lists them (Get Statements, one per shop and settlement day).
create table finance_statements (
  org_id text not null,
  shop_id text not null,
  id text not null,
  statement_time timestamptz not null,
  currency text not null,
  settlement_amount bigint not null,
  revenue_amount bigint not null,
  fee_amount bigint not null,
  adjustment_amount bigint not null,
  payment_status text,
  payment_id text,
  synced_at timestamptz not null,
  primary key (org_id, shop_id, id),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('finance_statements');
select afterdesk_brand_scoped_table('finance_statements');

-- The refund part of an order's statement transactions, per SKU and statement (Get Order Statement
-- Transactions): what the platform booked as refunded, in minor units, positive.
create table finance_refund_lines (
  org_id text not null,
  shop_id text not null,
  external_order_id text not null,
  sku_id text not null,
  statement_id text not null,
  currency text not null,
  refund_amount bigint not null,
  fetched_at timestamptz not null,
  primary key (org_id, shop_id, external_order_id, sku_id, statement_id),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('finance_refund_lines');
select afterdesk_brand_scoped_table('finance_refund_lines');

-- Which orders' transactions were fetched, and when (the sync re-reads unsettled ones).
create table finance_order_checks (
  org_id text not null,
  shop_id text not null,
  external_order_id text not null,
  checked_at timestamptz not null,
  primary key (org_id, shop_id, external_order_id),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('finance_order_checks');
select afterdesk_brand_scoped_table('finance_order_checks');

-- Organisation-wide analytics settings: the return cycle target (days).
create table analytics_settings (
  org_id text not null references organisations(org_id),
  cycle_target_days integer not null default 7 check (cycle_target_days between 1 and 60),
  updated_at timestamptz not null,
  primary key (org_id)
);
select afterdesk_tenant_table('analytics_settings');
