-- Brand scoping applied to every shop-owned table (mechanism: 0010_brand_scope.sql).
-- Tables that carry shop_id get the restrictive policy directly; tables whose rows belong to one
-- shop through a parent (order lines, ticket messages, return lines, …) get a shop_id column,
-- backfilled here and filled by a trigger from the parent on insert (and when the parent
-- reference changes, e.g. a merge moving messages), so the modules writing them are unchanged.

-- Fills NEW.shop_id from the parent table tg_argv[0] whose id is in column tg_argv[1]. Runs as
-- the owner so the parent is found whatever the transaction's scope; the organisation is always
-- the row's own.
create or replace function afterdesk_fill_shop_id() returns trigger language plpgsql security definer set search_path = pg_catalog, public as $fn$
declare
  ref text;
  found_shop text;
begin
  if tg_op = 'INSERT' and new.shop_id is not null then return new; end if;
  ref := to_jsonb(new) ->> tg_argv[1];
  if ref is null then return new; end if;
  execute format('select shop_id from %I where org_id = $1 and id = $2', tg_argv[0]) into found_shop using new.org_id, ref;
  new.shop_id := found_shop;
  return new;
end
$fn$;

-- Buyer data is shared by the shops a buyer bought from; the row itself is scoped through them.
create or replace function afterdesk_buyer_visible(o text, b text) returns boolean language sql stable as $fn$
  select coalesce(current_setting('app.shop_ids', true), '') = ''
      or current_setting('app.system', true) = 'on'
      or exists (select 1 from orders x where x.org_id = o and x.buyer_id = b)
      or exists (select 1 from tickets x where x.org_id = o and x.buyer_id = b)
      or exists (select 1 from platform_returns x where x.org_id = o and x.buyer_id = b)
$fn$;

-- A brand is visible to a brand-limited user when one of its shops is.
create or replace function afterdesk_brand_visible(o text, b text) returns boolean language sql stable as $fn$
  select coalesce(current_setting('app.shop_ids', true), '') = ''
      or current_setting('app.system', true) = 'on'
      or exists (select 1 from shops s where s.org_id = o and s.brand_id = b)
$fn$;
grant execute on function afterdesk_buyer_visible(text, text) to afterdesk_app;
grant execute on function afterdesk_brand_visible(text, text) to afterdesk_app;

-- Rows that may belong to no shop (organisation-wide): visible to everyone of the organisation when
-- shop_id is null, else only within the scope.
create or replace function afterdesk_brand_scoped_shared_table(t regclass, col text default 'shop_id') returns void language plpgsql as $fn$
begin
  execute format('drop policy if exists brand_scope on %s', t);
  execute format($p$create policy brand_scope on %s as restrictive
    using (%I is null or afterdesk_shop_visible(%I))
    with check (%I is null or afterdesk_shop_visible(%I))$p$, t, col, col, col, col);
end
$fn$;

-- Shops and brands themselves.
select afterdesk_brand_scoped_table('shops', 'id');
drop policy if exists brand_scope on brands;
create policy brand_scope on brands as restrictive using (afterdesk_brand_visible(org_id, id)) with check (afterdesk_brand_visible(org_id, id));

-- Tables that already name their shop.
select afterdesk_brand_scoped_table('orders');
select afterdesk_brand_scoped_table('platform_returns');
select afterdesk_brand_scoped_table('tiktok_connections');
select afterdesk_brand_scoped_table('tiktok_sync_cursors');
select afterdesk_brand_scoped_table('tiktok_webhook_events');
select afterdesk_brand_scoped_table('tickets');
select afterdesk_brand_scoped_table('sla_tickets');
select afterdesk_brand_scoped_table('sla_clocks');
select afterdesk_brand_scoped_table('product_economics');
select afterdesk_brand_scoped_table('remedies');
select afterdesk_brand_scoped_table('reships');
select afterdesk_brand_scoped_table('returns');
select afterdesk_brand_scoped_table('exchange_stock');

-- SLA policies: a shop's policy is that shop's; one without a shop is organisation-wide (seen by
-- everyone, changed only by unscoped people).
drop policy if exists brand_scope on sla_policies;
create policy brand_scope on sla_policies as restrictive
  using (shop_id is null or afterdesk_shop_visible(shop_id))
  with check (afterdesk_shop_visible(shop_id));

-- Buyers span the shops they bought from: visible when any of their orders, tickets or platform
-- requests is (those tables' own policies decide inside the function). Written by sync and intake.
drop policy if exists brand_scope on buyers;
create policy brand_scope on buyers as restrictive using (afterdesk_buyer_visible(org_id, id)) with check (true);

-- Child tables: shop_id from the parent.
alter table order_lines add column shop_id text;
update order_lines c set shop_id = p.shop_id from orders p where p.org_id = c.org_id and p.id = c.order_id;
create trigger order_lines_shop before insert or update of order_id on order_lines for each row execute function afterdesk_fill_shop_id('orders', 'order_id');
select afterdesk_brand_scoped_table('order_lines');

alter table payout_holds add column shop_id text;
update payout_holds c set shop_id = p.shop_id from orders p where p.org_id = c.org_id and p.id = c.order_id;
create trigger payout_holds_shop before insert or update of order_id on payout_holds for each row execute function afterdesk_fill_shop_id('orders', 'order_id');
select afterdesk_brand_scoped_table('payout_holds');

alter table ticket_threads add column shop_id text;
update ticket_threads c set shop_id = p.shop_id from tickets p where p.org_id = c.org_id and p.id = c.ticket_id;
create trigger ticket_threads_shop before insert or update of ticket_id on ticket_threads for each row execute function afterdesk_fill_shop_id('tickets', 'ticket_id');
select afterdesk_brand_scoped_table('ticket_threads');

alter table ticket_messages add column shop_id text;
update ticket_messages c set shop_id = p.shop_id from tickets p where p.org_id = c.org_id and p.id = c.ticket_id;
create trigger ticket_messages_shop before insert or update of ticket_id on ticket_messages for each row execute function afterdesk_fill_shop_id('tickets', 'ticket_id');
select afterdesk_brand_scoped_table('ticket_messages');

-- Append-only: filled on insert only (the app role cannot update it anyway).
alter table sla_clock_events add column shop_id text;
update sla_clock_events c set shop_id = p.shop_id from sla_clocks p where p.org_id = c.org_id and p.id = c.clock_id;
create trigger sla_clock_events_shop before insert on sla_clock_events for each row execute function afterdesk_fill_shop_id('sla_clocks', 'clock_id');
select afterdesk_brand_scoped_table('sla_clock_events');

alter table return_lines add column shop_id text;
update return_lines c set shop_id = p.shop_id from returns p where p.org_id = c.org_id and p.id = c.return_id;
create trigger return_lines_shop before insert or update of return_id on return_lines for each row execute function afterdesk_fill_shop_id('returns', 'return_id');
select afterdesk_brand_scoped_table('return_lines');

-- Evidence records: a case is a ticket, a return or a dispute (a platform request); its shop is
-- the case's. The chain itself (seq, prev_hash, the head row) stays organisation-wide, so work in
-- any scope appends; a record whose case names no shop is organisation-wide.
alter table evidence_records add column shop_id text;
create or replace function afterdesk_evidence_shop() returns trigger language plpgsql security definer set search_path = pg_catalog, public as $fn$
begin
  if new.shop_id is null then
    new.shop_id := coalesce(
      (select shop_id from tickets where org_id = new.org_id and id = new.case_id),
      (select shop_id from returns where org_id = new.org_id and id = new.case_id),
      (select shop_id from platform_returns where org_id = new.org_id and id = new.case_id),
      (select shop_id from orders where org_id = new.org_id and id = new.case_id));
  end if;
  return new;
end
$fn$;
update evidence_records r set shop_id = coalesce(
  (select shop_id from tickets where org_id = r.org_id and id = r.case_id),
  (select shop_id from returns where org_id = r.org_id and id = r.case_id),
  (select shop_id from platform_returns where org_id = r.org_id and id = r.case_id),
  (select shop_id from orders where org_id = r.org_id and id = r.case_id));
create trigger evidence_records_shop before insert on evidence_records for each row execute function afterdesk_evidence_shop();
select afterdesk_brand_scoped_shared_table('evidence_records');

-- Outbox steps: the shop named in the payload, else the subject's.
alter table outbox add column shop_id text;
create or replace function afterdesk_outbox_shop() returns trigger language plpgsql security definer set search_path = pg_catalog, public as $fn$
begin
  if new.shop_id is null then
    new.shop_id := coalesce(new.payload ->> 'shopId', case
      when new.subject_type like 'remedy%' then (select shop_id from remedies where org_id = new.org_id and id = new.subject_id)
      when new.subject_type = 'return' then (select shop_id from returns where org_id = new.org_id and id = new.subject_id)
      when new.subject_type = 'ticket_message' then (select shop_id from ticket_messages where org_id = new.org_id and id = new.subject_id)
      when new.subject_type = 'ticket' then (select shop_id from tickets where org_id = new.org_id and id = new.subject_id)
    end);
  end if;
  return new;
end
$fn$;
update outbox o set shop_id = coalesce(o.payload ->> 'shopId', case
  when o.subject_type like 'remedy%' then (select shop_id from remedies where org_id = o.org_id and id = o.subject_id)
  when o.subject_type = 'return' then (select shop_id from returns where org_id = o.org_id and id = o.subject_id)
  when o.subject_type = 'ticket_message' then (select shop_id from ticket_messages where org_id = o.org_id and id = o.subject_id)
  when o.subject_type = 'ticket' then (select shop_id from tickets where org_id = o.org_id and id = o.subject_id)
end);
create trigger outbox_shop before insert on outbox for each row execute function afterdesk_outbox_shop();
select afterdesk_brand_scoped_shared_table('outbox');

-- Full-text search (0202) runs as the owner, below row-level security: it applies the brand scope
-- itself, from the same settings the policies read.
create or replace function afterdesk_search_messages(q tsquery, max_rows integer)
returns table (ticket_id text, message_id text, rank real)
language sql stable security definer set search_path = pg_catalog, public as $fn$
  select m.ticket_id, m.id, ts_rank(m.search, q)
  from ticket_messages m
  where m.org_id = current_setting('app.org_id', true) and m.search @@ q and afterdesk_shop_visible(m.shop_id)
  limit max_rows
$fn$;

create or replace function afterdesk_search_tickets(q tsquery, max_rows integer)
returns table (ticket_id text, rank real)
language sql stable security definer set search_path = pg_catalog, public as $fn$
  select t.id, ts_rank(t.search, q)
  from tickets t
  where t.org_id = current_setting('app.org_id', true) and t.search @@ q and afterdesk_shop_visible(t.shop_id)
  limit max_rows
$fn$;
