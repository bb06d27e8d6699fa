-- Buyer side (issue 17): after-sales card batches, one card (or hold-out) per order, QR scans,
-- and the buyer's self-service sessions. Range 0700–0719: portal.

-- Tickets may now arrive from the buyer's self-service page.
alter table tickets drop constraint tickets_channel_check;
alter table tickets add constraint tickets_channel_check check (channel in ('tiktok_chat', 'tiktok_return_request', 'email', 'whatsapp', 'livestream', 'video_comment', 'self_service'));

create table portal_batches (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  size text not null check (size in ('a6', 'label')),
  language text not null check (language in ('en', 'de', 'fr', 'it', 'es')),
  holdout_percent integer not null check (holdout_percent between 0 and 50),
  order_count integer not null,
  card_count integer not null,
  created_by text not null,
  created_at timestamptz not null,
  primary key (org_id, id)
);
select afterdesk_tenant_table('portal_batches');
select afterdesk_brand_scoped_table('portal_batches');

-- One row per order of a batch: either a card (token and lookup code stored as hashes only) or
-- a recorded hold-out (no card, so its complaints measure the effect of cards).
create table portal_cards (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  batch_id text not null,
  order_id text not null,
  holdout boolean not null,
  token_hash text unique,
  lookup_hash text unique,
  language text not null,
  expires_at timestamptz,
  revoked_at timestamptz,
  -- The self-service ticket of this card's order, once the buyer wrote.
  ticket_id text,
  created_at timestamptz not null,
  primary key (org_id, id),
  foreign key (org_id, batch_id) references portal_batches(org_id, id)
);
create index portal_cards_order on portal_cards (org_id, order_id);
select afterdesk_tenant_table('portal_cards');
select afterdesk_brand_scoped_table('portal_cards');

create table portal_scans (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  batch_id text not null,
  card_id text not null,
  scanned_at timestamptz not null,
  primary key (org_id, id)
);
create index portal_scans_batch on portal_scans (org_id, batch_id);
select afterdesk_tenant_table('portal_scans');
select afterdesk_brand_scoped_table('portal_scans');

-- A buyer's page session (cookie scoped to /p), bound to one order; stored as a hash.
create table portal_sessions (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  order_id text not null,
  card_id text not null,
  session_hash text not null unique,
  language text not null,
  expires_at timestamptz not null,
  created_at timestamptz not null,
  primary key (org_id, id)
);
select afterdesk_tenant_table('portal_sessions');
select afterdesk_brand_scoped_table('portal_sessions');
