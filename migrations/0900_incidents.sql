-- Incidents (issue 18): one product, batch, livestream or carrier went wrong; every buyer it
-- touched is reached once with one agreed text and one compensation.
create table incidents (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  title text not null,
  status text not null check (status in ('proposed', 'draft', 'pending_approval', 'approved', 'sending', 'paused', 'cancelled', 'sent', 'closed')),
  pattern jsonb not null,
  excluded_buyer_ids text[] not null default '{}',
  channels text[] not null default '{tiktok_chat}',
  messages jsonb not null default '{}',
  compensation jsonb not null default '{"kind":"none"}',
  currency text not null,
  total_cost bigint not null default 0,
  deadline_hours integer not null default 24 check (deadline_hours between 1 and 720),
  approval_reason text,
  proposal jsonb, -- what the spike test saw, with the tickets that triggered it
  declared_by text,
  approved_by text,
  approved_at timestamptz,
  frozen_at timestamptz,
  send_started_at timestamptz,
  replies_notified integer not null default 0,
  root_cause text,
  fix text,
  closed_at timestamptz,
  closed_by text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id)
);
select afterdesk_tenant_table('incidents');
select afterdesk_brand_scoped_table('incidents');
create index incidents_recent on incidents (org_id, created_at desc, id);

-- The audience: one row per buyer, frozen when the outreach is approved; later matches come in
-- with added_after_freeze and wait for a decision.
create table incident_buyers (
  org_id text not null references organisations(org_id),
  incident_id text not null,
  buyer_id text not null,
  shop_id text not null,
  order_ids text[] not null,
  language text not null,
  country text,
  complained boolean not null default false,
  channel text,
  unreachable_reason text,
  added_after_freeze boolean not null default false,
  status text not null check (status in ('targeted', 'pending_decision', 'skipped', 'queued', 'unreachable', 'cancelled')),
  outbox_id text,
  coupon_ledger_id text,
  send_at timestamptz,
  queued_at timestamptz,
  created_at timestamptz not null,
  primary key (org_id, incident_id, buyer_id)
);
select afterdesk_tenant_table('incident_buyers');
select afterdesk_brand_scoped_table('incident_buyers');
create index incident_buyers_buyer on incident_buyers (org_id, buyer_id);

-- One click on a reply ticket: the agreed text (and coupon) applied once per incident and ticket.
create table incident_applications (
  org_id text not null references organisations(org_id),
  incident_id text not null,
  ticket_id text not null,
  shop_id text not null,
  message_id text not null,
  coupon_ledger_id text,
  applied_by text not null,
  applied_at timestamptz not null,
  primary key (org_id, incident_id, ticket_id)
);
select afterdesk_tenant_table('incident_applications');
select afterdesk_brand_scoped_table('incident_applications');

-- Evidence about an incident (declared, approved, sent, closed) is filed under the incident.
alter table evidence_records drop constraint evidence_records_case_type_check;
alter table evidence_records add constraint evidence_records_case_type_check check (case_type in ('ticket', 'return', 'dispute', 'buyer', 'incident'));

-- Read path of an incident's audience by product (the orders module's table, the incidents query).
create index order_lines_product on order_lines (org_id, product_id);
