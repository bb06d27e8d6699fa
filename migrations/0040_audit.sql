-- Audit log: who changed what, when, with the state before and after. Append-only: the app role
-- may insert and read, never change or delete a row.
create table audit_events (
  org_id text not null references organisations(org_id),
  id text not null,
  at timestamptz not null,
  actor_type text not null check (actor_type in ('user', 'token', 'system', 'anonymous')),
  actor_id text,
  actor_label text,
  action text not null,
  subject_type text,
  subject_id text,
  before jsonb,
  after jsonb,
  context jsonb not null default '{}'::jsonb,
  primary key (org_id, id)
);
create index audit_events_at on audit_events (org_id, at desc, id desc);
create index audit_events_action on audit_events (org_id, action, at desc);
create index audit_events_actor on audit_events (org_id, actor_id, at desc);
select afterdesk_append_only_table('audit_events');
