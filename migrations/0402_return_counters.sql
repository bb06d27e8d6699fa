-- Per-organisation RMA numbers without races: one counter row per org, bumped in the creating transaction.
create table return_counters (
  org_id text not null references organisations(org_id),
  id text not null,
  value bigint not null,
  primary key (org_id, id)
);
select afterdesk_tenant_table('return_counters');
insert into return_counters (org_id, id, value) select org_id, 'rma', count(*) from returns group by org_id;
