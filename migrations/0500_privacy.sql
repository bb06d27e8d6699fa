-- Buyers' rights (GDPR): retention settings per organisation, a log of erasures, and the two
-- narrow doors through which an erasure may touch the append-only evidence vault.
-- (Range 0500–0599: privacy. It runs after every module whose tables it touches.)

create table privacy_settings (
  org_id text primary key references organisations(org_id),
  -- null: keep until the buyer asks (or the organisation is deleted)
  closed_ticket_content_days integer check (closed_ticket_content_days between 1 and 36500),
  webhook_body_days integer check (webhook_body_days between 1 and 36500),
  order_personal_days integer check (order_personal_days between 1 and 36500),
  updated_at timestamptz not null default now(),
  updated_by text
);
select afterdesk_tenant_table('privacy_settings');

-- One row per erasure request. The report names ids, counts and what was held back and why —
-- never the erased content itself.
create table privacy_erasures (
  org_id text not null references organisations(org_id),
  id text not null,
  buyer_id text not null,
  requested_by text not null,
  requested_at timestamptz not null,
  report jsonb not null,
  primary key (org_id, id)
);
create index privacy_erasures_buyer on privacy_erasures (org_id, buyer_id);
select afterdesk_tenant_table('privacy_erasures');

-- Replace a record's personal content with a signed tombstone. The record's hash, links, case,
-- kind, times and file list stay untouched (the chain, the head and every signed checkpoint pin
-- the hash). Only the caller's organisation, only once per record.
create or replace function afterdesk_evidence_tombstone(p_org text, p_id text, p_actor jsonb, p_summary text, p_data jsonb)
returns boolean language plpgsql security definer set search_path = public as $fn$
declare n integer;
begin
  if p_org is distinct from current_setting('app.org_id', true) then
    raise exception 'evidence tombstone outside the caller''s organisation' using errcode = '42501';
  end if;
  if not (p_data ? 'tombstone') then
    raise exception 'a tombstone must carry data.tombstone' using errcode = '23514';
  end if;
  update evidence_records set actor = p_actor, summary = p_summary, data = p_data
   where org_id = p_org and id = p_id and not (data ? 'tombstone');
  get diagnostics n = row_count;
  return n = 1;
end
$fn$;

-- Forget that an organisation holds a file (the bytes are removed by the app afterwards when no
-- organisation holds them any more).
create or replace function afterdesk_evidence_forget_file(p_org text, p_sha256 text)
returns boolean language plpgsql security definer set search_path = public as $fn$
declare n integer;
begin
  if p_org is distinct from current_setting('app.org_id', true) then
    raise exception 'evidence file outside the caller''s organisation' using errcode = '42501';
  end if;
  delete from evidence_files where org_id = p_org and sha256 = p_sha256;
  get diagnostics n = row_count;
  return n = 1;
end
$fn$;

-- Whether any organisation still holds a file: content-addressed bytes are shared between
-- organisations that stored the same photo, and only the last holder's erasure removes them.
create or replace function afterdesk_evidence_file_held(p_sha256 text)
returns boolean language plpgsql security definer stable set search_path = public as $fn$
begin
  return exists (select 1 from evidence_files where sha256 = p_sha256 or thumbnail_sha256 = p_sha256);
end
$fn$;

revoke all on function afterdesk_evidence_tombstone(text, text, jsonb, text, jsonb) from public;
revoke all on function afterdesk_evidence_forget_file(text, text) from public;
revoke all on function afterdesk_evidence_file_held(text) from public;
grant execute on function afterdesk_evidence_tombstone(text, text, jsonb, text, jsonb) to afterdesk_app;
grant execute on function afterdesk_evidence_forget_file(text, text) to afterdesk_app;
grant execute on function afterdesk_evidence_file_held(text) to afterdesk_app;
