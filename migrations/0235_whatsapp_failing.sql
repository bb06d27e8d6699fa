-- A WhatsApp number whose credentials Meta stopped accepting (issue 19): since when, and what Meta
-- said. Set by the first refused send or media download (the owners are told once), cleared by the
-- next success or a saved change.
alter table whatsapp_numbers add column failing_since timestamptz;
alter table whatsapp_numbers add column last_error text;
