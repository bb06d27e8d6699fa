import { formatMoney } from '../../platform/money.js';
import type { NotificationParams } from './notifications.dto.js';

/*
 * A notification as an e-mail to the person it is for, in their UI language (en or zh-CN). Like
 * the in-app centre, it is made from the kind and its values at sending time; nothing personal
 * beyond what the notification names (a ticket number, an order number, a colleague's name).
 */

export type MailLocale = 'en' | 'zh-CN';

type Words = {
  kinds: Record<string, (p: Record<string, string>) => string>;
  other: string;
  metrics: Record<string, string>;
  decisions: Record<string, string>;
  someone: string;
  greeting: (name: string) => string;
  open: string;
  footer: string;
  digestSubject: (n: number) => string;
  digestIntro: (n: number) => string;
  digestMore: (n: number) => string;
  digestFooter: string;
};

/** Channel and failing-step names for the channel-failure notice (the web has the same words in its locales). */
const CHANNEL_WORDS: Record<MailLocale, { channels: Record<string, string>; steps: Record<string, string> }> = {
  en: {
    channels: { email: 'mailbox', whatsapp: 'WhatsApp number', tiktok_comments: 'TikTok business account' },
    steps: { dns: 'server name lookup', connect: 'connection', tls: 'TLS', login: 'login', folder: 'folder', smtp: 'sending server', token: 'access token', permission: 'permission', account: 'account', api: 'API answer', connection: 'connection', authorisation: 'authorisation' },
  },
  'zh-CN': {
    channels: { email: '邮箱', whatsapp: 'WhatsApp 号码', tiktok_comments: 'TikTok 企业账号' },
    steps: { dns: '域名解析', connect: '连接', tls: 'TLS', login: '登录', folder: '文件夹', smtp: '发信服务器', token: '访问令牌', permission: '权限', account: '账号', api: '接口应答', connection: '连接', authorisation: '授权' },
  },
};

const WORDS: Record<MailLocale, Words> = {
  en: {
    kinds: {
      approval_waiting: (p) => `Approval waiting: ${p.amount} on order ${p.orderNumber}`,
      approval_decided: (p) => `Your remedy of ${p.amount} was ${p.decision}`,
      sla_warning: (p) => `Ticket #${p.ticketNumber}: ${p.percent}% of the ${p.metric} time used`,
      sla_breach: (p) => `Ticket #${p.ticketNumber}: ${p.metric} time breached`,
      mention: (p) => `${p.by} mentioned you on ticket #${p.ticketNumber}`,
      outbox_failed: (p) => `A step failed: ${p.handler}`,
      shop_health: (p) => `Shop health: ${p.metric} at ${p.value} (limit ${p.limit})`,
      channel_failure: (p) => `A shop's ${CHANNEL_WORDS.en.channels[String(p.channel)] ?? p.channel} cannot be read (${CHANNEL_WORDS.en.steps[String(p.step)] ?? p.step}); new messages wait until it is fixed`,
    },
    other: 'Something needs your attention',
    metrics: { first_reply: 'first reply', next_reply: 'next reply', resolution: 'resolution' },
    decisions: { approved: 'approved', rejected: 'rejected' },
    someone: 'Someone',
    greeting: (name) => `Hello ${name},`,
    open: 'Open it in Afterdesk:',
    footer: 'You receive this because your notification preferences send this kind by e-mail. Change them under the bell in Afterdesk.',
    digestSubject: (n) => `Afterdesk: your daily digest (${n} ${n === 1 ? 'notice' : 'notices'})`,
    digestIntro: (n) => `Since your last digest, ${n === 1 ? 'one notice was' : `${n} notices were`} gathered for you:`,
    digestMore: (n) => `…and ${n} more in Afterdesk.`,
    digestFooter: 'You receive this digest once a day because your notification preferences gather these kinds. Change them under the bell in Afterdesk.',
  },
  'zh-CN': {
    kinds: {
      approval_waiting: (p) => `待审批：订单 ${p.orderNumber} 的 ${p.amount}`,
      approval_decided: (p) => `你提出的 ${p.amount} 补救方案已被${p.decision}`,
      sla_warning: (p) => `工单 #${p.ticketNumber}：${p.metric}时限已用 ${p.percent}%`,
      sla_breach: (p) => `工单 #${p.ticketNumber}：${p.metric}已超时`,
      mention: (p) => `${p.by} 在工单 #${p.ticketNumber} 中提到了你`,
      outbox_failed: (p) => `有步骤失败：${p.handler}`,
      shop_health: (p) => `店铺健康：${p.metric} 为 ${p.value}（上限 ${p.limit}）`,
      channel_failure: (p) => `店铺的${CHANNEL_WORDS['zh-CN'].channels[String(p.channel)] ?? p.channel}无法读取（${CHANNEL_WORDS['zh-CN'].steps[String(p.step)] ?? p.step}）；修复前新消息不会进入`,
    },
    other: '有事项需要你处理',
    metrics: { first_reply: '首次回复', next_reply: '下次回复', resolution: '解决' },
    decisions: { approved: '批准', rejected: '拒绝' },
    someone: '有人',
    greeting: (name) => `${name}，你好：`,
    open: '在 Afterdesk 中打开：',
    footer: '你收到这封邮件，是因为你的通知设置要求以邮件发送此类通知。可在 Afterdesk 的铃铛菜单中修改。',
    digestSubject: (n) => `Afterdesk：每日汇总（${n} 条通知）`,
    digestIntro: (n) => `自上次汇总以来，共有 ${n} 条通知：`,
    digestMore: (n) => `……另有 ${n} 条，请在 Afterdesk 中查看。`,
    digestFooter: '你每天收到一次这封汇总邮件，是因为你的通知设置要求将这些类型的通知汇总发送。可在 Afterdesk 的铃铛菜单中修改。',
  },
};

export function mailLocale(uiLocale: string): MailLocale {
  return uiLocale === 'zh-CN' ? 'zh-CN' : 'en';
}

/** One line saying what happened, in the reader's language (also the mail's subject). */
export function notificationLine(kind: string, params: NotificationParams, locale: MailLocale): string {
  const w = WORDS[locale];
  const p: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) p[k] = String(v);
  if (typeof params.amount === 'number' && typeof params.currency === 'string') p.amount = formatMoney({ amount: params.amount, currency: params.currency }, locale);
  if (typeof params.metric === 'string' && w.metrics[params.metric]) p.metric = w.metrics[params.metric]!;
  if (typeof params.decision === 'string' && w.decisions[params.decision]) p.decision = w.decisions[params.decision]!;
  if (!p.by) p.by = w.someone;
  const make = w.kinds[kind];
  return make ? make(p) : w.other;
}

export function notificationMail(n: { kind: string; params: NotificationParams; link: string | null }, to: { name: string; uiLocale: string }, publicUrl: string): { subject: string; text: string } {
  const locale = mailLocale(to.uiLocale);
  const w = WORDS[locale];
  const line = notificationLine(n.kind, n.params, locale);
  const url = n.link ? new URL(n.link, publicUrl).toString() : new URL('/', publicUrl).toString();
  return { subject: `Afterdesk: ${line}`, text: `${w.greeting(to.name)}\n\n${line}\n\n${w.open}\n${url}\n\n— \n${w.footer}\n` };
}

/** One person's daily digest: a line and a link per notice, oldest first, in their UI language. */
export function digestMail(items: { kind: string; params: NotificationParams; link: string | null }[], total: number, to: { name: string; uiLocale: string }, publicUrl: string): { subject: string; text: string } {
  const locale = mailLocale(to.uiLocale);
  const w = WORDS[locale];
  const lines = items.map((n) => `• ${notificationLine(n.kind, n.params, locale)}\n  ${new URL(n.link ?? '/', publicUrl).toString()}`);
  const more = total > items.length ? `\n${w.digestMore(total - items.length)}\n` : '';
  return { subject: w.digestSubject(total), text: `${w.greeting(to.name)}\n\n${w.digestIntro(total)}\n\n${lines.join('\n')}\n${more}\n— \n${w.digestFooter}\n` };
}
