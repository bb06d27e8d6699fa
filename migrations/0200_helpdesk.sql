-- Helpdesk: tickets from every channel, their message threads, macros, routing state.

-- Full-text configuration per buyer language. Immutable so it can feed generated columns.
create or replace function afterdesk_ts_config(lang text) returns regconfig language sql immutable parallel safe as $fn$
  select case lang
    when 'en' then 'english'::regconfig
    when 'de' then 'german'::regconfig
    when 'fr' then 'french'::regconfig
    when 'it' then 'italian'::regconfig
    when 'es' then 'spanish'::regconfig
    else 'simple'::regconfig
  end
$fn$;

create table tickets (
  org_id text not null references organisations(org_id),
  id text not null,
  number bigint not null,
  shop_id text not null,
  channel text not null check (channel in ('tiktok_chat', 'tiktok_return_request', 'email', 'whatsapp', 'livestream', 'video_comment')),
  external_thread_id text not null,
  buyer_id text,
  -- Buyer identity as the channel gave it; kept even once buyer_id links the orders module's buyer.
  buyer_external_id text,
  buyer_name text,
  buyer_email text,
  buyer_phone text,
  order_id text,
  livestream_session_id text,
  subject text not null,
  status text not null default 'new' check (status in ('new', 'open', 'waiting_on_buyer', 'waiting_on_warehouse', 'waiting_on_platform', 'solved', 'closed')),
  priority text not null default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
  language text not null default 'en',
  tags text[] not null default '{}',
  assignee_id text,
  queue text not null default 'general',
  sla_due_at timestamptz,
  -- Nulls sort last in every queue view; a stored key keeps (sla_sort, id) cursors simple and indexable.
  sla_sort timestamptz generated always as (coalesce(sla_due_at, 'infinity'::timestamptz)) stored,
  merged_into_id text,
  solved_reason text,
  message_count integer not null default 0,
  last_message_at timestamptz,
  last_message_preview text,
  last_inbound_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  solved_at timestamptz,
  closed_at timestamptz,
  search tsvector generated always as (
    setweight(to_tsvector('simple', coalesce(subject, '')), 'A') ||
    setweight(to_tsvector(afterdesk_ts_config(language), coalesce(subject, '')), 'A') ||
    setweight(to_tsvector('simple', coalesce(buyer_name, '') || ' ' || coalesce(buyer_email, '') || ' ' || coalesce(buyer_external_id, '')), 'B')
  ) stored,
  primary key (org_id, id),
  constraint tickets_number_unique unique (org_id, number),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
-- Queue views: only live tickets are ever sorted by SLA, so partial indexes stay small.
create index tickets_mine_sla on tickets (org_id, assignee_id, sla_sort, id) where status not in ('solved', 'closed');
create index tickets_queue_sla on tickets (org_id, queue, sla_sort, id) where status not in ('solved', 'closed');
create index tickets_status_sla on tickets (org_id, status, sla_sort, id);
create index tickets_unassigned_sla on tickets (org_id, sla_sort, id) where assignee_id is null and status not in ('solved', 'closed');
create index tickets_order on tickets (org_id, order_id) where order_id is not null;
create index tickets_buyer on tickets (org_id, buyer_id) where buyer_id is not null;
create index tickets_buyer_ext on tickets (org_id, shop_id, buyer_external_id) where buyer_external_id is not null;
create index tickets_tags on tickets using gin (tags);
create index tickets_search on tickets using gin (search);
select afterdesk_tenant_table('tickets');

create table ticket_counters (
  org_id text not null references organisations(org_id),
  id text not null default 'tickets',
  value bigint not null,
  primary key (org_id, id)
);
select afterdesk_tenant_table('ticket_counters');

-- Which ticket a channel conversation currently feeds. Merging repoints the loser's threads.
create table ticket_threads (
  org_id text not null references organisations(org_id),
  id text not null,
  channel text not null,
  external_thread_id text not null,
  ticket_id text not null,
  created_at timestamptz not null,
  primary key (org_id, id),
  constraint ticket_threads_unique unique (org_id, channel, external_thread_id),
  foreign key (org_id, ticket_id) references tickets(org_id, id)
);
create index ticket_threads_ticket on ticket_threads (org_id, ticket_id);
select afterdesk_tenant_table('ticket_threads');

create table ticket_messages (
  org_id text not null references organisations(org_id),
  id text not null,
  ticket_id text not null,
  kind text not null check (kind in ('public', 'note')),
  direction text not null check (direction in ('inbound', 'outbound')),
  channel text not null,
  external_message_id text,
  author_type text not null check (author_type in ('buyer', 'user', 'system', 'platform')),
  author_id text,
  author_name text,
  body text not null,
  language text not null default 'en',
  attachments jsonb not null default '[]'::jsonb,
  macro_id text,
  delivery_status text check (delivery_status in ('queued', 'sent', 'failed')),
  outbox_id text,
  -- Set when a merge moved the message here; the original ticket id stays for the audit trail.
  moved_from_ticket_id text,
  sent_at timestamptz not null,
  created_at timestamptz not null,
  search tsvector generated always as (to_tsvector(afterdesk_ts_config(language), body) || to_tsvector('simple', body)) stored,
  primary key (org_id, id),
  foreign key (org_id, ticket_id) references tickets(org_id, id)
);
-- Idempotent ingest: a channel's message id lands once per organisation.
create unique index ticket_messages_external_unique on ticket_messages (org_id, channel, external_message_id) where external_message_id is not null;
create index ticket_messages_thread on ticket_messages (org_id, ticket_id, sent_at, id);
create index ticket_messages_search on ticket_messages using gin (search);
select afterdesk_tenant_table('ticket_messages');

create table macros (
  org_id text not null references organisations(org_id),
  id text not null,
  key text not null,
  name text not null,
  category text not null default 'general',
  -- {"en": "...", "de": "..."}; rendering falls back to en.
  bodies jsonb not null,
  active boolean not null default true,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  constraint macros_key_unique unique (org_id, key)
);
select afterdesk_tenant_table('macros');

-- Per-agent shift in the agent's own zone; routing skips agents who are off shift.
create table agent_schedules (
  org_id text not null references organisations(org_id),
  id text not null, -- the user id
  time_zone text not null,
  hours jsonb not null,
  updated_at timestamptz not null,
  primary key (org_id, id)
);
select afterdesk_tenant_table('agent_schedules');

-- Round-robin cursor per queue.
create table routing_state (
  org_id text not null references organisations(org_id),
  id text not null, -- the queue name
  last_user_id text,
  updated_at timestamptz not null,
  primary key (org_id, id)
);
select afterdesk_tenant_table('routing_state');
