-- Buyer side, third part (issue 17): the buyer answered the satisfaction question on the page.
-- The score itself is analytics' (csat_surveys); this only tells the page not to ask again.
alter table portal_cards add column csat_at timestamptz;
