-- A shop's own mailbox: IMAP in, SMTP out. Passwords are sealed with the installation's secret key
-- (AES-256-GCM, like TikTok tokens). The sync resumes from last_uid within uid_validity.
create table mailboxes (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  address text not null,
  imap_host text not null,
  imap_port integer not null check (imap_port between 1 and 65535),
  imap_tls text not null check (imap_tls in ('implicit', 'starttls', 'none')),
  imap_user text not null,
  imap_password text not null,
  folder text not null default 'INBOX',
  smtp_host text not null,
  smtp_port integer not null check (smtp_port between 1 and 65535),
  smtp_tls text not null check (smtp_tls in ('implicit', 'starttls', 'none')),
  smtp_user text not null,
  smtp_password text not null,
  status text not null default 'active' check (status in ('active', 'failing', 'paused')),
  last_error text,
  last_error_step text,
  uid_validity bigint,
  last_uid bigint not null default 0,
  last_sync_at timestamptz,
  messages_ingested bigint not null default 0,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  unique (org_id, shop_id),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('mailboxes');
select afterdesk_brand_scoped_table('mailboxes');
