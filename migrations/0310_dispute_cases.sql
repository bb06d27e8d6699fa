-- One dispute case per order (issue 13): what the seller tells the platform when a buyer disputes
-- an order. Its evidence is its own records plus those of the cases it gathers (the order's
-- tickets with their messages, its returns, remedies and refunds), listed in member_case_ids.
create table dispute_cases (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  order_id text not null,
  status text not null check (status in ('open', 'submitted', 'won', 'lost')),
  member_case_ids text[] not null,
  opened_by text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, id),
  constraint dispute_cases_order unique (org_id, order_id)
);
select afterdesk_tenant_table('dispute_cases');
select afterdesk_brand_scoped_table('dispute_cases');
