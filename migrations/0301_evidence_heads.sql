-- The chain head of each organisation, kept apart from max(seq) of its records: a deleted tail
-- leaves the head where it was, so the next append continues after the deleted numbers (a gap
-- verify reports) and verify can name the records missing at the end. The app role may move the
-- head forward only; `exported_seq` is the newest checkpoint also written outside the database
-- (a file in DATA_DIR, the S3 bucket), so a vanished external copy is noticed too.
create table evidence_heads (
  org_id text primary key references organisations(org_id),
  seq bigint not null check (seq >= 0),
  hash text not null,
  exported_seq bigint not null default 0,
  updated_at timestamptz not null default now()
);
select afterdesk_tenant_table('evidence_heads');
revoke delete on evidence_heads from afterdesk_app;

create or replace function afterdesk_evidence_head_forward() returns trigger language plpgsql as $fn$
begin
  if new.org_id <> old.org_id or new.seq < old.seq or (new.seq = old.seq and new.hash <> old.hash) or new.exported_seq < old.exported_seq then
    raise exception 'the evidence head of % only moves forward (seq % -> %)', old.org_id, old.seq, new.seq using errcode = '23514';
  end if;
  return new;
end
$fn$;
create trigger evidence_heads_forward before update on evidence_heads for each row execute function afterdesk_evidence_head_forward();

insert into evidence_heads (org_id, seq, hash)
select distinct on (org_id) org_id, seq, hash from evidence_records order by org_id, seq desc;
