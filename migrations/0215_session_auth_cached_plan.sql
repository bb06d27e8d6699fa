-- The session lookup (0214) runs on every signed-in request. As a SQL function it is planned on every
-- call: Postgres does not keep plans for SQL function bodies across calls, and the pool forces custom
-- plans anyway (plan_cache_mode = force_custom_plan, see createPool). Measured on the write-path bench
-- world (10,800 sessions, 50 random ones, 2,000 calls, three rounds): 0.44–0.55 ms per call against
-- 0.21–0.27 ms for the same query in PL/pgSQL with a cached plan. Its statement is a lookup by a
-- unique key and primary-key joins, whose plan does not depend on the table's size, so this one
-- function lets Postgres choose a generic plan (plan_cache_mode = auto: five custom plans, then the
-- generic one unless it costs more). Same result, same owner rights, same grants.
create or replace function afterdesk_session_auth(p_token_hash text)
returns table (
  org_id text, session_id text, user_id text, expires_at timestamptz, last_seen_at timestamptz, user_row jsonb,
  require_two_factor boolean, two_factor_enabled boolean, must_change_password boolean
)
language plpgsql stable security definer
set search_path = pg_catalog, public
set plan_cache_mode = auto
as $fn$
#variable_conflict use_column
begin
  return query
  select s.org_id, s.id, s.user_id, s.expires_at, s.last_seen_at, to_jsonb(u),
         coalesce(o.require_two_factor, false),
         us.totp_enabled_at is not null,
         coalesce(us.must_change_password, false)
  from sessions s
  join users u on u.org_id = s.org_id and u.id = s.user_id
  left join user_security us on us.org_id = s.org_id and us.user_id = s.user_id
  left join org_security o on o.org_id = s.org_id
  where s.token_hash = p_token_hash;
end
$fn$;
