-- Analytics: attribution claims and provenance, per-line facts with a weekly rollup kept up to date
-- from a queue of changed orders, exclusions, feedback tasks, chart annotations and exchange rates.

-- Where a line's traffic source came from (affiliate_orders, ads_report, live_window, none).
-- The column belongs to the orders module's table; analytics writes it through the orders writer.
alter table order_lines add column traffic_source_provenance text not null default 'none';

-- Claims on orders by a traffic source, from each attribution feed. Kept even when the order has
-- not been synced yet; applied to the order's lines by precedence (lower wins).
create table attribution_claims (
  org_id text not null references organisations(org_id),
  shop_id text not null,
  external_order_id text not null,
  -- Null: the claim covers every line of the order; else the TikTok product it names.
  product_id text not null default '',
  provenance text not null check (provenance in ('affiliate_orders', 'ads_report', 'live_window')),
  precedence smallint not null,
  source_type text not null check (source_type in ('ad_campaign', 'creator_video', 'livestream')),
  source_id text not null,
  source_name text,
  creator_handle text,
  claimed_at timestamptz not null default now(),
  primary key (org_id, shop_id, external_order_id, product_id, provenance),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('attribution_claims');
select afterdesk_brand_scoped_table('attribution_claims');

-- The shop's own LIVE sessions (Analytics API): order times inside a session claim the order.
create table live_sessions (
  org_id text not null references organisations(org_id),
  shop_id text not null,
  id text not null,
  title text not null,
  host_username text,
  started_at timestamptz not null,
  ended_at timestamptz not null,
  synced_at timestamptz not null default now(),
  primary key (org_id, shop_id, id),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('live_sessions');
select afterdesk_brand_scoped_table('live_sessions');

-- One row per order line: what the reports count. Rebuilt per order from the queue below.
create table analytics_line_facts (
  org_id text not null,
  shop_id text not null,
  order_line_id text not null,
  order_id text not null,
  market text not null,
  currency text not null,
  source_type text not null,
  source_id text not null,
  source_name text,
  provenance text not null,
  product_id text not null,
  product_name text not null,
  sku_id text not null,
  paid_amount bigint not null,
  placed_at timestamptz not null,
  delivered_at timestamptz,
  week date not null,
  delivered boolean not null,
  -- First line of its order for this source: summing it counts orders per source exactly.
  order_head boolean not null,
  returned boolean not null,
  refunded boolean not null,
  refund_amount bigint not null,
  disputed boolean not null,
  complained boolean not null,
  reason_code text,
  reason_text text,
  fault_owner text,
  primary key (org_id, order_line_id)
);
select afterdesk_tenant_table('analytics_line_facts');
select afterdesk_brand_scoped_table('analytics_line_facts');
create index analytics_line_facts_order on analytics_line_facts (org_id, order_id);
create index analytics_line_facts_source on analytics_line_facts (org_id, source_type, source_id);

create table analytics_weekly (
  org_id text not null,
  shop_id text not null,
  week date not null,
  source_type text not null,
  source_id text not null,
  product_id text not null,
  lines bigint not null default 0,
  delivered_lines bigint not null default 0,
  delivered_orders bigint not null default 0,
  returned_lines bigint not null default 0,
  refunded_lines bigint not null default 0,
  refund_amount bigint not null default 0,
  disputed_lines bigint not null default 0,
  complained_lines bigint not null default 0,
  paid_amount bigint not null default 0,
  fault_seller bigint not null default 0,
  fault_carrier bigint not null default 0,
  fault_buyer bigint not null default 0,
  fault_platform bigint not null default 0,
  primary key (org_id, shop_id, week, source_type, source_id, product_id)
);
select afterdesk_tenant_table('analytics_weekly');
select afterdesk_brand_scoped_table('analytics_weekly');

-- Orders whose facts are stale. Statement triggers add ids (one insert per statement, not per row),
-- the refresher takes them.
create table analytics_dirty_orders (
  org_id text not null,
  order_id text not null,
  primary key (org_id, order_id)
);
select afterdesk_tenant_table('analytics_dirty_orders');

create or replace function analytics_mark_orders() returns trigger language plpgsql as $fn$
begin
  insert into analytics_dirty_orders (org_id, order_id)
    select distinct org_id, id from changed_rows
    on conflict do nothing;
  return null;
end
$fn$;
create or replace function analytics_mark_order_refs() returns trigger language plpgsql as $fn$
begin
  insert into analytics_dirty_orders (org_id, order_id)
    select distinct org_id, order_id from changed_rows where order_id is not null
    on conflict do nothing;
  return null;
end
$fn$;
create trigger analytics_orders_ins after insert on orders referencing new table as changed_rows for each statement execute function analytics_mark_orders();
create trigger analytics_orders_upd after update on orders referencing new table as changed_rows for each statement execute function analytics_mark_orders();
create trigger analytics_lines_ins after insert on order_lines referencing new table as changed_rows for each statement execute function analytics_mark_order_refs();
create trigger analytics_lines_upd after update on order_lines referencing new table as changed_rows for each statement execute function analytics_mark_order_refs();
create trigger analytics_returns_ins after insert on platform_returns referencing new table as changed_rows for each statement execute function analytics_mark_order_refs();
create trigger analytics_returns_upd after update on platform_returns referencing new table as changed_rows for each statement execute function analytics_mark_order_refs();
create trigger analytics_tickets_ins after insert on tickets referencing new table as changed_rows for each statement execute function analytics_mark_order_refs();

-- Sources the owner paused on the platform.
create table analytics_exclusions (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  source_type text not null check (source_type in ('ad_campaign', 'creator_video', 'livestream')),
  source_id text not null,
  source_name text,
  note text,
  excluded_by text not null,
  excluded_at timestamptz not null,
  primary key (org_id, id),
  unique (org_id, shop_id, source_type, source_id),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('analytics_exclusions');
select afterdesk_brand_scoped_table('analytics_exclusions');

-- Work for a listing, product or ad-copy owner (also created by other modules).
create table feedback_tasks (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  kind text not null check (kind in ('listing', 'product', 'ad_copy', 'creator_content', 'other')),
  title text not null,
  body text not null,
  subject_type text,
  subject_id text,
  assignee_id text,
  status text not null check (status in ('open', 'in_progress', 'done')),
  created_by text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  done_at timestamptz,
  primary key (org_id, id),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('feedback_tasks');
select afterdesk_brand_scoped_table('feedback_tasks');
create index feedback_tasks_created on feedback_tasks (org_id, created_at desc, id desc);

-- Things that happened, drawn on the charts (incidents, listing changes, exclusions).
create table analytics_annotations (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text,
  kind text not null check (kind in ('incident', 'listing_change', 'exclusion', 'note')),
  title text not null,
  starts_at timestamptz not null,
  ends_at timestamptz,
  subject_type text,
  subject_id text,
  created_by text not null,
  created_at timestamptz not null,
  primary key (org_id, id),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('analytics_annotations');

-- Exchange rates the owner imports: 1 unit of `currency` = `rate` units of `base` on `rate_date`.
create table fx_rates (
  org_id text not null references organisations(org_id),
  base text not null check (base ~ '^[A-Z]{3}$'),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  rate_date date not null,
  rate numeric(20, 10) not null check (rate > 0),
  imported_at timestamptz not null,
  primary key (org_id, base, currency, rate_date)
);
select afterdesk_tenant_table('fx_rates');
