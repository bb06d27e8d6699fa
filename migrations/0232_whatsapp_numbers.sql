-- A shop's WhatsApp Business number on the Cloud API. The access token, the app secret (it signs
-- webhooks) and the verify token (the subscription handshake) are sealed with the secret key.
-- Webhooks arrive at /webhooks/whatsapp/<id>: the id in the path names the number, its app secret
-- checks the signature.
create table whatsapp_numbers (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  phone_number_id text not null,
  display_number text not null,
  business_account_id text,
  access_token text not null,
  app_secret text not null,
  verify_token text not null,
  status text not null default 'active' check (status in ('active', 'paused')),
  last_webhook_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  unique (org_id, shop_id),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
-- A business number belongs to one shop of the installation.
create unique index whatsapp_numbers_phone on whatsapp_numbers (phone_number_id);
create unique index whatsapp_numbers_id on whatsapp_numbers (id);
select afterdesk_tenant_table('whatsapp_numbers');
select afterdesk_brand_scoped_table('whatsapp_numbers');
