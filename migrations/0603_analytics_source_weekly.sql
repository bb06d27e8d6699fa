-- The weekly rollup without the product dimension: what "return rate by source by week" reads
-- (about a tenth of the rows of analytics_weekly). Maintained in the same refresh.
create table analytics_source_weekly (
  org_id text not null,
  shop_id text not null,
  week date not null,
  source_type text not null,
  source_id text not null,
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
  primary key (org_id, shop_id, week, source_type, source_id)
);
select afterdesk_tenant_table('analytics_source_weekly');
select afterdesk_brand_scoped_table('analytics_source_weekly');
