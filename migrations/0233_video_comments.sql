-- A shop's TikTok business account on the TikTok API for Business (a separate developer app and
-- OAuth from the Shop API): its comments under the account's own videos are read by a poll job.
-- The access token is sealed with the secret key.
create table tiktok_business_accounts (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  business_id text not null,
  display_name text not null,
  access_token text not null,
  status text not null default 'active' check (status in ('active', 'paused', 'failing')),
  last_error text,
  last_poll_at timestamptz,
  comments_seen integer not null default 0,
  tickets_opened integer not null default 0,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  unique (org_id, shop_id),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
-- A business account belongs to one shop of the installation.
create unique index tiktok_business_accounts_business on tiktok_business_accounts (business_id);
select afterdesk_tenant_table('tiktok_business_accounts');
select afterdesk_brand_scoped_table('tiktok_business_accounts');

-- Every comment the poll has looked at, and what became of it: a ticket, left out of the inbox
-- (praise, noise), or the account's own reply. Ids only: the words live on the ticket message.
create table video_comments (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  account_id text not null,
  video_id text not null,
  comment_id text not null,
  parent_comment_id text,
  decision text not null check (decision in ('ticket', 'ignored', 'own')),
  category text,
  language text,
  replies_seen integer not null default 0,
  hidden boolean not null default false,
  visibility_version integer not null default 0,
  seen_at timestamptz not null,
  primary key (org_id, id),
  unique (org_id, account_id, comment_id),
  foreign key (org_id, account_id) references tiktok_business_accounts(org_id, id) on delete cascade,
  foreign key (org_id, shop_id) references shops(org_id, id)
);
create index video_comments_video on video_comments (org_id, account_id, video_id);
select afterdesk_tenant_table('video_comments');
select afterdesk_brand_scoped_table('video_comments');
