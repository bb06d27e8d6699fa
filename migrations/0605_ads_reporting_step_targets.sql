-- Issue 15: the TikTok Marketing API (API for Business reporting) for ad campaigns, and per-step
-- return cycle targets.

-- A shop's TikTok advertiser account on the API for Business (the token is sealed).
create table tiktok_ads_accounts (
  org_id text not null,
  id text not null,
  shop_id text not null,
  advertiser_id text not null,
  access_token text not null,
  currency text not null,
  status text not null check (status in ('active', 'paused', 'failing')),
  last_error text,
  last_import_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  unique (org_id, shop_id),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('tiktok_ads_accounts');
select afterdesk_brand_scoped_table('tiktok_ads_accounts');

-- Per campaign and day, what the integrated report (Run a synchronous report, BASIC,
-- AUCTION_CAMPAIGN, dimensions campaign_id + stat_time_day) gave: name, spend (minor units of the
-- advertiser account's currency), conversions, impressions, clicks.
create table ad_campaign_days (
  org_id text not null,
  shop_id text not null,
  campaign_id text not null,
  day date not null,
  campaign_name text,
  currency text not null,
  spend bigint not null,
  conversions integer not null,
  impressions bigint not null,
  clicks bigint not null,
  imported_at timestamptz not null,
  primary key (org_id, shop_id, campaign_id, day),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('ad_campaign_days');
select afterdesk_brand_scoped_table('ad_campaign_days');

-- Owner-set target per return step, in hours (step name → hours; a missing step has no target).
alter table analytics_settings add column step_target_hours jsonb not null default '{}'::jsonb;
