-- TikTok return requests the five-minute import turned away under the policy (issue 20). Before,
-- the import judged the oldest hundred open requests without an RMA on every run: the same ones
-- each time, a burst of work every five minutes, and once a hundred of them stayed outside the
-- policy no newer request was ever reached. A row here says when a request is looked at again.
create table platform_return_checks (
  org_id text not null references organisations(org_id),
  platform_return_id text not null,
  shop_id text not null,
  -- The refusal as the last check saw it (AppError code and its reasons).
  code text not null,
  reasons jsonb not null,
  -- What the answer rested on: TikTok's update time of the request, and the organisation's
  -- settings version with the reason tree's version. Either one changing makes the request due.
  seen text not null,
  basis text not null,
  attempts integer not null,
  checked_at timestamptz not null,
  recheck_at timestamptz not null,
  primary key (org_id, platform_return_id),
  foreign key (org_id, platform_return_id) references platform_returns (org_id, id) on delete cascade
);
select afterdesk_tenant_table('platform_return_checks');
select afterdesk_brand_scoped_table('platform_return_checks');
