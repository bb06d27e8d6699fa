-- The lookup service (issue 13) finds things by the numbers people have. Each of these is an
-- equality on a column that had no index of its own, led by org_id like every tenant index.
create index orders_external_id on orders (org_id, external_id);
create index orders_tracking on orders (org_id, tracking_number) where tracking_number is not null;
create index orders_placed on orders (org_id, placed_at desc, id);
create index buyers_created on buyers (org_id, created_at desc, id);
create index tickets_buyer_phone on tickets (org_id, buyer_phone) where buyer_phone is not null;
create index remedies_order on remedies (org_id, order_id);
create index remedies_buyer on remedies (org_id, buyer_id) where buyer_id is not null;
create index returns_order on returns (org_id, order_id);
create index returns_buyer on returns (org_id, buyer_id) where buyer_id is not null;
