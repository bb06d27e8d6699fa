-- The WhatsApp message template a programme's promo codes go out with outside the buyer's 24-hour
-- window: {"name": "...", "languages": {"en": "en_US", ...}} (the template's language code per buyer
-- language). Null = the default name `afterdesk_coupon_code` in the buyer's language. The seller
-- creates the template in WhatsApp Manager and Meta must approve it before it can be sent.
alter table coupon_programmes add column whatsapp_template jsonb;
