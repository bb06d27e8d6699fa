-- Brand scoping inside an organisation. A transaction may carry `app.shop_ids` (a text[] literal
-- of the shops the acting user's brands own; '' or unset = the whole organisation). Shop-owned
-- tables get a RESTRICTIVE policy on top of tenant_isolation, so a brand-limited user cannot see
-- or write another brand's rows whatever the query says. Rows without a shop are organisation-wide
-- and visible only to unscoped work.

create or replace function afterdesk_shop_visible(s text) returns boolean language sql stable as $fn$
  select coalesce(current_setting('app.shop_ids', true), '') = ''
      or current_setting('app.system', true) = 'on'
      or s = any (current_setting('app.shop_ids', true)::text[])
$fn$;

grant execute on function afterdesk_shop_visible(text) to afterdesk_app;

-- Call after afterdesk_tenant_table(t) for a table whose rows belong to one shop (column `col`).
create or replace function afterdesk_brand_scoped_table(t regclass, col text default 'shop_id') returns void language plpgsql as $fn$
begin
  execute format('drop policy if exists brand_scope on %s', t);
  execute format($p$create policy brand_scope on %s as restrictive
    using (afterdesk_shop_visible(%I))
    with check (afterdesk_shop_visible(%I))$p$, t, col, col);
end
$fn$;
