-- Buyer side (issue 17): the satisfaction question is answered once per conversation (ticket),
-- whichever card or e-mailed link the buyer came through. The score itself stays analytics'
-- (csat_surveys); this row only tells the page not to ask about that ticket again.
create table portal_csat_answers (
  org_id text not null references organisations(org_id),
  ticket_id text not null,
  shop_id text not null,
  order_id text not null,
  answered_at timestamptz not null,
  primary key (org_id, ticket_id)
);
select afterdesk_tenant_table('portal_csat_answers');
select afterdesk_brand_scoped_table('portal_csat_answers');

-- Answers given before this table existed were marked on the card that was used.
insert into portal_csat_answers (org_id, ticket_id, shop_id, order_id, answered_at)
select org_id, ticket_id, min(shop_id), min(order_id), min(csat_at) from portal_cards
 where csat_at is not null and ticket_id is not null
 group by org_id, ticket_id
on conflict do nothing;
