-- The search indexes' pending list (GIN `fastupdate`) kept at 256 kB instead of the server's 4 MB
-- default. New messages and ticket changes wait in that list until it is merged into the index, and
-- every search reads the whole list; on the write-path bench the messages its create and reply phases
-- had just written were still there when the searches ran. Two alternating bench pairs on the bench
-- world (the same runs' bare inserts 0.91–0.99 ms but one at 1.54): search 6.93 / 8.18 ms CPU against
-- 9.05 / 11.6 with 4 MB, creates 12.5 / 13.0 against 13.8 / 14.3 ms, replies 15.2 / 15.6 against
-- 15.3 / 17.2 ms. Turning the list off (every write pays for its index entries at once), measured in two
-- pairs on a busier machine, helped search less and cost creates about 1 ms of Postgres CPU in the pair
-- whose baselines matched.
alter index ticket_messages_org_search set (gin_pending_list_limit = 256);
alter index tickets_org_search set (gin_pending_list_limit = 256);
