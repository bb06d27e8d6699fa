-- afterdesk_shop_visible (0010) relied on OR evaluating left to right; Postgres does not promise
-- that, and once the function is inlined into a join it cast '' to text[] ("malformed array
-- literal") for unscoped work. CASE evaluates its branches in order.
create or replace function afterdesk_shop_visible(s text) returns boolean language sql stable as $fn$
  select case
    when coalesce(current_setting('app.shop_ids', true), '') = '' or current_setting('app.system', true) = 'on' then true
    else s = any (current_setting('app.shop_ids', true)::text[])
  end
$fn$;
