-- Memberships: one login (a person: e-mail, name, password) can belong to several organisations.
-- `users` stays the per-organisation row (the membership: role, languages, skills, remedy limits,
-- brand limit) and keeps its `usr_` id, so every module that stores a user id (assignees,
-- approvers, authors) is unchanged. The person's identity moves to the installation-wide
-- `logins` table. A session belongs to a login and runs in one current organisation at a time
-- (its org_id / user_id, as before); switching moves it to another membership of the same login.

create table logins (
  id text primary key,
  email text not null,
  name text not null,
  password_hash text not null,
  -- The organisation the login worked in last: where the next sign-in lands.
  last_org_id text references organisations(org_id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index logins_email_unique on logins (lower(email));
-- Installation-wide, so no tenant policy can cover it: only explicit system work (sign-in,
-- session lookup, invitations, switching) reads or writes it.
alter table logins enable row level security;
create policy logins_system on logins
  using (current_setting('app.system', true) = 'on')
  with check (current_setting('app.system', true) = 'on');
grant select, insert, update, delete on logins to afterdesk_app;

-- Existing users become one login each (same suffix as their usr_ id, so it is easy to follow).
insert into logins (id, email, name, password_hash, last_org_id, created_at, updated_at)
select 'lgn_' || substr(id, 5), lower(email), name, password_hash, org_id, created_at, updated_at from users;

alter table users add column login_id text references logins(id);
update users set login_id = 'lgn_' || substr(id, 5);
alter table users alter column login_id set not null;
-- null: the whole organisation; else only these brands' shops (migration 0010's brand scope).
alter table users add column brand_ids text[];
alter table users drop column password_hash;
drop index users_email_unique;
create unique index users_login_in_org on users (org_id, login_id);
create unique index users_email_in_org on users (org_id, lower(email));
create index users_login on users (login_id);

alter table sessions add column login_id text references logins(id) on delete cascade;
update sessions s set login_id = u.login_id from users u where u.org_id = s.org_id and u.id = s.user_id;
alter table sessions alter column login_id set not null;
create index sessions_login on sessions (login_id);

-- Invitations into an organisation (optionally limited to brands). The link's token is shown
-- once; only its SHA-256 is stored. Single use: accepted_at is set when it is used.
create table invitations (
  org_id text not null references organisations(org_id),
  id text not null,
  email text not null,
  role text not null check (role in ('owner', 'supervisor', 'agent', 'warehouse')),
  brand_ids text[],
  token_hash text not null,
  invited_by text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_user_id text,
  revoked_at timestamptz,
  primary key (org_id, id)
);
create unique index invitations_token on invitations (token_hash);
create index invitations_pending on invitations (org_id, created_at) where accepted_at is null and revoked_at is null;
select afterdesk_tenant_table('invitations');

-- 0010's visibility test, made safe to plan: the planner may evaluate the array expression while
-- estimating (even when the first branch already decides), and '' is not an array literal.
create or replace function afterdesk_shop_visible(s text) returns boolean language sql stable as $fn$
  select coalesce(current_setting('app.shop_ids', true), '') = ''
      or current_setting('app.system', true) = 'on'
      or s = any (coalesce(nullif(current_setting('app.shop_ids', true), ''), '{}')::text[])
$fn$;
