/**
 * "The platform" for the soak benchmark, in a process of its own so its growing world (every
 * chat is a new buyer, order and conversation) is not counted in our server's memory.
 *   parent → {type:'chats', n}  n new chats (one new buyer each) with their signed webhooks
 *   parent → {type:'sent'}      how many messages our replies put into the chats
 *   child  → {type:'ready', url, shopId, region, authCode} / {type:'chats', chats} / {type:'sent', n}
 */
import { TikTokSandbox } from '../src/integrations/tiktok/sandbox/server.js';

const sandbox = new TikTokSandbox({ seed: 5, ordersPerShop: 3, qps: 1_000_000 });
const url = await sandbox.start();
const shop = sandbox.world.shops.find((s) => s.region === 'DE')!;
let seq = 0;

function chat() {
  const world = sandbox.world;
  const order = world.createOrder(shop.id, { silent: true, buyer: world['newBuyer'](shop) });
  const m = world.buyerMessage(order, 'where', { silent: true });
  const conv = [...world.conversations.values()].reverse().find((c) => c.messages.includes(m))!;
  const body = JSON.stringify({
    type: 14,
    tts_notification_id: `9${String(++seq).padStart(18, '0')}`,
    shop_id: shop.id,
    timestamp: Math.floor(Date.now() / 1000),
    data: { message_id: m.id, index: m.index, conversation_id: conv.id, type: m.type, content: m.content, create_time: m.createTime, is_visible: true, sender: { im_user_id: m.senderImId, role: m.senderRole } },
  });
  return { body, sig: sandbox.signWebhook(body) };
}

process.on('message', (m: { type: string; n?: number }) => {
  if (m.type === 'chats') process.send!({ type: 'chats', chats: Array.from({ length: m.n ?? 1 }, chat) });
  else if (m.type === 'sent') process.send!({ type: 'sent', n: sandbox.writebacks.filter((w) => w.kind === 'send_message').length });
  else if (m.type === 'stop') void sandbox.stop().then(() => process.exit(0));
});
process.send!({ type: 'ready', url, shopId: shop.id, region: shop.region, authCode: sandbox.issueAuthCode([shop.id]) });
