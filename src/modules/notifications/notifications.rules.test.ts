import { describe, expect, it } from 'vitest';
import { channelsFor, recipientsFor } from './notifications.rules.js';
import { notificationLine, notificationMail } from './notifications.mail.js';

const people = [
  { id: 'o', role: 'owner', active: true },
  { id: 's1', role: 'supervisor', active: true },
  { id: 's2', role: 'supervisor', active: false },
  { id: 'a', role: 'agent', active: true },
];

describe('recipientsFor', () => {
  it.each([
    [['a'], null, ['a']],
    [{ role: ['supervisor'] }, null, ['s1']],
    [{ role: ['supervisor', 'owner'] }, 'o', ['s1']],
    [{ role: ['supervisor'], userIds: ['a', 's1'] }, null, ['s1', 'a']],
    [['s2', 'nobody'], null, []],
  ] as const)('%j except %s → %j', (to, except, want) => expect(recipientsFor(people, to as never, except)).toEqual(want));
});

describe('channelsFor: in the app, by e-mail, both or off', () => {
  const prefs = [
    { userId: 'mail', inApp: false, email: true },
    { userId: 'both', inApp: true, email: true },
    { userId: 'off', inApp: false, email: false },
  ];
  it('defaults to in-app only; e-mail only when asked and the installation can send', () => {
    expect(channelsFor(['mail', 'both', 'off', 'plain'], prefs, true)).toEqual({ inApp: ['both', 'plain'], email: ['mail', 'both'], digest: [] });
    expect(channelsFor(['mail', 'both', 'off', 'plain'], prefs, false)).toEqual({ inApp: ['both', 'plain'], email: [], digest: [] });
    // The digest takes a person's e-mail out of the immediate list; without SMTP neither gets any.
    const withDigest = [...prefs, { userId: 'daily', inApp: false, email: true, emailDigest: true }];
    expect(channelsFor(['mail', 'daily'], withDigest, true)).toEqual({ inApp: [], email: ['mail'], digest: ['daily'] });
    expect(channelsFor(['mail', 'daily'], withDigest, false)).toEqual({ inApp: [], email: [], digest: [] });
  });
});

describe('notification mail wording', () => {
  it('words each kind in en and zh-CN, money in the reader\'s locale, unknown kinds generically', () => {
    expect(notificationLine('approval_waiting', { amount: 2450, currency: 'EUR', orderNumber: '5800001' }, 'en')).toBe('Approval waiting: €24.50 on order 5800001');
    expect(notificationLine('approval_decided', { amount: 2450, currency: 'EUR', decision: 'approved' }, 'zh-CN')).toBe('你提出的 €24.50 补救方案已被批准');
    expect(notificationLine('sla_warning', { ticketNumber: 12, percent: 80, metric: 'first_reply' }, 'zh-CN')).toBe('工单 #12：首次回复时限已用 80%');
    expect(notificationLine('mention', { ticketNumber: 3, by: null }, 'en')).toBe('Someone mentioned you on ticket #3');
    expect(notificationLine('channel_failure', { channel: 'whatsapp', step: 'token' }, 'en')).toBe("A shop's WhatsApp number cannot be read (access token); new messages wait until it is fixed");
    expect(notificationLine('channel_failure', { channel: 'tiktok_comments', step: 'authorisation' }, 'zh-CN')).toBe('店铺的TikTok 企业账号无法读取（授权）；修复前新消息不会进入');
    expect(notificationLine('something_new', {}, 'en')).toBe('Something needs your attention');
  });
  it('links into the installation and greets by name', () => {
    const m = notificationMail({ kind: 'sla_breach', params: { ticketNumber: 7, metric: 'resolution' }, link: '/inbox/tkt_1' }, { name: 'Lena', uiLocale: 'en' }, 'https://desk.example.test');
    expect(m.subject).toBe('Afterdesk: Ticket #7: resolution time breached');
    expect(m.text).toContain('Hello Lena,');
    expect(m.text).toContain('https://desk.example.test/inbox/tkt_1');
  });
});
