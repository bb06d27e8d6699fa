-- Inbox completeness (helpdesk): a macro's default status after sending, the reason a delivery
-- failed, system event lines in the thread, saved views, and who is looking at a ticket.

alter table macros add column default_status_after text
  check (default_status_after in ('open', 'waiting_on_buyer', 'waiting_on_warehouse', 'waiting_on_platform', 'solved'));

alter table ticket_messages add column delivery_error text;
-- A line the system wrote (an automation, an auto-close): {kind, params}, worded by the reader's UI.
alter table ticket_messages add column event jsonb;

create table saved_views (
  org_id text not null references organisations(org_id),
  id text not null,
  user_id text not null,
  name text not null,
  filter jsonb not null,
  created_at timestamptz not null,
  primary key (org_id, id),
  foreign key (org_id, user_id) references users(org_id, id),
  constraint saved_views_name_unique unique (org_id, user_id, name)
);
select afterdesk_tenant_table('saved_views');

-- Short-lived: a row says "this person had this ticket open at seen_at"; readers ignore old rows.
create table ticket_viewers (
  org_id text not null references organisations(org_id),
  ticket_id text not null,
  user_id text not null,
  shop_id text not null,
  seen_at timestamptz not null,
  primary key (org_id, ticket_id, user_id),
  foreign key (org_id, ticket_id) references tickets(org_id, id) on delete cascade
);
select afterdesk_tenant_table('ticket_viewers');
select afterdesk_brand_scoped_table('ticket_viewers');

-- Live updates: every ticket insert/update says so on one channel; the API processes' single
-- listener fans it out to the browsers of that organisation (GET /api/events). Postgres delivers a
-- notification at commit and folds identical ones of one transaction into one.
create or replace function afterdesk_ticket_live() returns trigger language plpgsql as $fn$
begin
  perform pg_notify('afterdesk_live', json_build_object('t', 'ticket', 'o', new.org_id, 's', new.shop_id, 'id', new.id)::text);
  return null;
end
$fn$;
create trigger tickets_live after insert or update on tickets for each row execute function afterdesk_ticket_live();

-- Automations (helpdesk): rules evaluated when a ticket is created, and the organisation's timers.
create table automation_rules (
  org_id text not null references organisations(org_id),
  id text not null,
  name text not null,
  active boolean not null,
  position integer not null,
  conditions jsonb not null,
  actions jsonb not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id)
);
create index automation_rules_active on automation_rules (org_id, position) where active;
select afterdesk_tenant_table('automation_rules');

create table automation_settings (
  org_id text not null references organisations(org_id),
  -- Close a ticket waiting on the buyer after this many days, with a last message; null = never.
  auto_close_days integer check (auto_close_days between 1 and 90),
  out_of_hours_ack boolean not null,
  updated_at timestamptz not null,
  primary key (org_id)
);
select afterdesk_tenant_table('automation_settings');
