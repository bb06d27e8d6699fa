-- Full-text search indexes that carry the organisation (btree_gin: a GIN index over a plain column
-- and a tsvector). The search functions (0202, brand scope in 0021) ask for `org_id = <this org>
-- and search @@ q`. With the tsvector alone in the index, Postgres found every matching message of
-- every organisation in the index and then read each one from the table only to drop the other
-- organisations' rows: on the write-path bench world (eight organisations), a word that another
-- organisation uses thousands of times and this one never cost 3–6 ms per search instead of about
-- 1 ms. With both columns in one GIN index the organisation is matched inside the index, so the
-- table is read for this organisation's matches only. btree_gin ships with PostgreSQL's contrib
-- modules and is a trusted extension.
create extension if not exists btree_gin;

create index ticket_messages_org_search on ticket_messages using gin (org_id, search);
drop index ticket_messages_search;

create index tickets_org_search on tickets using gin (org_id, search);
drop index tickets_search;
