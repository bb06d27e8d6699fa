-- Lots (batches) per order line, imported from a seller's CSV (issue 18): an incident can then name
-- the lots that went wrong and reach exactly the buyers of those lines. One lot per order line; a
-- re-import of the same line replaces its lot (upsert). No personal data: order, line, SKU and lot.
create table incident_lots (
  org_id text not null references organisations(org_id),
  order_line_id text not null,
  shop_id text not null,
  order_id text not null,
  platform_order_id text not null,
  seller_sku text,
  lot text not null check (length(lot) between 1 and 100),
  import_id text not null,
  imported_at timestamptz not null,
  primary key (org_id, order_line_id)
);
select afterdesk_tenant_table('incident_lots');
select afterdesk_brand_scoped_table('incident_lots');
create index incident_lots_by_lot on incident_lots (org_id, shop_id, lot);
