import sharp from 'sharp';
import type { EvidenceInput } from './evidence.dto.js';
import type { EvidenceService } from './evidence.service.js';

/** A photo-like JPEG with a caption, so demo packs carry real images with real thumbnails. */
async function demoPhoto(caption: string, hue: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="720">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},45%,72%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},40%,38%)"/></linearGradient></defs>
    <rect width="960" height="720" fill="url(#g)"/>
    <rect x="250" y="170" width="460" height="330" rx="18" fill="hsl(${hue},20%,90%)" stroke="#333" stroke-width="6"/>
    <path d="M330 210 L420 330 L380 380 L470 470" stroke="#b00" stroke-width="9" fill="none"/>
    <text x="480" y="640" font-family="DejaVu Sans, sans-serif" font-size="44" text-anchor="middle" fill="#fff">${caption}</text></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 82 }).toBuffer();
}

const DAY = 86_400_000;

/**
 * Evidence for three demo cases (a damaged espresso machine, a parcel that never arrived, a
 * chargeback appeal) so the Evidence page and packs have something real to show. Idempotent.
 */
export async function seedEvidenceDemo(evidence: EvidenceService, orgId: string, now: Date = new Date()): Promise<{ created: boolean; caseIds: string[] }> {
  const caseIds = ['tkt_demo_evidence_damaged', 'tkt_demo_evidence_inr', 'ret_demo_evidence_appeal'];
  const existing = await evidence.orgOfCase(caseIds[0]!);
  if (existing.includes(orgId)) return { created: false, caseIds };
  const at = (daysAgo: number, h = 10) => new Date(now.getTime() - daysAgo * DAY + h * 3_600_000 - (now.getTime() % DAY));
  const buyer = { type: 'buyer' as const, id: 'byr_demo_anna', name: 'Anna Schmidt' };
  const agent = { type: 'user' as const, name: 'Luca Rossi' };
  const warehouse = { type: 'user' as const, name: 'Tom Baker' };
  const system = { type: 'system' as const, name: 'Afterdesk' };

  const box = await evidence.storeFile(orgId, { bytes: await demoPhoto('Parcel on arrival', 28), fileName: 'parcel-on-arrival.jpg', declaredContentType: 'image/jpeg' });
  const crack = await evidence.storeFile(orgId, { bytes: await demoPhoto('Cracked water tank', 200), fileName: 'cracked-tank.jpg', declaredContentType: 'image/jpeg' });
  const inspect = await evidence.storeFile(orgId, { bytes: await demoPhoto('Warehouse inspection', 120), fileName: 'inspection-1.jpg', declaredContentType: 'image/jpeg' });
  const label = await evidence.storeFile(orgId, { bytes: Buffer.from('DHL Paket 00340434161234567890\nDelivered 2026-01-03 14:12 to front door (photo on file)\n'), fileName: 'dhl-proof-of-delivery.txt', declaredContentType: 'text/plain' });

  const c1 = caseIds[0]!;
  const c2 = caseIds[1]!;
  const c3 = caseIds[2]!;
  const order = (id: string, name: string, amount: number) => ({
    orderId: `ord_demo_${id}`,
    externalOrderId: `5781${id}0042`,
    shop: 'Northwind DE',
    status: 'delivered',
    total: { amount, currency: 'EUR' },
    lines: [{ sku: `NW-${id.toUpperCase()}`, name, paid: { amount, currency: 'EUR' } }],
    carrier: 'DHL',
    trackingNumber: '00340434161234567890',
    deliveredAt: at(12, 14).toISOString(),
    productDescription: `${name}. Brand new, sealed in original packaging. 2-year EU warranty.`,
  });
  const policy = { policyId: 'pol_demo_de', text: 'Returns accepted within 30 days of delivery. Damaged-on-arrival items are replaced or refunded in full after photo review; no return shipping cost for the buyer.', windowDays: 30, restockingFee: null };

  const entries: EvidenceInput[] = [
    { orgId, caseId: c1, caseType: 'ticket', kind: 'order_snapshot', actor: system, occurredAt: at(14, 9), summary: 'Order 578111110042: Barista Pro espresso machine, €649.00', data: order('a1', 'Barista Pro espresso machine', 64900) },
    { orgId, caseId: c1, caseType: 'ticket', kind: 'tracking', actor: system, occurredAt: at(12, 14), summary: 'DHL delivered 00340434161234567890', data: { carrier: 'DHL', trackingNumber: '00340434161234567890', status: 'delivered', deliveredAt: at(12, 14).toISOString() }, fileSha256s: [label.sha256] },
    { orgId, caseId: c1, caseType: 'ticket', kind: 'message', actor: buyer, occurredAt: at(11, 8), summary: 'Buyer reports a cracked water tank', data: { channel: 'tiktok_chat', direction: 'inbound', text: 'Hallo, die Maschine kam heute an, aber der Wassertank ist gesprungen. Fotos anbei. Der Karton war schon eingedrückt.' }, fileSha256s: [box.sha256, crack.sha256] },
    { orgId, caseId: c1, caseType: 'ticket', kind: 'policy_snapshot', actor: system, occurredAt: at(11, 8), summary: 'DE return policy v3 applied', data: policy },
    { orgId, caseId: c1, caseType: 'ticket', kind: 'classification', actor: agent, occurredAt: at(11, 9), summary: 'Classified as damaged in transit', data: { category: 'damaged_in_transit', confidence: 'agent' } },
    { orgId, caseId: c1, caseType: 'ticket', kind: 'message', actor: agent, occurredAt: at(11, 10), summary: 'Apology and offer of a replacement tank or refund', data: { channel: 'tiktok_chat', direction: 'outbound', text: 'Das tut uns sehr leid! Wir schicken Ihnen sofort einen neuen Wassertank – oder möchten Sie lieber eine Erstattung?' } },
    { orgId, caseId: c1, caseType: 'ticket', kind: 'remedy_offered', actor: agent, occurredAt: at(11, 10), summary: 'Offered: replacement part or full refund', data: { options: ['replacement_part', 'refund'], amount: { amount: 64900, currency: 'EUR' } } },
    { orgId, caseId: c1, caseType: 'ticket', kind: 'message', actor: buyer, occurredAt: at(10, 18), summary: 'Buyer asks for a full refund', data: { channel: 'tiktok_chat', direction: 'inbound', text: 'Ich hätte gern das Geld zurück. Die Maschine schicke ich zurück.' } },
    { orgId, caseId: c1, caseType: 'ticket', kind: 'inspection', actor: warehouse, occurredAt: at(6, 11), summary: 'Return inspected: tank cracked, outer box crushed; carrier damage', data: { rmaId: 'rma_demo_1', condition: 'damaged', carrierDamage: true }, fileSha256s: [inspect.sha256] },
    { orgId, caseId: c1, caseType: 'ticket', kind: 'responsibility', actor: agent, occurredAt: at(6, 12), summary: 'Carrier responsible: box crushed in transit', data: { claim: 'DHL damage claim filed' }, responsibility: 'carrier' },
    { orgId, caseId: c1, caseType: 'ticket', kind: 'refund', actor: system, occurredAt: at(6, 12), summary: 'Refunded €649.00 via TikTok Shop', data: { amount: { amount: 64900, currency: 'EUR' }, platformRefundId: 'rf_demo_778' } },
    { orgId, caseId: c1, caseType: 'ticket', kind: 'status_change', actor: agent, occurredAt: at(6, 12), summary: 'Ticket solved', data: { from: 'waiting_on_warehouse', to: 'solved' } },

    { orgId, caseId: c2, caseType: 'ticket', kind: 'order_snapshot', actor: system, occurredAt: at(20, 9), summary: 'Order 5781b20042: noise-cancelling headphones, €299.00', data: order('b2', 'ANC Studio headphones', 29900) },
    { orgId, caseId: c2, caseType: 'ticket', kind: 'message', actor: { type: 'buyer', name: 'Jean Dupont' }, occurredAt: at(8, 9), summary: 'Buyer says the parcel never arrived', data: { channel: 'email', direction: 'inbound', text: "Bonjour, le colis n'est jamais arrivé alors que le suivi indique « livré »." } },
    { orgId, caseId: c2, caseType: 'ticket', kind: 'message', actor: agent, occurredAt: at(8, 11), summary: 'Asked buyer to check with neighbours; opened carrier trace', data: { channel: 'email', direction: 'outbound', text: 'Bonjour Jean, nous avons ouvert une enquête auprès de DHL. Pourriez-vous vérifier auprès de vos voisins ?' } },

    { orgId, caseId: c3, caseType: 'return', kind: 'order_snapshot', actor: system, occurredAt: at(30, 9), summary: 'Order 5781c30042: 18k gold bracelet, €1,250.00', data: order('c3', '18k gold bracelet', 125000) },
    { orgId, caseId: c3, caseType: 'return', kind: 'policy_snapshot', actor: system, occurredAt: at(25, 9), summary: 'DE return policy v3 applied', data: policy },
    { orgId, caseId: c3, caseType: 'return', kind: 'message', actor: { type: 'buyer', name: 'Marco Bianchi' }, occurredAt: at(25, 10), summary: 'Buyer wants to return (changed mind)', data: { channel: 'whatsapp', direction: 'inbound', text: 'Non mi piace più, posso restituirlo?' } },
    { orgId, caseId: c3, caseType: 'return', kind: 'remedy_given', actor: agent, occurredAt: at(18, 10), summary: 'Return accepted; full refund after inspection', data: { remedy: 'return_and_refund' } },
    { orgId, caseId: c3, caseType: 'return', kind: 'refund', actor: system, occurredAt: at(15, 10), summary: 'Refunded €1,250.00', data: { amount: { amount: 125000, currency: 'EUR' } } },
    { orgId, caseId: c3, caseType: 'return', kind: 'responsibility', actor: agent, occurredAt: at(15, 11), summary: 'Buyer remorse: no fault of seller', data: {}, responsibility: 'buyer' },
  ];
  for (const e of entries) await evidence.record(e);
  await evidence.checkpoint(orgId);
  return { created: true, caseIds };
}
