-- The direct org_id → organisations foreign keys on the high-volume tables cost a trigger and an
-- index probe (with a KEY SHARE lock on the one organisation row) per inserted row, under every
-- concurrent writer. They are redundant: orders → shops and order_lines → orders are composite
-- keys that start with org_id, so the organisation is already guaranteed; raw webhook events are
-- a log keyed by the shop lookup that stored them. Row-level security still scopes every row.
alter table orders drop constraint orders_org_id_fkey;
alter table order_lines drop constraint order_lines_org_id_fkey;
alter table tiktok_webhook_events drop constraint tiktok_webhook_events_org_id_fkey;
