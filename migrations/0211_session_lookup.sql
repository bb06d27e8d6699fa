-- Every signed-in request looks its session up by token hash before it knows the organisation. As a
-- system transaction that took four round trips (begin, set_config, select, commit) on every API
-- call; this function does the same cross-organisation read in one statement, as the table owner,
-- and returns nothing but the session's own row joined to its user. The token hash is the only
-- key: a caller learns nothing it could not learn by presenting the token itself.
create or replace function afterdesk_session_user(p_token_hash text)
returns table (org_id text, session_id text, user_id text, expires_at timestamptz, last_seen_at timestamptz, user_row jsonb)
language sql stable security definer set search_path = pg_catalog, public as $fn$
  select s.org_id, s.id, s.user_id, s.expires_at, s.last_seen_at, to_jsonb(u)
  from sessions s
  join users u on u.org_id = s.org_id and u.id = s.user_id
  where s.token_hash = p_token_hash
$fn$;

revoke all on function afterdesk_session_user(text) from public;
grant execute on function afterdesk_session_user(text) to afterdesk_app;
