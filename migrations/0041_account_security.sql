-- Account security beside the users table (kept apart so the users table stays as it is):
-- two-factor secrets (encrypted with the app's secret key), hashed recovery codes, a forced
-- password change, password-reset tokens and the organisation's two-factor requirement.
create table user_security (
  org_id text not null references organisations(org_id),
  user_id text not null,
  totp_secret_enc text,
  totp_enabled_at timestamptz,
  totp_pending_enc text,
  recovery_code_hashes text[] not null default '{}',
  totp_last_step bigint,
  must_change_password boolean not null default false,
  password_changed_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (org_id, user_id),
  foreign key (org_id, user_id) references users(org_id, id) on delete cascade
);
select afterdesk_tenant_table('user_security');

create table password_resets (
  org_id text not null references organisations(org_id),
  id text not null,
  user_id text not null,
  token_hash text not null,
  created_by text,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  primary key (org_id, id),
  foreign key (org_id, user_id) references users(org_id, id) on delete cascade
);
create unique index password_resets_token_unique on password_resets (token_hash);
select afterdesk_tenant_table('password_resets');

create table org_security (
  org_id text not null references organisations(org_id),
  require_two_factor boolean not null default false,
  updated_at timestamptz not null default now(),
  primary key (org_id)
);
select afterdesk_tenant_table('org_security');
