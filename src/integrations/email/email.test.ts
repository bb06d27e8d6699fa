import { describe, expect, it } from 'vitest';
import { emailToInbound, LocalEmailProvider, messageIdFor, stripQuoted, threadIdOf } from './email.js';
import { normalisePhone, whatsappToInbound } from '../whatsapp/whatsapp.js';

describe('e-mail mapping', () => {
  it('names the conversation by the root of References, then In-Reply-To, then its own id', () => {
    expect(threadIdOf({ messageId: '<3@x>', inReplyTo: '<2@x>', references: ['<1@x>', '<2@x>'] })).toBe('<1@x>');
    expect(threadIdOf({ messageId: '<3@x>', inReplyTo: '<2@x>' })).toBe('<2@x>');
    expect(threadIdOf({ messageId: '<3@x>' })).toBe('<3@x>');
  });

  it('cuts quoted history in the five buyer languages', () => {
    expect(stripQuoted('Danke!\n\nAm 3. März 2026 um 10:00 schrieb Shop <a@b.de>:\n> alt')).toBe('Danke!');
    expect(stripQuoted('Merci\nLe mar. 3 mars 2026 à 10:00, Shop a écrit :\n> vieux')).toBe('Merci');
    expect(stripQuoted('Thanks\n\nOn Tue, Mar 3, 2026 at 10:00 AM Shop <a@b.com> wrote:\n> old')).toBe('Thanks');
    expect(stripQuoted('Grazie\n-----Messaggio originale-----\nDa: shop')).toBe('Grazie');
    expect(stripQuoted('> only quoted')).toBe('> only quoted');
  });

  it('maps a mail to contract 2 with a clean subject and lower-cased sender', () => {
    const m = emailToInbound('org_1', 'shp_1', {
      messageId: '<b@x>',
      from: 'Anna@Example.COM',
      fromName: 'Anna',
      subject: 'AW: Re: Rücksendung',
      text: 'Hallo',
      references: ['<a@x>'],
      date: new Date('2026-03-03T10:00:00Z'),
    });
    expect(m).toEqual({
      orgId: 'org_1',
      shopId: 'shp_1',
      channel: 'email',
      externalThreadId: '<a@x>',
      externalMessageId: '<b@x>',
      buyer: { email: 'anna@example.com', name: 'Anna', externalId: 'anna@example.com' },
      direction: 'inbound',
      text: 'Hallo',
      subject: 'Rücksendung',
      attachments: undefined,
      sentAt: '2026-03-03T10:00:00.000Z',
      orderId: undefined,
    });
  });

  it('the local provider sends a retried reply once, under a Message-ID derived from its key', async () => {
    const p = new LocalEmailProvider();
    const mail = { from: 'a@shop', to: 'b@buyer', subject: 's', text: 't', messageKey: 'helpdesk.reply:msg_1' };
    const a = await p.send(mail);
    const b = await p.send(mail);
    expect(a).toEqual(b);
    expect(a.messageId).toBe(messageIdFor('helpdesk.reply:msg_1'));
    expect(p.sent.length).toBe(1);
    p.deliver({ from: 'b@buyer', subject: 'hi', text: 'x' });
    expect((await p.fetchNew()).length).toBe(1);
    expect(await p.fetchNew()).toEqual([]);
  });

  it('the local provider keeps the latest mail only, and still sends a recent retry once', async () => {
    const p = new LocalEmailProvider(3);
    const mail = (n: number) => ({ from: 'a@shop', to: 'b@buyer', subject: 's', text: `t${n}`, messageKey: `helpdesk.reply:msg_${n}` });
    for (let n = 1; n <= 4; n++) await p.send(mail(n));
    await p.send(mail(4));
    expect(p.sent.map((m) => m.text)).toEqual(['t2', 't3', 't4']);
  });
});

describe('WhatsApp mapping', () => {
  it('one conversation per E.164 number', () => {
    expect(normalisePhone('+49 (151) 123-45')).toBe('+4915112345');
    expect(normalisePhone('0039 333')).toBe('+39333');
    const m = whatsappToInbound('org_1', 'shp_1', { messageId: 'wamid.1', from: '+1 212 555 0100', text: 'hi', date: new Date('2026-03-03T10:00:00Z') });
    expect(m).toMatchObject({ channel: 'whatsapp', externalThreadId: '+12125550100', buyer: { phone: '+12125550100' } });
  });
});
