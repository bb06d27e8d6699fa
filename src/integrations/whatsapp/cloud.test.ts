import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../platform/outbox/outbox.js';
import { messagesFromCloudWebhook, WhatsAppCloudProvider } from './cloud.js';

describe('WhatsApp Cloud API provider', () => {
  it('posts a text message and returns the wamid', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const p = new WhatsAppCloudProvider({
      phoneNumberId: '1099',
      accessToken: 'tok',
      fetchImpl: (async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        return new Response(JSON.stringify({ messaging_product: 'whatsapp', messages: [{ id: 'wamid.HBg' }] }), { status: 200 });
      }) as unknown as typeof fetch,
    });
    expect(await p.send({ from: null, to: '+49 151 2345', text: 'Hallo!', messageKey: 'k' })).toEqual({ messageId: 'wamid.HBg' });
    expect(calls[0]!.url).toBe('https://graph.facebook.com/v21.0/1099/messages');
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '491512345', type: 'text', text: { preview_url: true, body: 'Hallo!' } });
    expect((calls[0]!.init.headers as Record<string, string>).authorization).toBe('Bearer tok');
  });

  it('a closed 24-hour window is permanent; a 5xx is retried', async () => {
    const make = (status: number) =>
      new WhatsAppCloudProvider({ phoneNumberId: '1', accessToken: 't', fetchImpl: (async () => new Response(JSON.stringify({ error: { message: 'Re-engagement message', code: 131047 } }), { status })) as unknown as typeof fetch });
    await expect(make(400).send({ from: null, to: '+1', text: 'x', messageKey: 'k' })).rejects.toBeInstanceOf(PermanentError);
    const e = await make(503).send({ from: null, to: '+1', text: 'x', messageKey: 'k' }).catch((x: unknown) => x);
    expect(e).not.toBeInstanceOf(PermanentError);
    expect((e as Error).message).toBe('WhatsApp send failed: Re-engagement message');
  });

  it('maps webhook messages (text and captioned image) and ignores status callbacks', () => {
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '4989555', phone_number_id: '1099' },
                contacts: [{ profile: { name: 'Tobias' }, wa_id: '4915123456789' }],
                messages: [
                  { from: '4915123456789', id: 'wamid.A', timestamp: '1772531400', type: 'text', text: { body: 'Der Ring ist zu klein.' } },
                  { from: '4915123456789', id: 'wamid.B', timestamp: '1772531460', type: 'image', image: { id: 'media-1', mime_type: 'image/jpeg', caption: 'So sieht er aus' } },
                ],
              },
            },
            { field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: '1099' }, statuses: [{ id: 'wamid.X', status: 'delivered' }] } },
          ],
        },
      ],
    };
    expect(messagesFromCloudWebhook(payload)).toEqual([
      { phoneNumberId: '1099', message: { messageId: 'wamid.A', from: '+4915123456789', name: 'Tobias', text: 'Der Ring ist zu klein.', date: new Date(1772531400_000), attachments: undefined } },
      {
        phoneNumberId: '1099',
        message: { messageId: 'wamid.B', from: '+4915123456789', name: 'Tobias', text: 'So sieht er aus', date: new Date(1772531460_000), attachments: [{ fileName: 'whatsapp-image-media-1', contentType: 'image/jpeg' }] },
      },
    ]);
    expect(messagesFromCloudWebhook({ nonsense: true })).toEqual([]);
  });
});
