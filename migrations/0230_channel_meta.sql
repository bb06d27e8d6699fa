-- What a channel told about a message: an automated kind (auto-reply, bounce, list mail, kept out
-- of SLA clocks), e-mail authentication results (SPF/DKIM/DMARC) and a spoofing suspicion.
alter table ticket_messages add column channel_meta jsonb;
