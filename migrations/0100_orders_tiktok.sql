-- Orders domain (buyers, orders, order lines, platform after-sales requests) and the TikTok
-- integration's own state (encrypted shop connections, sync cursors, raw webhook events).

create table buyers (
  org_id text not null references organisations(org_id),
  id text not null,
  platform text not null default 'tiktok',
  platform_buyer_id text not null,
  display_name text,
  email text,
  language text,
  country text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  constraint buyers_platform_unique unique (org_id, platform, platform_buyer_id)
);
select afterdesk_tenant_table('buyers');

create table orders (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  buyer_id text not null,
  external_id text not null,
  status text not null,
  raw_status text not null,
  currency text not null,
  subtotal_amount bigint not null,
  shipping_amount bigint not null default 0,
  seller_discount_amount bigint not null default 0,
  platform_discount_amount bigint not null default 0,
  tax_amount bigint not null default 0,
  total_amount bigint not null,
  placed_at timestamptz not null,
  paid_at timestamptz,
  delivered_at timestamptz,
  tracking_number text,
  carrier text,
  delivery_status text not null,
  buyer_message text,
  -- The platform's update_time: a re-fetch older than what we hold never overwrites it.
  external_updated_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, shop_id) references shops(org_id, id),
  foreign key (org_id, buyer_id) references buyers(org_id, id),
  constraint orders_external_unique unique (org_id, shop_id, external_id)
);
create index orders_buyer on orders (org_id, buyer_id);
select afterdesk_tenant_table('orders');

create table order_lines (
  org_id text not null references organisations(org_id),
  id text not null,
  order_id text not null,
  external_id text not null,
  sku_id text not null,
  seller_sku text,
  product_id text not null,
  product_name text not null,
  sku_name text,
  category text,
  image_url text,
  currency text not null,
  unit_price_amount bigint not null,
  paid_amount bigint not null,
  raw_status text,
  traffic_source_type text not null check (traffic_source_type in ('ad_campaign', 'creator_video', 'livestream', 'organic')),
  traffic_source_id text,
  traffic_source_name text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, order_id) references orders(org_id, id) on delete cascade,
  constraint order_lines_external_unique unique (org_id, order_id, external_id)
);
create index order_lines_source on order_lines (org_id, traffic_source_type, traffic_source_id);
select afterdesk_tenant_table('order_lines');

create table platform_returns (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  order_id text,
  buyer_id text,
  kind text not null check (kind in ('return', 'cancellation')),
  external_id text not null,
  external_order_id text not null,
  type text not null,
  raw_type text not null,
  status text not null,
  raw_status text not null,
  reason_code text,
  reason_text text,
  lines jsonb not null default '[]'::jsonb,
  currency text,
  refund_amount bigint,
  photos jsonb not null default '[]'::jsonb,
  videos jsonb not null default '[]'::jsonb,
  seller_next_action text,
  seller_deadline timestamptz,
  arbitration_status text,
  requested_at timestamptz not null,
  external_updated_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  constraint platform_returns_external_unique unique (org_id, shop_id, kind, external_id)
);
create index platform_returns_order on platform_returns (org_id, order_id);
create index platform_returns_status on platform_returns (org_id, status, requested_at desc);
select afterdesk_tenant_table('platform_returns');

-- One row per authorised TikTok shop. Tokens are AES-256-GCM encrypted with the app's secret key.
create table tiktok_connections (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  tiktok_shop_id text not null,
  shop_cipher text not null,
  shop_name text,
  region text,
  seller_name text,
  open_id text,
  access_token_enc text not null,
  access_expires_at timestamptz not null,
  refresh_token_enc text not null,
  refresh_expires_at timestamptz not null,
  granted_scopes text[] not null default '{}',
  status text not null default 'active' check (status in ('active', 'revoked', 'needs_reauthorisation')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, shop_id) references shops(org_id, id),
  constraint tiktok_connections_shop_unique unique (org_id, shop_id)
);
create index tiktok_connections_tiktok_shop on tiktok_connections (tiktok_shop_id);
select afterdesk_tenant_table('tiktok_connections');

-- Incremental sync: per shop and kind, the highest platform update_time already applied.
create table tiktok_sync_cursors (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  kind text not null check (kind in ('orders', 'returns', 'cancellations', 'conversations')),
  watermark bigint not null default 0,
  last_run_at timestamptz,
  last_count integer not null default 0,
  primary key (org_id, id),
  constraint tiktok_sync_cursors_unique unique (org_id, shop_id, kind)
);
select afterdesk_tenant_table('tiktok_sync_cursors');

-- Raw webhook events, stored before the 200 is sent. dedupe_key is tts_notification_id (or a
-- fallback built from type + entity + status + update_time); the platform retries for ~15 h,
-- so rows are kept at least 72 h and an event is never rejected for its age.
create table tiktok_webhook_events (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  tiktok_shop_id text not null,
  dedupe_key text not null,
  tts_notification_id text,
  type integer not null,
  raw_body text not null,
  status text not null default 'pending' check (status in ('pending', 'done', 'failed', 'ignored')),
  attempts integer not null default 0,
  deliveries integer not null default 1,
  times_processed integer not null default 0,
  last_error text,
  next_attempt_at timestamptz not null default now(),
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  primary key (org_id, id),
  constraint tiktok_webhook_events_dedupe unique (org_id, dedupe_key)
);
create index tiktok_webhook_events_pending on tiktok_webhook_events (org_id, next_attempt_at) where status = 'pending';
create index tiktok_webhook_events_received on tiktok_webhook_events (received_at);
select afterdesk_tenant_table('tiktok_webhook_events');
