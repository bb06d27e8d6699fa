-- Foundation: tenancy helper, organisations, brands, shops, users, sessions, outbox.
-- Every tenant table carries org_id, leads its keys with it (ready for Citus distribution by
-- tenant) and is protected by row-level security keyed on a per-transaction setting.

create or replace function afterdesk_tenant_table(t regclass) returns void language plpgsql as $fn$
begin
  execute format('alter table %s enable row level security', t);
  execute format('drop policy if exists tenant_isolation on %s', t);
  execute format($p$create policy tenant_isolation on %s
    using (org_id = current_setting('app.org_id', true) or current_setting('app.system', true) = 'on')
    with check (org_id = current_setting('app.org_id', true) or current_setting('app.system', true) = 'on')$p$, t);
  execute format('grant select, insert, update, delete on %s to afterdesk_app', t);
end
$fn$;

-- Append-only tables: the app role may insert and read, never change or delete.
create or replace function afterdesk_append_only_table(t regclass) returns void language plpgsql as $fn$
begin
  perform afterdesk_tenant_table(t);
  execute format('revoke update, delete on %s from afterdesk_app', t);
end
$fn$;

create table organisations (
  org_id text primary key,
  name text not null,
  kind text not null default 'seller' check (kind in ('seller', 'agency')),
  default_locale text not null default 'en',
  created_at timestamptz not null default now()
);
select afterdesk_tenant_table('organisations');

create table brands (
  org_id text not null references organisations(org_id),
  id text not null,
  name text not null,
  created_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (id),
  constraint brands_name_unique unique (org_id, name)
);
select afterdesk_tenant_table('brands');

create table shops (
  org_id text not null references organisations(org_id),
  id text not null,
  brand_id text not null,
  name text not null,
  market text not null,
  region text,
  currency text not null,
  time_zone text not null,
  languages text[] not null,
  business_hours jsonb not null,
  return_policy jsonb not null,
  support_contacts jsonb not null default '{}'::jsonb,
  tiktok_shop_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (id),
  foreign key (org_id, brand_id) references brands(org_id, id),
  constraint shops_name_unique unique (org_id, name),
  constraint shops_tiktok_unique unique (org_id, tiktok_shop_id)
);
select afterdesk_tenant_table('shops');

create table users (
  org_id text not null references organisations(org_id),
  id text not null,
  email text not null,
  name text not null,
  password_hash text not null,
  role text not null check (role in ('owner', 'supervisor', 'agent', 'warehouse')),
  languages text[] not null default '{}',
  skills text[] not null default '{}',
  remedy_limits jsonb not null,
  ui_locale text not null default 'en',
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (id)
);
-- One login per e-mail across the whole installation (agencies log in once for many clients).
create unique index users_email_unique on users (lower(email));
select afterdesk_tenant_table('users');

create table sessions (
  org_id text not null references organisations(org_id),
  id text not null,
  user_id text not null,
  token_hash text not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  user_agent text,
  ip text,
  primary key (org_id, id),
  foreign key (org_id, user_id) references users(org_id, id) on delete cascade
);
create unique index sessions_token_unique on sessions (token_hash);
select afterdesk_tenant_table('sessions');

-- Transactional outbox: a side effect on the outside world is a row written in the same
-- transaction as the decision. The idempotency key makes a second write of the same intent a no-op.
create table outbox (
  org_id text not null references organisations(org_id),
  id text not null,
  handler text not null,
  idempotency_key text not null,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'running', 'done', 'failed', 'cancelled')),
  attempts integer not null default 0,
  max_attempts integer not null default 8,
  next_attempt_at timestamptz not null default now(),
  locked_until timestamptz,
  last_error text,
  result jsonb,
  subject_type text,
  subject_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  done_at timestamptz,
  primary key (org_id, id),
  constraint outbox_idempotency_unique unique (org_id, idempotency_key)
);
create index outbox_due on outbox (next_attempt_at) where status in ('pending', 'running');
create index outbox_subject on outbox (org_id, subject_type, subject_id);
select afterdesk_tenant_table('outbox');

create or replace function afterdesk_outbox_notify() returns trigger language plpgsql as $fn$
begin
  perform pg_notify('afterdesk_outbox', new.org_id);
  return new;
end
$fn$;
create trigger outbox_notify after insert on outbox for each row execute function afterdesk_outbox_notify();
