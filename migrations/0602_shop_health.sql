-- Shop health: the platform's customer-service performance per shop and period (Get Customer
-- Service Performance), per-market thresholds the owner sets where no public source gives one,
-- and the warnings already sent (one per shop, metric and day).
create table shop_cs_performance (
  org_id text not null references organisations(org_id),
  shop_id text not null,
  date_from date not null,
  date_to date not null,
  sessions integer,
  response_pct numeric(7, 3),
  response_time_mins numeric(12, 3),
  satisfaction_pct numeric(7, 3),
  synced_at timestamptz not null,
  primary key (org_id, shop_id, date_from, date_to),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('shop_cs_performance');
select afterdesk_brand_scoped_table('shop_cs_performance');

create table shop_health_thresholds (
  org_id text not null references organisations(org_id),
  market text not null,
  metric text not null,
  limit_value numeric(12, 6) not null,
  source text not null,
  updated_at timestamptz not null,
  primary key (org_id, market, metric)
);
select afterdesk_tenant_table('shop_health_thresholds');

create table shop_health_warnings (
  org_id text not null references organisations(org_id),
  shop_id text not null,
  metric text not null,
  day date not null,
  severity text not null check (severity in ('near', 'crossed')),
  value numeric(12, 6) not null,
  limit_value numeric(12, 6) not null,
  sent_at timestamptz not null,
  primary key (org_id, shop_id, metric, day),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('shop_health_warnings');
select afterdesk_brand_scoped_table('shop_health_warnings');

-- CSAT: one question after resolution; the answer joins the reports.
create table csat_surveys (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  ticket_id text not null,
  channel text not null,
  language text not null,
  asked_at timestamptz not null,
  score smallint check (score between 1 and 5),
  answered_at timestamptz,
  primary key (org_id, id),
  unique (org_id, ticket_id),
  foreign key (org_id, shop_id) references shops(org_id, id)
);
select afterdesk_tenant_table('csat_surveys');
select afterdesk_brand_scoped_table('csat_surveys');
