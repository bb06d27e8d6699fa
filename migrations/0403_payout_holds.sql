-- A failed inspection stops every payout on its order until a supervisor or owner decides.
-- The hold is a row (owned by the remedies module, which executes every refund); outbox money
-- steps caught by it wait in status 'held' instead of being sent.
alter table outbox drop constraint if exists outbox_status_check;
alter table outbox add constraint outbox_status_check check (status in ('pending', 'running', 'done', 'failed', 'cancelled', 'held'));

alter table remedies drop constraint if exists remedies_status_check;
alter table remedies add constraint remedies_status_check check (status in ('proposed', 'pending_approval', 'rejected', 'executing', 'attention', 'completed', 'abandoned', 'on_hold'));

create table payout_holds (
  org_id text not null references organisations(org_id),
  id text not null,
  order_id text not null,
  return_id text not null,
  reason text not null,
  placed_by text not null,
  placed_at timestamptz not null,
  released_at timestamptz,
  released_by text,
  outcome text check (outcome in ('pay', 'cancel')),
  primary key (org_id, id),
  check ((released_at is null) = (outcome is null))
);
-- One open hold per return; the order lookup serves every payout check.
create unique index payout_holds_open_return on payout_holds (org_id, return_id) where released_at is null;
create index payout_holds_open_order on payout_holds (org_id, order_id) where released_at is null;
select afterdesk_tenant_table('payout_holds');
