-- Playbooks (issue 16, part 2): macros get a shop, an owner and a version history (helpdesk owns
-- them); standard procedures per problem category with their versions and per-ticket runs; and
-- proactive notices per product with one send row per (notice, order).

-- Macros: null shop = every shop of the organisation. No brand scope on purpose: an organisation-wide
-- macro (shop_id null) must stay visible to brand-limited agents, and macros hold no shop data.
alter table macros add column shop_id text;
alter table macros add column owner_user_id text;
alter table macros add column version integer not null default 1;
alter table macros add constraint macros_shop_fk foreign key (org_id, shop_id) references shops(org_id, id);
alter table macros add constraint macros_owner_fk foreign key (org_id, owner_user_id) references users(org_id, id);

-- Every saved state of a macro (version 1 is its creation); a restore writes a new version.
create table macro_versions (
  org_id text not null references organisations(org_id),
  macro_id text not null,
  version integer not null,
  name text not null,
  category text not null,
  bodies jsonb not null,
  shop_id text,
  owner_user_id text,
  active boolean not null,
  default_status_after text,
  author_user_id text,
  created_at timestamptz not null,
  primary key (org_id, macro_id, version),
  foreign key (org_id, macro_id) references macros(org_id, id) on delete cascade
);
select afterdesk_tenant_table('macro_versions');

-- One standard procedure per problem category (organisation-wide configuration, no shop).
create table procedures (
  org_id text not null references organisations(org_id),
  id text not null,
  category text not null,
  version integer not null,
  -- {"en": "...", "zh-CN": "..."}
  title jsonb not null,
  -- [{"title": {...}, "detail": {...}, "checks": [{...}]}]
  steps jsonb not null,
  remedy_tier integer check (remedy_tier in (1, 2, 3)),
  escalate_when jsonb not null,
  escalate_after_hours integer,
  active boolean not null,
  updated_by text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  constraint procedures_category_unique unique (org_id, category)
);
select afterdesk_tenant_table('procedures');

create table procedure_versions (
  org_id text not null references organisations(org_id),
  procedure_id text not null,
  version integer not null,
  content jsonb not null,
  author_user_id text,
  created_at timestamptz not null,
  primary key (org_id, procedure_id, version),
  foreign key (org_id, procedure_id) references procedures(org_id, id)
);
select afterdesk_tenant_table('procedure_versions');
select afterdesk_append_only_table('procedure_versions');

-- An agent working through a procedure on a ticket: which checks are ticked, which step they are on.
create table procedure_runs (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  ticket_id text not null,
  procedure_id text not null,
  version integer not null,
  category text not null,
  step integer not null default 0,
  checked jsonb not null default '[]',
  -- [{at, by, action, step, check}] — the record of what the agent did, in order.
  log jsonb not null default '[]',
  completed_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  foreign key (org_id, procedure_id) references procedures(org_id, id),
  foreign key (org_id, ticket_id) references tickets(org_id, id),
  constraint procedure_runs_ticket_unique unique (org_id, ticket_id, procedure_id)
);
select afterdesk_tenant_table('procedure_runs');
select afterdesk_brand_scoped_table('procedure_runs');

-- Proactive notices: per shop and platform product, a text per buyer language, sent a delay after
-- purchase, shipping or delivery.
create table notices (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  product_id text not null,
  product_name text not null,
  trigger text not null check (trigger in ('purchase', 'shipping', 'delivery')),
  delay_hours integer not null check (delay_hours >= 0 and delay_hours <= 2160),
  texts jsonb not null,
  holdout_percent integer not null check (holdout_percent >= 0 and holdout_percent <= 90),
  active boolean not null,
  -- Orders whose trigger happened before this moment are never messaged.
  starts_at timestamptz not null,
  created_by text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
create index notices_shop on notices (org_id, shop_id) where active;
select afterdesk_tenant_table('notices');
select afterdesk_brand_scoped_table('notices');

-- One row per (notice, order): the unique key is the "once per order" rule.
create table notice_sends (
  org_id text not null references organisations(org_id),
  id text not null,
  notice_id text not null,
  shop_id text not null,
  order_id text not null,
  buyer_id text,
  arm text not null check (arm in ('treatment', 'holdout')),
  status text not null check (status in ('waiting', 'planned', 'sent', 'held_out', 'refused', 'failed')),
  language text,
  anchor_at timestamptz not null,
  due_at timestamptz not null,
  outbox_id text,
  reasons jsonb not null default '[]',
  message_id text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  sent_at timestamptz,
  primary key (org_id, id),
  foreign key (org_id, notice_id) references notices(org_id, id),
  constraint notice_sends_once unique (org_id, notice_id, order_id)
);
create index notice_sends_due on notice_sends (org_id, due_at) where status = 'waiting';
select afterdesk_tenant_table('notice_sends');
select afterdesk_brand_scoped_table('notice_sends');
