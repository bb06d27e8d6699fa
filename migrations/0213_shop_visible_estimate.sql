-- The brand-scope policy's test (migration 0010) is inlined into every query on a shop-owned table.
-- Written as an OR of comparisons against current_setting(), the planner priced it at about 1 % of
-- the rows (0.5 % per "expression = constant" it cannot look up), so a list sorted by an index and
-- cut by LIMIT looked cheaper as a full scan and a sort: the inbox's queue page read all 20 k tickets
-- of the organisation (≈ 40 ms of Postgres per page instead of < 2). The same test as a CASE is
-- estimated at one half, and its answer is unchanged for every setting: unscoped or system work sees
-- every shop, a scope sees only its own (a NULL shop id matches no scope, as before).
create or replace function afterdesk_shop_visible(s text) returns boolean language sql stable as $fn$
  select case
    when coalesce(current_setting('app.shop_ids', true), '') = '' or current_setting('app.system', true) = 'on' then true
    else s = any (current_setting('app.shop_ids', true)::text[])
  end
$fn$;
