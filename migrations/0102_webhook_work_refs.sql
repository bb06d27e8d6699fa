-- What a webhook asks for (entity ids to re-fetch, or an action), decided when it is received, so
-- the processor need not parse every raw body again. Null on rows stored before this column:
-- the processor then reads the raw body, as it always did.
alter table tiktok_webhook_events add column work_refs text;
