-- Translation provider (src/modules/translation): the seller's own key for a DeepL-compatible API,
-- each person's "always show translated", and translations kept beside the original message.

create table translation_settings (
  org_id text not null references organisations(org_id),
  base_url text not null,
  -- AES-GCM with the installation's secret key; never returned by the API.
  api_key_enc text,
  updated_at timestamptz not null,
  primary key (org_id)
);
select afterdesk_tenant_table('translation_settings');

create table translation_user_prefs (
  org_id text not null references organisations(org_id),
  user_id text not null,
  always_translate boolean not null,
  updated_at timestamptz not null,
  primary key (org_id, user_id),
  foreign key (org_id, user_id) references users(org_id, id)
);
select afterdesk_tenant_table('translation_user_prefs');

create table message_translations (
  org_id text not null references organisations(org_id),
  message_id text not null,
  target_lang text not null,
  ticket_id text not null,
  shop_id text not null,
  source_lang text,
  text text not null,
  provider text not null,
  created_at timestamptz not null,
  primary key (org_id, message_id, target_lang),
  foreign key (org_id, message_id) references ticket_messages(org_id, id) on delete cascade
);
create index message_translations_ticket on message_translations (org_id, ticket_id, target_lang);
select afterdesk_tenant_table('message_translations');
select afterdesk_brand_scoped_table('message_translations');
