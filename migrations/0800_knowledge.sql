-- Catalogue (products and SKUs synced from the platform) and product knowledge per language.
-- Owner: src/modules/knowledge.

-- Which text-search configuration a knowledge language is stemmed with (zh-CN: no stemming).
create function afterdesk_knowledge_config(lang text) returns regconfig
  language sql immutable parallel safe as $$
  select case lang
    when 'en' then 'english'::regconfig
    when 'de' then 'german'::regconfig
    when 'fr' then 'french'::regconfig
    when 'it' then 'italian'::regconfig
    when 'es' then 'spanish'::regconfig
    else 'simple'::regconfig end
$$;

create table catalogue_products (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  platform text not null,
  external_id text not null,
  title text not null,
  description text not null,
  status text not null,
  category text,
  brand text,
  attributes jsonb not null,
  size_chart_url text,
  image_urls jsonb not null,
  warranty text,
  external_updated_at timestamptz,
  synced_at timestamptz not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  unique (org_id, shop_id, external_id),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('catalogue_products');
select afterdesk_brand_scoped_table('catalogue_products');
create index catalogue_products_title on catalogue_products (org_id, shop_id, title, id);

create table catalogue_skus (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  product_id text not null,
  external_id text not null,
  seller_sku text,
  name text,
  currency text,
  price_amount bigint,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  unique (org_id, shop_id, external_id),
  foreign key (org_id, product_id) references catalogue_products(org_id, id) on delete cascade
);
select afterdesk_tenant_table('catalogue_skus');
select afterdesk_brand_scoped_table('catalogue_skus');
create index catalogue_skus_product on catalogue_skus (org_id, product_id);

-- One text per product, field, key and language; `translated_from_version` is the source text's
-- version a translation was written from (null: this text is the source of its group).
create table knowledge_entries (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  product_id text not null,
  field text not null check (field in ('size_chart', 'materials', 'care', 'quirks', 'colour', 'voltage', 'assembly', 'warranty', 'faq')),
  entry_key text not null,
  language text not null check (language in ('en', 'de', 'fr', 'it', 'es', 'zh-CN')),
  title text not null,
  body text not null,
  version integer not null,
  translated_from_version integer,
  author_id text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  unique (org_id, product_id, field, entry_key, language),
  foreign key (org_id, product_id) references catalogue_products(org_id, id) on delete cascade
);
select afterdesk_tenant_table('knowledge_entries');
select afterdesk_brand_scoped_table('knowledge_entries');
create index knowledge_entries_search on knowledge_entries using gin (to_tsvector(afterdesk_knowledge_config(language), title || ' ' || body));

-- Every saved version of an entry (who wrote what, when).
create table knowledge_versions (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  entry_id text not null,
  version integer not null,
  title text not null,
  body text not null,
  author_id text not null,
  created_at timestamptz not null,
  primary key (org_id, id),
  unique (org_id, entry_id, version)
);
select afterdesk_tenant_table('knowledge_versions');
select afterdesk_brand_scoped_table('knowledge_versions');

-- A suggested answer an agent put into a reply.
create table knowledge_uses (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  entry_id text not null,
  ticket_id text not null,
  user_id text not null,
  rank integer not null,
  used_at timestamptz not null,
  primary key (org_id, id)
);
select afterdesk_tenant_table('knowledge_uses');
select afterdesk_brand_scoped_table('knowledge_uses');
create index knowledge_uses_entry on knowledge_uses (org_id, entry_id, used_at desc);
