-- The brand-scope test of migration 0010 cast `app.shop_ids` to text[] even when it is '' (the whole
-- organisation): the planner evaluates that stable expression while estimating a query on any
-- brand-scoped table, and ''::text[] is an error ("malformed array literal"), so every query on such
-- a table failed for unscoped work. An empty setting now casts as the empty array; the meaning of the
-- test is unchanged ('' or system work sees every shop, otherwise only the listed ones).
create or replace function afterdesk_shop_visible(s text) returns boolean language sql stable as $fn$
  select coalesce(current_setting('app.shop_ids', true), '') = ''
      or current_setting('app.system', true) = 'on'
      or s = any (coalesce(nullif(current_setting('app.shop_ids', true), ''), '{}')::text[])
$fn$;
