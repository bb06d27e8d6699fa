-- The ticket sidebar finds the buyer's other tickets by e-mail too; without this it scanned the org.
create index tickets_buyer_email on tickets (org_id, buyer_email) where buyer_email is not null;
