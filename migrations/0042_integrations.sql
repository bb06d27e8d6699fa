-- Integrations: API tokens per organisation (stored as a hash, the prefix shown) and outgoing
-- webhooks (the signing secret encrypted with the app's secret key) with their delivery log.
create table api_tokens (
  org_id text not null references organisations(org_id),
  id text not null,
  name text not null,
  prefix text not null,
  token_hash text not null,
  scopes text[] not null,
  created_by text not null,
  created_at timestamptz not null,
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz,
  primary key (org_id, id)
);
create unique index api_tokens_hash_unique on api_tokens (token_hash);
select afterdesk_tenant_table('api_tokens');

create table webhook_endpoints (
  org_id text not null references organisations(org_id),
  id text not null,
  url text not null,
  description text not null default '',
  events text[] not null,
  secret_enc text not null,
  active boolean not null default true,
  consecutive_failures integer not null default 0,
  disabled_at timestamptz,
  disabled_reason text,
  created_by text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id)
);
select afterdesk_tenant_table('webhook_endpoints');

create table webhook_deliveries (
  org_id text not null references organisations(org_id),
  id text not null,
  endpoint_id text not null,
  event_id text not null,
  event_type text not null,
  attempt integer not null,
  ok boolean not null,
  http_status integer,
  error text,
  duration_ms integer not null,
  at timestamptz not null,
  primary key (org_id, id),
  foreign key (org_id, endpoint_id) references webhook_endpoints(org_id, id) on delete cascade
);
create index webhook_deliveries_endpoint on webhook_deliveries (org_id, endpoint_id, at desc, id desc);
select afterdesk_tenant_table('webhook_deliveries');
