-- A stored random draw per buyer (hashtext of the buyer id: deterministic, the same after every
-- restart and rebuild) and an index in draw order over the loyal buyers, so a member day's first page
-- of candidates is an index range read in draw order instead of hashing and sorting every loyal
-- buyer. A programme's day starts at its own point of the draw ring (hashtext of programme and day)
-- and wraps around, so programmes and days do not all favour the same buyers.
alter table coupon_buyer_facts add column draw integer;
update coupon_buyer_facts set draw = hashtext(buyer_id);
alter table coupon_buyer_facts alter column draw set not null;
create index coupon_buyer_facts_frequent_draw on coupon_buyer_facts (org_id, shop_id, draw, buyer_id) where orders365 >= 2;
