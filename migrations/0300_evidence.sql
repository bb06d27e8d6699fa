-- Evidence vault: content-addressed files, an append-only per-organisation hash chain of
-- evidence records, and signed checkpoints over the chain head.

-- Which organisation holds which file. The bytes live in the file store under their sha256;
-- this row is what lets an organisation read them (two organisations uploading the same photo
-- share the bytes but each has its own row).
create table evidence_files (
  org_id text not null references organisations(org_id),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content_type text not null,
  size bigint not null check (size >= 0),
  file_name text not null,
  kind text not null check (kind in ('image', 'video', 'pdf', 'text', 'thumbnail')),
  thumbnail_sha256 text,
  created_at timestamptz not null default now(),
  primary key (org_id, sha256)
);
select afterdesk_append_only_table('evidence_files');

create table evidence_records (
  org_id text not null references organisations(org_id),
  id text not null,
  seq bigint not null check (seq >= 1),
  prev_hash text not null,
  hash text not null,
  case_id text not null,
  case_type text not null check (case_type in ('ticket', 'return', 'dispute')),
  kind text not null,
  actor jsonb not null,
  occurred_at timestamptz not null,
  recorded_at timestamptz not null,
  summary text not null,
  data jsonb not null,
  file_sha256s text[] not null default '{}',
  responsibility text check (responsibility in ('seller', 'carrier', 'buyer', 'platform')),
  primary key (org_id, id),
  constraint evidence_records_seq_unique unique (org_id, seq)
);
create index evidence_records_case on evidence_records (org_id, case_id, occurred_at);
select afterdesk_append_only_table('evidence_records');

create table evidence_checkpoints (
  org_id text not null references organisations(org_id),
  seq bigint not null,
  hash text not null,
  signed_at timestamptz not null,
  public_key text not null,
  signature text not null,
  primary key (org_id, seq)
);
select afterdesk_append_only_table('evidence_checkpoints');
