/**
 * The installation's own mail: what Afterdesk sends to staff (invitations, password resets,
 * notifications), through the operator's SMTP server (`SMTP_URL`, `MAIL_FROM`). Separate from
 * the shops' mailboxes, which talk to buyers. Unconfigured → `configured: false`, and callers say
 * so instead of pretending to send.
 */
import nodemailer from 'nodemailer';

export interface InstallationMail {
  readonly configured: boolean;
  /** Who the mail comes from (MAIL_FROM), for the settings page. */
  readonly from: string | null;
  send(mail: { to: string; subject: string; text: string; html?: string; messageId?: string }): Promise<{ messageId: string }>;
}

export function createInstallationMail(cfg: { smtpUrl?: string; from?: string }): InstallationMail {
  if (!cfg.smtpUrl || !cfg.from) {
    return {
      configured: false,
      from: null,
      async send() {
        throw new Error('The installation has no SMTP server (set SMTP_URL and MAIL_FROM)');
      },
    };
  }
  // The operator chose this server: it is configuration, not data, so the outbound rule for
  // addresses found in data does not apply (like the TikTok API base).
  const transport = nodemailer.createTransport(cfg.smtpUrl);
  const from = cfg.from;
  return {
    configured: true,
    from,
    async send(mail) {
      const r = await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId });
      return { messageId: r.messageId };
    },
  };
}
