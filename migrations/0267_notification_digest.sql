-- Daily e-mail digest (issue 13): per person and kind, e-mail may be gathered into one mail a day
-- instead of one mail per notice. Queued notices wait here (kind + params + link, like notifications)
-- until the daily job turns each person's queue into one outbox step and removes it.

alter table notification_preferences add column email_digest boolean not null default false;

create table notification_digest_items (
  org_id text not null references organisations(org_id),
  id text not null,
  user_id text not null,
  kind text not null,
  params jsonb not null default '{}'::jsonb,
  link text,
  created_at timestamptz not null,
  primary key (org_id, id),
  foreign key (org_id, user_id) references users(org_id, id)
);
create index notification_digest_items_user on notification_digest_items (org_id, user_id, created_at, id);
select afterdesk_tenant_table('notification_digest_items');
