-- A send that can no longer happen (the buyer's address is gone, or consent was withdrawn before
-- the send time) ends its ledger row as `skipped` with the reason, instead of leaving it planned.
alter table coupon_ledger drop constraint coupon_ledger_status_check;
alter table coupon_ledger add constraint coupon_ledger_status_check check (status in ('planned', 'sent', 'redeemed', 'expired', 'voided', 'clawed_back', 'held_out', 'skipped'));
alter table coupon_ledger add column skip_reason text check (skip_reason in ('no_address', 'consent_withdrawn', 'unsubscribed'));
