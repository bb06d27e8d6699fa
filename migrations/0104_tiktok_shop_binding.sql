-- A TikTok shop belongs to at most one organisation of the installation, and only an OAuth
-- authorisation of that shop binds it. Until now any shop create/update could name any TikTok
-- shop id (unique per organisation only) and webhook routing took the first match, so an
-- organisation could capture another's events. Existing data is brought to the new rule first.

-- 1. A connection whose TikTok shop is not the one its shop names holds tokens for a shop it is
--    not bound to.
delete from tiktok_connections c
using shops s
where c.org_id = s.org_id and c.shop_id = s.id and s.tiktok_shop_id is distinct from c.tiktok_shop_id;

-- 2. A TikTok shop id that no authorisation backs was typed in, not granted: clear it.
update shops s set tiktok_shop_id = null
where s.tiktok_shop_id is not null
  and not exists (select 1 from tiktok_connections c where c.org_id = s.org_id and c.shop_id = s.id);

-- 3. A seller who authorised several organisations keeps one: the active connection, else the oldest.
with ranked as (
  select org_id, shop_id, row_number() over (partition by tiktok_shop_id order by (status = 'active') desc, created_at, org_id) as rn
  from tiktok_connections
), gone as (
  delete from tiktok_connections c using ranked r
  where c.org_id = r.org_id and c.shop_id = r.shop_id and r.rn > 1
  returning c.org_id, c.shop_id
)
update shops s set tiktok_shop_id = null from gone g where s.org_id = g.org_id and s.id = g.shop_id;

alter table shops drop constraint shops_tiktok_unique;
alter table shops add constraint shops_tiktok_shop_unique unique (tiktok_shop_id);
drop index tiktok_connections_tiktok_shop;
alter table tiktok_connections add constraint tiktok_connections_tiktok_shop_unique unique (tiktok_shop_id);

-- Webhook events for a TikTok shop bound to no organisation: acknowledged (the platform would
-- otherwise re-send them for ~15 h), never routed to anyone, counted per TikTok shop for the
-- installation's operator (`afterdesk tiktok unbound`). It belongs to no tenant, so it has no
-- org_id and no row-level policy; it holds TikTok ids and counts only, never an event body.
create table tiktok_unbound_shops (
  tiktok_shop_id text primary key,
  events bigint not null,
  last_type integer not null,
  last_notification_id text,
  first_seen_at timestamptz not null,
  last_seen_at timestamptz not null
);
grant select, insert, update, delete on tiktok_unbound_shops to afterdesk_app;
