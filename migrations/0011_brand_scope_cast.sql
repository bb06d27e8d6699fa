-- 0010's visibility test cast app.shop_ids to text[] even when it was '' (the whole organisation):
-- Postgres does not promise to stop at the first true OR branch, and ''::text[] is an error. The
-- cast now always sees a valid literal ('{}' when unset), so the test is safe in any order.
create or replace function afterdesk_shop_visible(s text) returns boolean language sql stable as $fn$
  select coalesce(current_setting('app.shop_ids', true), '') = ''
      or current_setting('app.system', true) = 'on'
      or s = any (coalesce(nullif(current_setting('app.shop_ids', true), ''), '{}')::text[])
$fn$;
