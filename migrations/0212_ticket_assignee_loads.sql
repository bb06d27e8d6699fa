-- Routing weighs each candidate agent by the open tickets they hold. Counting them from `tickets`
-- on every routed ticket read every open assigned ticket of the organisation (≈ 9 ms for 4,400
-- open tickets, the largest single cost of creating a ticket). Instead, a trigger on `tickets`
-- appends a +1/-1 row whenever a ticket starts or stops counting for an assignee (assigned while
-- open, reassigned, solved, closed, reopened, deleted), and routing sums the rows of its
-- candidates. Rows are only ever inserted by ticket writes, so concurrent writers never wait on
-- each other here; routing folds an organisation's rows into one per agent when they pile up.
create table ticket_assignee_loads (
  org_id text not null references organisations(org_id),
  id bigint generated always as identity,
  user_id text not null,
  delta integer not null,
  primary key (org_id, id)
);
create index ticket_assignee_loads_user on ticket_assignee_loads (org_id, user_id);
select afterdesk_tenant_table('ticket_assignee_loads');

-- Security invoker (the default): the row goes in under the writer's own tenant settings and RLS.
create or replace function afterdesk_ticket_assignee_load() returns trigger language plpgsql as $fn$
declare
  was text;
  now_held text;
begin
  if tg_op <> 'INSERT' and old.assignee_id is not null and old.status not in ('solved', 'closed') then
    was := old.assignee_id;
  end if;
  if tg_op <> 'DELETE' and new.assignee_id is not null and new.status not in ('solved', 'closed') then
    now_held := new.assignee_id;
  end if;
  if was is not distinct from now_held then
    return null;
  end if;
  if was is not null then
    insert into ticket_assignee_loads (org_id, user_id, delta) values (old.org_id, was, -1);
  end if;
  if now_held is not null then
    insert into ticket_assignee_loads (org_id, user_id, delta) values (new.org_id, now_held, 1);
  end if;
  return null;
end
$fn$;

create trigger tickets_assignee_load after insert or delete or update of assignee_id, status on tickets
  for each row execute function afterdesk_ticket_assignee_load();

-- The tickets that exist now, one row per organisation and assignee.
insert into ticket_assignee_loads (org_id, user_id, delta)
select org_id, assignee_id, count(*)::int from tickets
where assignee_id is not null and status not in ('solved', 'closed')
group by org_id, assignee_id;
