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

const RESET_TEXT: Record<'en' | 'zh-CN', { subject: string; body: (name: string, link: string, until: string) => string }> = {
  en: {
    subject: 'Reset your Afterdesk password',
    body: (name, link, until) => `Hello ${name},\n\nSomeone (hopefully you) asked to reset your Afterdesk password. Open this link to choose a new one:\n\n${link}\n\nThe link works once, until ${until}. If you did not ask for it, ignore this mail; your password stays as it is.\n`,
  },
  'zh-CN': {
    subject: '重置你的 Afterdesk 密码',
    body: (name, link, until) => `${name}，你好：\n\n有人（希望是你本人）申请重置你的 Afterdesk 密码。打开下面的链接设置新密码：\n\n${link}\n\n链接只能使用一次，有效期至 ${until}。如果不是你本人申请，请忽略这封邮件，你的密码不会改变。\n`,
  },
};

/**
 * The account module's password-reset mail through the installation's SMTP, in the person's UI
 * language; undefined when no SMTP is configured (the reset request then says mail is unavailable).
 */
export function passwordResetSender(mail: InstallationMail): { sendPasswordReset(m: { to: string; name: string; locale: string; link: string; expiresAt: Date }): Promise<void> } | undefined {
  if (!mail.configured) return undefined;
  return {
    async sendPasswordReset(m) {
      const lang = m.locale === 'zh-CN' ? 'zh-CN' : 'en';
      const t = RESET_TEXT[lang];
      const until = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(m.expiresAt) + ' UTC';
      await mail.send({ to: m.to, subject: t.subject, text: t.body(m.name, m.link, until) });
    },
  };
}

const INVITE_TEXT: Record<'en' | 'zh-CN', { subject: (org: string) => string; body: (org: string, role: string, link: string, until: string) => string }> = {
  en: {
    subject: (org) => `You are invited to ${org} on Afterdesk`,
    body: (org, role, link, until) => `Hello,\n\nYou are invited to join ${org} on Afterdesk as ${role}. Open this link to accept (you set a password, or sign in with the login you already have):\n\n${link}\n\nThe link works once, until ${until}.\n`,
  },
  'zh-CN': {
    subject: (org) => `邀请你加入 Afterdesk 上的 ${org}`,
    body: (org, role, link, until) => `你好：\n\n${org} 邀请你以「${role}」身份加入 Afterdesk。打开下面的链接接受邀请（设置密码，或用已有的账号登录）：\n\n${link}\n\n链接只能使用一次，有效期至 ${until}。\n`,
  },
};

/** Mails one invitation (the `auth.invitation_mail` step's work), in the inviter's chosen language. */
export async function sendInvitationMail(mail: InstallationMail, p: { to: string; organisation: string; role: string; locale: string; link: string; expiresAt: Date }): Promise<void> {
  const lang = p.locale === 'zh-CN' ? 'zh-CN' : 'en';
  const t = INVITE_TEXT[lang];
  const until = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(p.expiresAt) + ' UTC';
  await mail.send({ to: p.to, subject: t.subject(p.organisation), text: t.body(p.organisation, p.role, p.link, until) });
}
