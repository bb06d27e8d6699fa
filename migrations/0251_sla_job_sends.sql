-- SLA timers (and any job that follows from a state change) are queued on the app's own
-- transaction, so the app role needs exactly what pg-boss's insert into `pgboss.job` takes: write
-- the job's columns, read back its id, and read the queue's defaults it joins. Nothing else: it
-- cannot read other jobs' data, change or delete jobs, or touch queues and schedules.
--
-- pg-boss creates its schema when it first starts, which is after migrations on a fresh database,
-- and may recreate tables when it upgrades itself. So the grants live in a function that the job
-- runner's owner connection calls after every pg-boss start (src/platform/jobs.ts), and once here
-- for databases where the schema already exists.
create or replace function afterdesk_grant_job_sends() returns void
language plpgsql as $$
begin
  if to_regclass('pgboss.job') is null or to_regclass('pgboss.queue') is null then
    return;
  end if;
  -- Several processes start pg-boss at once (server, webhook thread); concurrent GRANTs on one
  -- table fail with "tuple concurrently updated".
  perform pg_advisory_xact_lock(726353);
  grant usage on schema pgboss to afterdesk_app;
  -- Inserting through the partitioned parent checks only the parent's privileges; the foreign
  -- keys to pgboss.queue are checked as the queue table's owner.
  grant insert (id, name, data, priority, start_after, singleton_key, singleton_on, dead_letter,
                expire_in, keep_until, retry_limit, retry_delay, retry_backoff, policy)
    on pgboss.job to afterdesk_app;
  grant select (id) on pgboss.job to afterdesk_app;
  grant select (name, policy, retry_limit, retry_delay, retry_backoff, expire_seconds, retention_minutes, dead_letter)
    on pgboss.queue to afterdesk_app;
end $$;

-- Only the owner grants; the app role has no business calling it.
revoke all on function afterdesk_grant_job_sends() from public;

select afterdesk_grant_job_sends();
