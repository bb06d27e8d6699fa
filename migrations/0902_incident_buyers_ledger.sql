-- A coupon card's step finishing names its ledger row; the incident it belongs to is found by it
-- (live progress). Only outreaches with a coupon have such rows.
create index incident_buyers_ledger on incident_buyers (org_id, coupon_ledger_id) where coupon_ledger_id is not null;
