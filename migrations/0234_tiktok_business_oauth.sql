-- TikTok API for Business account OAuth (issue 19): an account connected through the account
-- holder's consent keeps its refresh token (sealed) and both expiry times; a pasted token has none.
alter table tiktok_business_accounts add column refresh_token text;
alter table tiktok_business_accounts add column access_expires_at timestamptz;
alter table tiktok_business_accounts add column refresh_expires_at timestamptz;
alter table tiktok_business_accounts add column scopes text;
alter table tiktok_business_accounts add column connected_via text not null default 'token' check (connected_via in ('token', 'oauth'));

-- Each "Connect with TikTok" started: the state we sent (only its hash is kept), who started it in
-- which organisation for which shop; the callback must come back in that user's session, within
-- ten minutes, and once.
create table tiktok_business_oauth_states (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  user_id text not null,
  state_hash text not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null,
  primary key (org_id, id),
  unique (state_hash),
  foreign key (org_id, shop_id) references shops(org_id, id) on delete cascade
);
select afterdesk_tenant_table('tiktok_business_oauth_states');
select afterdesk_brand_scoped_table('tiktok_business_oauth_states');
