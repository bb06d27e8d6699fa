-- Full-text search under row-level security: `@@` is not leakproof, so Postgres may not use a GIN
-- index below the tenant policy and falls back to scanning the organisation's rows. These
-- functions run as the table owner (so the index is usable) and apply the same tenant rule
-- themselves, from the same per-transaction setting the policy reads; callers cannot widen it.
create or replace function afterdesk_search_messages(q tsquery, max_rows integer)
returns table (ticket_id text, message_id text, rank real)
language sql stable security definer set search_path = pg_catalog, public as $fn$
  select m.ticket_id, m.id, ts_rank(m.search, q)
  from ticket_messages m
  where m.org_id = current_setting('app.org_id', true) and m.search @@ q
  limit max_rows
$fn$;

create or replace function afterdesk_search_tickets(q tsquery, max_rows integer)
returns table (ticket_id text, rank real)
language sql stable security definer set search_path = pg_catalog, public as $fn$
  select t.id, ts_rank(t.search, q)
  from tickets t
  where t.org_id = current_setting('app.org_id', true) and t.search @@ q
  limit max_rows
$fn$;

revoke all on function afterdesk_search_messages(tsquery, integer) from public;
revoke all on function afterdesk_search_tickets(tsquery, integer) from public;
grant execute on function afterdesk_search_messages(tsquery, integer) to afterdesk_app;
grant execute on function afterdesk_search_tickets(tsquery, integer) to afterdesk_app;
