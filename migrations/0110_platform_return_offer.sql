-- A seller's standing offer on a platform return (TikTok: a partial refund proposed with
-- OFFER_PARTIAL_REFUND, carried in partial_refund while the buyer decides). Kept apart from
-- refund_amount so an offer is never read as money paid.
alter table platform_returns add column offer jsonb;
