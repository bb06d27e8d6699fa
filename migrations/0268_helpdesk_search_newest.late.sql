-- Full-text search ranks the newest matches (issue 20). The functions of 0202 / 0021 ranked the first
-- `max_rows` matches the GIN index handed over: in table order, so on a grown installation mostly the
-- oldest messages, and for a common word they paid for every match in the index (the bitmap of all
-- of them) before reading any. Ids are ULIDs (time first), so the primary key `(org_id, id)` read
-- backwards is the organisation's messages newest first. Three steps:
--   1. the newest 200 messages (or tickets) are read and matched: a probe of how common the words are;
--   2. if that share would fill `max_rows` within ten times `max_rows` rows, reading goes on newest
--      first (half as far again as the share predicts) until `max_rows` matches are found;
--   3. whatever is still missing comes from the GIN index, older than the oldest match so far, in the
--      index's order — a rare word's matches are all there, and the index reads little.
-- So the `max_rows` ranked are the newest matches whenever a word is in about one in ten of the recent
-- messages or has fewer than `max_rows` matches; otherwise the newest the probe found and the rest from
-- the index. On the write-path bench world (the measured organisation's 49,497 messages, one
-- connection, median of nine): the message function for "refund" (13,918 matches) 7.2 ms for the
-- first 2,000 against 2.0 ms for the newest 500; words the organisation never uses 0.6–0.8 against
-- 0.7–0.9 ms.
-- Steps 1 and 2 must read the primary key backwards and stop early; the planner, sure that a long
-- limit reads much of the organisation, would rather read it all (a sequential scan, or the GIN index
-- by its organisation column) and sort: on the bench world's tickets 53–69 ms instead of 6. So the
-- functions run with sequential and bitmap scans off (their SET clauses, undone at exit), and turn
-- them back on for step 3, which only a bitmap scan of the GIN index answers. Their plans are generic
-- (planned once per connection, the words unknown to the planner), as the SQL functions' were: the
-- statistics of the words are the whole table's, and a word another organisation uses thousands of
-- times says nothing of this one's.
-- Written twice, once per table: a single function over both would need dynamic SQL, planned on
-- every call. Both run as the owner, below row-level security, and apply the brand scope themselves
-- (as in 0021).
create or replace function afterdesk_search_messages(q tsquery, max_rows integer)
returns table (ticket_id text, message_id text, rank real)
language plpgsql stable security definer set search_path = pg_catalog, public
  set plan_cache_mode = force_generic_plan set enable_seqscan = off set enable_bitmapscan = off as $fn$
declare
  org constant text := current_setting('app.org_id', true);
  probe constant integer := 200;
  tids text[];
  ids text[];
  ranks real[];
  got integer;
  reach numeric;
begin
  select coalesce(array_agg(w.ticket_id order by w.id desc), '{}'), coalesce(array_agg(w.id order by w.id desc), '{}'),
         coalesce(array_agg(ts_rank(w.search, q) order by w.id desc), '{}')
    into tids, ids, ranks
    from (select m.id, m.ticket_id, m.shop_id, m.search from ticket_messages m
          where m.org_id = org order by m.id desc limit probe) w
   where w.search @@ q and afterdesk_shop_visible(w.shop_id);
  got := cardinality(ids);
  if got > 0 and got < max_rows then
    reach := ceil((max_rows - got)::numeric * probe / got);
    if reach <= max_rows * 10 then
      select tids || coalesce(array_agg(w.ticket_id order by w.id desc), '{}'), ids || coalesce(array_agg(w.id order by w.id desc), '{}'),
             ranks || coalesce(array_agg(ts_rank(w.search, q) order by w.id desc), '{}')
        into tids, ids, ranks
        from (select w.* from (select m.id, m.ticket_id, m.shop_id, m.search from ticket_messages m
                               where m.org_id = org and m.id < ids[got] order by m.id desc limit ceil(reach * 1.5)) w
              where w.search @@ q and afterdesk_shop_visible(w.shop_id) order by w.id desc limit max_rows - got) w;
      got := cardinality(ids);
    end if;
  end if;
  return query select * from unnest(tids[1:max_rows], ids[1:max_rows], ranks[1:max_rows]);
  if got >= max_rows then
    return;
  end if;
  perform set_config('enable_seqscan', 'on', true), set_config('enable_bitmapscan', 'on', true);
  return query
    select m.ticket_id, m.id, ts_rank(m.search, q) from ticket_messages m
    where m.org_id = org and m.search @@ q and afterdesk_shop_visible(m.shop_id) and (got = 0 or m.id < ids[got])
    limit max_rows - got;
end
$fn$;

create or replace function afterdesk_search_tickets(q tsquery, max_rows integer)
returns table (ticket_id text, rank real)
language plpgsql stable security definer set search_path = pg_catalog, public
  set plan_cache_mode = force_generic_plan set enable_seqscan = off set enable_bitmapscan = off as $fn$
declare
  org constant text := current_setting('app.org_id', true);
  probe constant integer := 200;
  ids text[];
  ranks real[];
  got integer;
  reach numeric;
begin
  select coalesce(array_agg(w.id order by w.id desc), '{}'), coalesce(array_agg(ts_rank(w.search, q) order by w.id desc), '{}')
    into ids, ranks
    from (select t.id, t.shop_id, t.search from tickets t
          where t.org_id = org order by t.id desc limit probe) w
   where w.search @@ q and afterdesk_shop_visible(w.shop_id);
  got := cardinality(ids);
  if got > 0 and got < max_rows then
    reach := ceil((max_rows - got)::numeric * probe / got);
    if reach <= max_rows * 10 then
      select ids || coalesce(array_agg(w.id order by w.id desc), '{}'), ranks || coalesce(array_agg(ts_rank(w.search, q) order by w.id desc), '{}')
        into ids, ranks
        from (select w.* from (select t.id, t.shop_id, t.search from tickets t
                               where t.org_id = org and t.id < ids[got] order by t.id desc limit ceil(reach * 1.5)) w
              where w.search @@ q and afterdesk_shop_visible(w.shop_id) order by w.id desc limit max_rows - got) w;
      got := cardinality(ids);
    end if;
  end if;
  return query select * from unnest(ids[1:max_rows], ranks[1:max_rows]);
  if got >= max_rows then
    return;
  end if;
  perform set_config('enable_seqscan', 'on', true), set_config('enable_bitmapscan', 'on', true);
  return query
    select t.id, ts_rank(t.search, q) from tickets t
    where t.org_id = org and t.search @@ q and afterdesk_shop_visible(t.shop_id) and (got = 0 or t.id < ids[got])
    limit max_rows - got;
end
$fn$;
