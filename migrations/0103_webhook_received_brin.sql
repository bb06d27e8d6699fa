-- received_at only serves the daily purge of old processed events. A B-tree on it took a new entry
-- for every insert and for each of the two status updates of every event; a BRIN index over the
-- append-ordered column answers the purge's range scan and costs almost nothing to maintain.
drop index tiktok_webhook_events_received;
create index tiktok_webhook_events_received on tiktok_webhook_events using brin (received_at);
