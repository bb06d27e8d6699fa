-- Every signed-in request needs, before its route runs, its session and user (migration 0211's
-- afterdesk_session_user) and then whether the session may only change its password or enrol a
-- second factor: the person's user_security row and the organisation's org_security row, which
-- took a tenant transaction of their own (begin, set_config, two selects, commit). This function
-- answers all of it in one statement: the same session row joined to its user, plus the three
-- facts the restriction rule needs (restrictionFor in auth.account.rules.ts decides; a missing
-- security row means "not required / not enrolled / no forced change", as before). Like 0211 it
-- runs as the table owner, keyed by the token hash alone, and returns nothing but that session's
-- own rows.
create or replace function afterdesk_session_auth(p_token_hash text)
returns table (
  org_id text, session_id text, user_id text, expires_at timestamptz, last_seen_at timestamptz, user_row jsonb,
  require_two_factor boolean, two_factor_enabled boolean, must_change_password boolean
)
language sql stable security definer set search_path = pg_catalog, public as $fn$
  select s.org_id, s.id, s.user_id, s.expires_at, s.last_seen_at, to_jsonb(u),
         coalesce(o.require_two_factor, false),
         us.totp_enabled_at is not null,
         coalesce(us.must_change_password, false)
  from sessions s
  join users u on u.org_id = s.org_id and u.id = s.user_id
  left join user_security us on us.org_id = s.org_id and us.user_id = s.user_id
  left join org_security o on o.org_id = s.org_id
  where s.token_hash = p_token_hash
$fn$;

revoke all on function afterdesk_session_auth(text) from public;
grant execute on function afterdesk_session_auth(text) to afterdesk_app;

-- Its only caller now uses the function above.
drop function if exists afterdesk_session_user(text);
