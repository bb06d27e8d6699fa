import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../platform/outbox/outbox.js';
import { hubSignature, mediaKindOf, parseCloudWebhook, verifyHubSignature, WhatsAppCloudProvider, type GraphFetch } from './cloud.js';

describe('WhatsApp Cloud API provider', () => {
  it('posts a text message and returns the wamid', async () => {
    const calls: { url: string; init: Parameters<GraphFetch>[1] }[] = [];
    const p = new WhatsAppCloudProvider({
      phoneNumberId: '1099',
      accessToken: 'tok',
      fetchImpl: async (url, init) => {
        calls.push({ url, init });
        return new Response(JSON.stringify({ messaging_product: 'whatsapp', messages: [{ id: 'wamid.HBg' }] }), { status: 200 });
      },
    });
    expect(await p.sendText('+49 151 2345', 'Hallo!')).toEqual({ messageId: 'wamid.HBg' });
    expect(calls[0]!.url).toBe('https://graph.facebook.com/v21.0/1099/messages');
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '491512345', type: 'text', text: { preview_url: true, body: 'Hallo!' } });
    expect(calls[0]!.init.headers!.authorization).toBe('Bearer tok');
  });

  it('a closed 24-hour window is permanent; a 5xx is retried', async () => {
    const make = (status: number) => new WhatsAppCloudProvider({ phoneNumberId: '1', accessToken: 't', fetchImpl: async () => new Response(JSON.stringify({ error: { message: 'Re-engagement message', code: 131047 } }), { status }) });
    await expect(make(400).sendText('+1', 'x')).rejects.toBeInstanceOf(PermanentError);
    const e = await make(503).sendText('+1', 'x').catch((x: unknown) => x);
    expect(e).not.toBeInstanceOf(PermanentError);
    expect((e as Error).message).toBe('WhatsApp message failed: Re-engagement message');
  });

  it('signs and checks X-Hub-Signature-256 over the raw body', () => {
    const raw = Buffer.from('{"entry":[]}');
    const sig = hubSignature('app-secret-1', raw);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyHubSignature('app-secret-1', raw, sig)).toBe(true);
    expect(verifyHubSignature('app-secret-2', raw, sig)).toBe(false);
    expect(verifyHubSignature('app-secret-1', Buffer.from('{"entry":[1]}'), sig)).toBe(false);
    expect(verifyHubSignature('app-secret-1', raw, undefined)).toBe(false);
    expect(verifyHubSignature('app-secret-1', raw, 'sha1=abc')).toBe(false);
  });

  it('picks the media type WhatsApp sends a file as', () => {
    expect(['image/jpeg', 'image/webp', 'video/mp4', 'audio/ogg', 'application/pdf'].map(mediaKindOf)).toEqual(['image', 'document', 'video', 'audio', 'document']);
  });

  it('maps webhook messages (text and captioned image) and delivery statuses', () => {
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
            { field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: '1099' }, statuses: [{ id: 'wamid.X', status: 'delivered' }, { id: 'wamid.Y', status: 'failed', errors: [{ code: 131047, title: 'Re-engagement message' }] }, { id: 'wamid.Z', status: 'deleted' }] } },
          ],
        },
      ],
    };
    const parsed = parseCloudWebhook(payload);
    expect(parsed.statuses).toEqual([
      { phoneNumberId: '1099', wamid: 'wamid.X', status: 'delivered' },
      { phoneNumberId: '1099', wamid: 'wamid.Y', status: 'failed', error: '131047 Re-engagement message' },
    ]);
    expect(parsed.messages).toEqual([
      { phoneNumberId: '1099', mediaIds: [], message: { messageId: 'wamid.A', from: '+4915123456789', name: 'Tobias', text: 'Der Ring ist zu klein.', date: new Date(1772531400_000), attachments: undefined } },
      {
        phoneNumberId: '1099',
        mediaIds: ['media-1'],
        message: { messageId: 'wamid.B', from: '+4915123456789', name: 'Tobias', text: 'So sieht er aus', date: new Date(1772531460_000), attachments: [{ fileName: 'whatsapp-image-media-1', contentType: 'image/jpeg' }] },
      },
    ]);
    expect(parseCloudWebhook({ nonsense: true })).toEqual({ messages: [], statuses: [] });
  });
});
