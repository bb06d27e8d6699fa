-- "Unreviewed machine draft" (helpdesk): a reply whose text a machine translated keeps what it was
-- translated with and whether a person checked it ({provider, from, to, reviewed, reviewedBy,
-- reviewedAt, sentUnreviewed}); null for text a person wrote.
alter table ticket_messages add column machine_draft jsonb;
