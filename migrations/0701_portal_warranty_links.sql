-- Buyer side, second part (issue 17): warranty registrations from the buyer's page, and links
-- that are not printed cards (the link in a reply e-mail). Range 0701–0729: portal.

-- A link e-mailed with an agent's reply opens the page like a card's QR; it belongs to no print batch.
alter table portal_cards add column kind text not null default 'card' check (kind in ('card', 'email'));
alter table portal_cards alter column batch_id drop not null;

-- One registration per order line and serial number; the proof photo is an evidence file (sha256).
create table portal_warranties (
  org_id text not null references organisations(org_id),
  id text not null,
  shop_id text not null,
  order_id text not null,
  order_line_id text not null,
  buyer_id text not null,
  product_name text not null,
  serial_number text not null,
  proof_sha256 text,
  warranty_days integer not null,
  ends_at timestamptz not null,
  ticket_id text,
  created_at timestamptz not null,
  primary key (org_id, id),
  unique (org_id, order_line_id, serial_number)
);
create index portal_warranties_buyer on portal_warranties (org_id, buyer_id);
select afterdesk_tenant_table('portal_warranties');
select afterdesk_brand_scoped_table('portal_warranties');
