-- Evidence about an incident belongs to the incident's shop (brand scope), like a ticket's or a
-- return's. Late: it replaces the function 0021 (also late) defines.
create or replace function afterdesk_evidence_shop() returns trigger language plpgsql security definer set search_path = pg_catalog, public as $fn$
begin
  if new.shop_id is null then
    new.shop_id := coalesce(
      (select shop_id from tickets where org_id = new.org_id and id = new.case_id),
      (select shop_id from returns where org_id = new.org_id and id = new.case_id),
      (select shop_id from platform_returns where org_id = new.org_id and id = new.case_id),
      (select shop_id from orders where org_id = new.org_id and id = new.case_id),
      (select shop_id from incidents where org_id = new.org_id and id = new.case_id));
  end if;
  return new;
end
$fn$;
