-- Settings versions (issue 20): every message and reply read the same slow-changing settings of
-- their organisation — the shop, who can take tickets, which webhooks listen, the automation rules.
-- A process keeps what it read (platform/settings-cache.ts) and trusts it only while the
-- organisation's version is the one it read it under. The hot transactions read the version in the
-- round trip that opens them.
--
-- Each change to one of these tables gives its organisation a new version from a sequence: a number
-- never handed out twice (a rolled-back change burns its number), so equal versions mean equal
-- settings. The version row is locked from the change to its commit, so two changes of one
-- organisation's settings commit one after the other and the last commit's number stays.
-- Late: it puts triggers on tables of several modules.
create sequence settings_version_seq;

create table settings_versions (
  org_id text primary key references organisations(org_id),
  version bigint not null
);
select afterdesk_tenant_table('settings_versions');
revoke delete on settings_versions from afterdesk_app;
grant usage on sequence settings_version_seq to afterdesk_app;

create or replace function afterdesk_settings_changed() returns trigger language plpgsql as $fn$
declare
  org text;
begin
  if tg_op = 'DELETE' then org := old.org_id; else org := new.org_id; end if;
  insert into settings_versions (org_id, version) values (org, nextval('settings_version_seq'))
    on conflict (org_id) do update set version = excluded.version;
  return null;
end
$fn$;

-- Shops, people and automations: any change. Webhook endpoints: only what decides who listens
-- (each delivery rewrites the failure counter, which must not move the version).
create trigger shops_settings_changed after insert or update or delete on shops
  for each row execute function afterdesk_settings_changed();
create trigger users_settings_changed after insert or update or delete on users
  for each row execute function afterdesk_settings_changed();
create trigger automation_rules_settings_changed after insert or update or delete on automation_rules
  for each row execute function afterdesk_settings_changed();
create trigger automation_settings_settings_changed after insert or update or delete on automation_settings
  for each row execute function afterdesk_settings_changed();
create trigger webhook_endpoints_settings_added after insert or delete on webhook_endpoints
  for each row execute function afterdesk_settings_changed();
create trigger webhook_endpoints_settings_changed after update on webhook_endpoints
  for each row when (old.active is distinct from new.active or old.events is distinct from new.events)
  execute function afterdesk_settings_changed();
