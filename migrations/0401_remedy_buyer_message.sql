-- The agent's own words to the buyer, sent with the remedy's confirmation (explanations, care tips).
alter table remedies add column buyer_message text;
