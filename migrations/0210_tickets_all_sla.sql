-- The inbox's "all" view (and any list filtered only by shop, tag or assignee) is sorted by SLA due
-- over the whole organisation: without an index on that order Postgres sorted every ticket of the
-- organisation for each page (~36 ms of Postgres CPU per page at 20 k tickets).
create index tickets_all_sla on tickets (org_id, sla_sort, id);
