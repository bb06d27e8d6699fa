-- A contact recorded when a message was planned can be taken back when the message never went out
-- (a promo-code send skipped at send time, a coupon voided before its card was sent): `ref` names the
-- message (the coupon ledger row), `withdrawn_at` says when it was taken back. Withdrawn contacts do
-- not count toward the frequency cap. Looked up by buyer (the existing index) and ref, so no new index.
alter table outreach_contacts add column ref text;
alter table outreach_contacts add column withdrawn_at timestamptz;
