import { z } from 'zod';
import { PermanentError, type OutboxRegistry } from '../platform/outbox/outbox.js';
import { zodIssues } from '../platform/validation.js';
import { SEND_PROMO_HANDLER, type CouponsService } from '../modules/coupons/index.js';
import type { EmailProvider, Mailboxes } from '../integrations/email/index.js';
import type { WhatsAppNumbers, WhatsAppProvider } from '../integrations/whatsapp/index.js';

const PromoSendPayload = z.object({ shopId: z.string(), buyerId: z.string(), ledgerId: z.string(), channel: z.enum(['email', 'whatsapp']), subject: z.string().nullable(), text: z.string().min(1) });

/**
 * `coupons.send_promo_code`: a coupon's promo code by e-mail (the shop's mailbox over SMTP with a
 * copy in Sent, else the fallback provider from the shop's support address) or WhatsApp (the
 * shop's Cloud API number, else the fallback line; outside the buyer's 24-hour window as the
 * programme's approved template (its name and language code per buyer language; default
 * `PROMO_WHATSAPP_TEMPLATE` in the buyer's language), since WhatsApp refuses free text then). The buyer's address is read at send time. The
 * contact policy (consent, quiet hours, frequency cap) was asked when the step was planned; the
 * step key is the issue's intent, and the e-mail Message-ID derives from it, so a retry after an
 * unclear outcome finds the mail in Sent instead of sending it again.
 */
export function registerPromoCodeSends(outbox: OutboxRegistry, d: { coupons: Pick<CouponsService, 'promoSendOf' | 'markSent' | 'markSkipped'>; mailboxes: Pick<Mailboxes, 'send'>; email: EmailProvider; whatsapp: Pick<WhatsAppNumbers, 'sendText'>; whatsappFallback: WhatsAppProvider }): void {
  outbox.register(SEND_PROMO_HANDLER, async (raw, ctx) => {
    const parsed = PromoSendPayload.safeParse(raw);
    if (!parsed.success) throw new PermanentError(`${SEND_PROMO_HANDLER} payload is invalid: ${zodIssues(parsed.error).map((i) => i.field).join(', ')}`);
    const p = parsed.data;
    const send = await d.coupons.promoSendOf(ctx.orgId, p.ledgerId);
    if (!send) return { skipped: 'not_planned' };
    // No address left, or consent gone by now: the ledger row ends as skipped with the reason (nothing to retry).
    if (send.skip || !send.to) {
      const reason = send.skip ?? 'no_address';
      await d.coupons.markSkipped(ctx.orgId, p.ledgerId, reason);
      return { skipped: reason };
    }
    if (p.channel === 'email') {
      const subject = p.subject ?? send.shopName;
      const own = await d.mailboxes.send(ctx.orgId, send.shopId, { key: ctx.idempotencyKey, attempt: ctx.attempt, to: send.to, fromName: send.shopName, subject, text: p.text, attachments: [] });
      if (own) {
        await d.coupons.markSent(ctx.orgId, p.ledgerId, own);
        return { providerMessageId: own.messageId, provider: 'mailbox', deduplicated: own.deduplicated };
      }
      if (!send.fromEmail) throw new PermanentError('The shop has no support e-mail address (shop settings → support contacts)', 'email.no_sender');
      const r = await d.email.send({ from: send.fromEmail, fromName: send.shopName, to: send.to, subject, text: p.text, messageKey: ctx.idempotencyKey });
      await d.coupons.markSent(ctx.orgId, p.ledgerId, { messageId: r.messageId, deduplicated: false });
      return { providerMessageId: r.messageId, provider: d.email.kind };
    }
    const r = await d.whatsapp.sendText(ctx.orgId, send.shopId, { from: send.fromWhatsApp, to: send.to, text: p.text, key: ctx.idempotencyKey, template: { name: send.template.name, language: send.template.language, params: send.templateParams } }, d.whatsappFallback);
    await d.coupons.markSent(ctx.orgId, p.ledgerId, { messageId: r.messageId, deduplicated: false });
    return { providerMessageId: r.messageId, provider: r.provider, template: r.template ?? false };
  });
}
