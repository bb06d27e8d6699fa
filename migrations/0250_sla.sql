-- SLA engine: policies, per-ticket clocks with exact timers, and an append-only audit of every
-- clock change. Business-time maths lives in code (src/modules/sla/sla.rules.ts).

create table sla_policies (
  org_id text not null references organisations(org_id),
  id text not null,
  name text not null,
  -- Null means "any": an org-wide default has no shop, channel, priority or order value.
  shop_id text,
  channel text,
  priority text check (priority in ('low', 'normal', 'high', 'urgent')),
  -- Orders worth at least this much (minor units). Null currency reads the amount in the order's own currency.
  min_order_amount bigint check (min_order_amount >= 0),
  min_order_currency text check (min_order_currency ~ '^[A-Z]{3}$'),
  first_reply_minutes integer check (first_reply_minutes > 0),
  next_reply_minutes integer check (next_reply_minutes > 0),
  resolution_minutes integer check (resolution_minutes > 0),
  mode text not null default 'business' check (mode in ('business', 'calendar')),
  warning_percents integer[] not null default '{50,80}',
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, shop_id) references shops(org_id, id),
  constraint sla_policies_name_unique unique (org_id, name),
  constraint sla_policies_currency_needs_amount check (min_order_currency is null or min_order_amount is not null)
);
select afterdesk_tenant_table('sla_policies');

-- What the SLA engine knows about a ticket, so later events (a priority change, a buyer's next
-- message) re-select policies without asking the helpdesk.
create table sla_tickets (
  org_id text not null references organisations(org_id),
  ticket_id text not null,
  shop_id text not null,
  channel text not null,
  priority text not null,
  order_amount bigint,
  order_currency text,
  status text not null default 'new',
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, ticket_id)
);
select afterdesk_tenant_table('sla_tickets');

create table sla_clocks (
  org_id text not null references organisations(org_id),
  id text not null,
  ticket_id text not null,
  shop_id text not null,
  metric text not null check (metric in ('first_reply', 'next_reply', 'resolution')),
  policy_id text not null,
  target_minutes integer not null check (target_minutes > 0),
  mode text not null check (mode in ('business', 'calendar')),
  warning_percents integer[] not null,
  -- Thresholds already announced for this clock; each fires once.
  warnings_fired integer[] not null default '{}',
  started_at timestamptz not null,
  due_at timestamptz not null,
  paused_at timestamptz,
  -- Business time spent paused (milliseconds); the due moves out by exactly this much business time.
  paused_business_ms bigint not null default 0,
  stopped_at timestamptz,
  breached_at timestamptz,
  -- Why the clock stopped: 'reply' (agent answered), 'solved', 'closed'.
  stop_reason text,
  escalated_at timestamptz,
  escalation_claimed_at timestamptz,
  state text not null check (state in ('running', 'paused', 'stopped', 'breached')),
  -- The next warning or breach instant still to announce; null when nothing is pending.
  next_timer_at timestamptz,
  -- Bumped on every change; a timer carries the generation it was scheduled for and is ignored when stale.
  generation integer not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  foreign key (org_id, ticket_id) references sla_tickets(org_id, ticket_id)
);
select afterdesk_tenant_table('sla_clocks');
-- One open clock per metric and ticket (a breached clock stays open until answered); stopped clocks stay for reporting.
create unique index sla_clocks_one_open on sla_clocks (org_id, ticket_id, metric) where stopped_at is null;
create index sla_clocks_ticket on sla_clocks (org_id, ticket_id, started_at);
-- The catch-up sweep after downtime reads this across organisations.
create index sla_clocks_next_timer on sla_clocks (next_timer_at) where state = 'running';
create index sla_clocks_unescalated on sla_clocks (breached_at) where breached_at is not null and escalated_at is null;
create index sla_clocks_report on sla_clocks (org_id, started_at, shop_id, metric);

create table sla_clock_events (
  org_id text not null references organisations(org_id),
  id text not null,
  clock_id text not null,
  ticket_id text not null,
  metric text not null,
  kind text not null check (kind in ('started', 'paused', 'resumed', 'stopped', 'warning_50', 'warning_80', 'breached', 'escalated', 'recalculated') or kind ~ '^warning_[0-9]{1,2}$'),
  at timestamptz not null,
  generation integer not null,
  due_at timestamptz,
  data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, clock_id) references sla_clocks(org_id, id)
);
select afterdesk_append_only_table('sla_clock_events');
create index sla_clock_events_ticket on sla_clock_events (org_id, ticket_id, at, id);
