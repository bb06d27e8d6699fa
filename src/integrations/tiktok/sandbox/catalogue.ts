/**
 * The sandbox's demo world content: shops in six markets, high-ticket catalogues, traffic sources
 * and buyer texts in five languages. Two stories are planted on purpose:
 *  - the "Rose Poudré" livestream: the bag looked pink on camera and is beige in daylight, so it
 *    drives many "colour differs" returns;
 *  - a creator video promising "a whole week" of battery from the PowerCore 20K, which drives
 *    "not as described" returns and battery complaints.
 */
export type Lang = 'en' | 'de' | 'fr' | 'it' | 'es';

export interface ShopSpec {
  id: string;
  name: string;
  region: string;
  currency: string;
  lang: Lang;
  brand: 'voltix' | 'lumiere';
  emailDomain: string;
}

export const DEFAULT_SHOPS: ShopSpec[] = [
  { id: '7494001000000000001', name: 'Voltix US', region: 'US', currency: 'USD', lang: 'en', brand: 'voltix', emailDomain: 'scs.tiktokw.us' },
  { id: '7494001000000000002', name: 'Voltix UK', region: 'GB', currency: 'GBP', lang: 'en', brand: 'voltix', emailDomain: 'scs.tiktokw.eu' },
  { id: '7494001000000000003', name: 'Lumière DE', region: 'DE', currency: 'EUR', lang: 'de', brand: 'lumiere', emailDomain: 'scs.tiktokw.eu' },
  { id: '7494001000000000004', name: 'Lumière FR', region: 'FR', currency: 'EUR', lang: 'fr', brand: 'lumiere', emailDomain: 'scs.tiktokw.eu' },
  { id: '7494001000000000005', name: 'Lumière IT', region: 'IT', currency: 'EUR', lang: 'it', brand: 'lumiere', emailDomain: 'scs.tiktokw.eu' },
  { id: '7494001000000000006', name: 'Lumière ES', region: 'ES', currency: 'EUR', lang: 'es', brand: 'lumiere', emailDomain: 'scs.tiktokw.eu' },
];

export interface ProductSpec {
  key: string;
  name: string;
  sku: string;
  skuName: string;
  category: 'electronics' | 'jewellery' | 'designer_fashion' | 'home_appliances';
  /** Price in minor units of USD/GBP/EUR (same number; the demo does not convert). */
  price: number;
  weight: number;
}

export const CATALOGUES: Record<ShopSpec['brand'], ProductSpec[]> = {
  voltix: [
    { key: 'airpro', name: 'Voltix AirPro Max Wireless Headphones', sku: 'VX-APM-BLK', skuName: 'Midnight Black', category: 'electronics', price: 34900, weight: 5 },
    { key: 'boom', name: 'Voltix Boom 360 Speaker', sku: 'VX-B360-GRY', skuName: 'Graphite', category: 'electronics', price: 22900, weight: 4 },
    { key: 'powercore', name: 'Voltix PowerCore 20K Power Bank', sku: 'VX-PC20K', skuName: '20,000 mAh', category: 'electronics', price: 12900, weight: 6 },
    { key: 'watch', name: 'Voltix Pulse Smartwatch', sku: 'VX-PLS-44', skuName: '44 mm Titanium', category: 'electronics', price: 39900, weight: 3 },
    { key: 'brew', name: 'Voltix BrewMaster Espresso Machine', sku: 'VX-BRW-PRO', skuName: 'Brushed Steel', category: 'home_appliances', price: 59900, weight: 2 },
    { key: 'vac', name: 'Voltix Glide S9 Robot Vacuum', sku: 'VX-GS9', skuName: 'White', category: 'home_appliances', price: 79900, weight: 2 },
  ],
  lumiere: [
    { key: 'aurore', name: 'Sac Aurore Leather Handbag', sku: 'LM-AUR-RP', skuName: 'Rose Poudré', category: 'designer_fashion', price: 129000, weight: 5 },
    { key: 'jacket', name: 'Veste Camille Hand-Tanned Leather Jacket', sku: 'LM-CAM-38', skuName: 'Cognac / 38', category: 'designer_fashion', price: 98000, weight: 3 },
    { key: 'scarf', name: 'Foulard Soie Étoile Silk Scarf', sku: 'LM-SOIE-ET', skuName: 'Bleu Nuit', category: 'designer_fashion', price: 24000, weight: 4 },
    { key: 'necklace', name: 'Collier Lune 18k Gold Necklace', sku: 'LM-LUNE-18K', skuName: '45 cm', category: 'jewellery', price: 89000, weight: 3 },
    { key: 'earrings', name: 'Boucles Éclat Diamond Earrings', sku: 'LM-ECL-DIA', skuName: '0.5 ct', category: 'jewellery', price: 145000, weight: 2 },
  ],
};

export interface SourceSpec {
  type: 'LIVE' | 'VIDEO' | 'ADS' | 'ORGANIC';
  id: string;
  name: string;
  /** Which product the source pushes (orders from it mostly buy this). */
  product?: string;
  weight: number;
}

export function sourcesFor(shop: ShopSpec): SourceSpec[] {
  const n = shop.id.slice(-1);
  if (shop.brand === 'voltix') {
    return [
      { type: 'ADS', id: `17300${n}0000000001`, name: `${shop.region} Black Friday retargeting — AirPro Max`, product: 'airpro', weight: 3 },
      { type: 'ADS', id: `17300${n}0000000002`, name: `${shop.region} Kitchen upgrade — BrewMaster`, product: 'brew', weight: 2 },
      { type: 'VIDEO', id: `72990${n}0000000001`, name: '@techwithjay: "PowerCore 20K lasts a whole week!"', product: 'powercore', weight: 4 },
      { type: 'VIDEO', id: `72990${n}0000000002`, name: '@homehacks_hannah: Glide S9 one-month review', product: 'vac', weight: 2 },
      { type: 'LIVE', id: `73110${n}0000000001`, name: 'Voltix Live: Singles Day audio drop', product: 'boom', weight: 2 },
      { type: 'ORGANIC', id: '', name: '', weight: 4 },
    ];
  }
  return [
    { type: 'LIVE', id: `73110${n}0000000007`, name: 'Lumière Live — Rose Poudré launch (studio lights)', product: 'aurore', weight: 5 },
    { type: 'LIVE', id: `73110${n}0000000008`, name: 'Lumière Live — fine jewellery evening', product: 'necklace', weight: 2 },
    { type: 'VIDEO', id: `72990${n}0000000005`, name: '@stylebyclaire: Veste Camille try-on', product: 'jacket', weight: 2 },
    { type: 'ADS', id: `17300${n}0000000009`, name: `${shop.region} Gifting — Boucles Éclat`, product: 'earrings', weight: 2 },
    { type: 'ORGANIC', id: '', name: '', weight: 4 },
  ];
}

export const FIRST_NAMES: Record<Lang, string[]> = {
  en: ['Emma', 'Olivia', 'Liam', 'Noah', 'Ava', 'Sophia', 'James', 'Mason', 'Harper', 'Ella', 'Jack', 'Chloe'],
  de: ['Lena', 'Jonas', 'Mia', 'Lukas', 'Hannah', 'Felix', 'Leonie', 'Paul', 'Sophie', 'Maximilian'],
  fr: ['Camille', 'Léa', 'Hugo', 'Chloé', 'Louis', 'Manon', 'Jules', 'Inès', 'Gabriel', 'Zoé'],
  it: ['Giulia', 'Marco', 'Sofia', 'Alessandro', 'Chiara', 'Lorenzo', 'Francesca', 'Matteo'],
  es: ['Lucía', 'Pablo', 'Carmen', 'Javier', 'Sofía', 'Diego', 'Martina', 'Álvaro'],
};
export const LAST_INITIALS = 'ABCDEFGHKLMNPRSTVW';

export type Topic = 'where' | 'colour' | 'battery' | 'smell' | 'damaged' | 'size' | 'thanks';

/** Buyer messages per language and topic. */
export const BUYER_TEXTS: Record<Lang, Record<Topic, string[]>> = {
  en: {
    where: ['Hi, my order still shows in transit. When will it arrive?', 'Hello, can you tell me where my parcel is? The tracking has not moved for 3 days.'],
    colour: ['The bag looked pink in the livestream but it is beige in daylight. I want to return it.', 'Colour is nothing like on the live. Very disappointed.'],
    battery: ['The video said the PowerCore lasts a week, mine is empty after two days of normal use.', 'Battery life is not as advertised in the creator video. Can I get a refund?'],
    smell: ['The jacket has a strong leather smell, is that normal?'],
    damaged: ['The box arrived crushed and the item has a scratch. Photos attached.', 'It arrived broken, please help.'],
    size: ['The size runs small, can I exchange for a bigger one?'],
    thanks: ['Thank you, that helps!', 'Great, thanks for the quick answer.'],
  },
  de: {
    where: ['Hallo, meine Bestellung ist seit Tagen unterwegs. Wann kommt sie an?', 'Wo ist mein Paket? Die Sendungsverfolgung bewegt sich nicht.'],
    colour: ['Im Livestream sah die Tasche rosa aus, in echt ist sie beige. Ich möchte sie zurückgeben.', 'Die Farbe ist ganz anders als im Live. Sehr enttäuscht.'],
    battery: ['Im Video hieß es, der Akku hält eine Woche – bei mir nach zwei Tagen leer.'],
    smell: ['Die Jacke riecht sehr stark nach Leder, ist das normal?'],
    damaged: ['Der Karton war eingedrückt und der Artikel hat einen Kratzer. Fotos anbei.'],
    size: ['Die Größe fällt klein aus, kann ich umtauschen?'],
    thanks: ['Danke, das hilft mir!', 'Super, vielen Dank für die schnelle Antwort.'],
  },
  fr: {
    where: ['Bonjour, ma commande est toujours en transit. Quand arrivera-t-elle ?', 'Où est mon colis ? Le suivi ne bouge plus depuis 3 jours.'],
    colour: ['Le sac paraissait rose pendant le live, il est beige à la lumière du jour. Je veux le retourner.', 'La couleur ne correspond pas du tout au live. Très déçue.'],
    battery: ["La vidéo disait une semaine d'autonomie, la mienne est vide après deux jours."],
    smell: ['La veste sent très fort le cuir, est-ce normal ?'],
    damaged: ["Le carton est arrivé écrasé et l'article est rayé. Photos jointes."],
    size: ['La taille est petite, puis-je échanger ?'],
    thanks: ['Merci, cela m’aide beaucoup !', 'Parfait, merci pour la réponse rapide.'],
  },
  it: {
    where: ['Ciao, il mio ordine è ancora in transito. Quando arriverà?'],
    colour: ['Nella diretta la borsa sembrava rosa, alla luce del giorno è beige. Vorrei restituirla.'],
    battery: ['Il video diceva che la batteria dura una settimana, la mia è scarica dopo due giorni.'],
    smell: ['La giacca ha un odore di pelle molto forte, è normale?'],
    damaged: ['La scatola è arrivata schiacciata e l’articolo è graffiato. Foto allegate.'],
    size: ['La taglia è piccola, posso cambiarla?'],
    thanks: ['Grazie mille!', 'Perfetto, grazie per la risposta veloce.'],
  },
  es: {
    where: ['Hola, mi pedido sigue en tránsito. ¿Cuándo llegará?'],
    colour: ['En el directo el bolso parecía rosa, pero a la luz del día es beige. Quiero devolverlo.'],
    battery: ['El vídeo decía que la batería dura una semana, la mía se agota en dos días.'],
    smell: ['La chaqueta huele mucho a cuero, ¿es normal?'],
    damaged: ['La caja llegó aplastada y el artículo tiene un arañazo. Adjunto fotos.'],
    size: ['La talla es pequeña, ¿puedo cambiarla?'],
    thanks: ['¡Gracias, me ayuda mucho!', 'Perfecto, gracias por la rápida respuesta.'],
  },
};

export interface ReasonSpec {
  code: string;
  text: Record<Lang, string>;
}

export const RETURN_REASONS: Record<'colour' | 'battery' | 'damaged' | 'size' | 'changed_mind', ReasonSpec> = {
  colour: {
    code: 'ecom_order_delivered_refund_and_return_reason_not_as_described',
    text: { en: 'Colour differs from the livestream', de: 'Farbe weicht vom Livestream ab', fr: 'Couleur différente du live', it: 'Colore diverso dalla diretta', es: 'Color distinto al del directo' },
  },
  battery: {
    code: 'ecom_order_delivered_refund_and_return_reason_not_as_described',
    text: { en: 'Battery life not as described', de: 'Akkulaufzeit nicht wie beschrieben', fr: 'Autonomie non conforme', it: 'Durata batteria non conforme', es: 'Batería no como se describe' },
  },
  damaged: {
    code: 'ecom_order_delivered_refund_and_return_reason_damaged',
    text: { en: 'Item damaged', de: 'Artikel beschädigt', fr: 'Article endommagé', it: 'Articolo danneggiato', es: 'Artículo dañado' },
  },
  size: {
    code: 'ecom_order_delivered_refund_and_return_reason_wrong_size',
    text: { en: 'Wrong size', de: 'Falsche Größe', fr: 'Mauvaise taille', it: 'Taglia sbagliata', es: 'Talla incorrecta' },
  },
  changed_mind: {
    code: 'ecom_order_delivered_refund_and_return_reason_no_longer_needed',
    text: { en: 'No longer needed', de: 'Nicht mehr benötigt', fr: "Je n'en ai plus besoin", it: 'Non più necessario', es: 'Ya no lo necesito' },
  },
};

export const CARRIERS: Record<string, string> = { US: 'UPS', GB: 'Royal Mail', DE: 'DHL', FR: 'Colissimo', IT: 'BRT', ES: 'Correos' };

export interface ListingSpec {
  description: string;
  category: string;
  attributes: { name: string; values: string[] }[];
  /** A size-chart image on the listing. */
  sizeChart?: boolean;
  images: number;
}

/**
 * What each product page says. Planted gaps: the PowerCore's page never states battery life (buyers
 * keep asking), the Sac Aurore has no colour note, and the Veste Camille does not warn that
 * hand-tanned leather smells at first.
 */
export const LISTINGS: Record<string, ListingSpec> = {
  airpro: { category: 'Headphones', images: 6, description: '<p>Over-ear wireless headphones with active noise cancelling. Bluetooth 5.3, works with iPhone and Android. Up to 40 hours of battery; a 10-minute charge gives 5 hours. Colour: Midnight Black.</p>', attributes: [{ name: 'Warranty Period', values: ['24 months'] }, { name: 'Connectivity', values: ['Bluetooth 5.3'] }] },
  boom: { category: 'Speakers', images: 5, description: '<p>360° portable speaker, IP67. 20 hours of battery, USB-C charging. Pairs with any Bluetooth phone or tablet.</p>', attributes: [{ name: 'Warranty Period', values: ['12 months'] }, { name: 'Colour', values: ['Graphite'] }] },
  powercore: { category: 'Power Banks', images: 4, description: '<p>Slim aluminium body with two USB-C ports and an LED display. Fits in a jacket pocket.</p>', attributes: [{ name: 'Material', values: ['Aluminium'] }, { name: 'Colour', values: ['Black'] }] },
  watch: { category: 'Smart Watches', images: 6, description: '<p>Titanium smartwatch, 44 mm. Compatible with iPhone (iOS 16+) and Android 10+. Battery lasts up to 7 days; magnetic charger included.</p>', attributes: [{ name: 'Warranty Period', values: ['24 months'] }, { name: 'Strap material', values: ['Silicone'] }] },
  brew: { category: 'Coffee Machines', images: 7, description: '<p>15-bar espresso machine, 1.8 L tank, 230 V with EU plug (UK plug in UK shops). Descale monthly with the included descaler; the manual explains set-up in 5 steps.</p>', attributes: [{ name: 'Warranty Period', values: ['24 months'] }, { name: 'Voltage', values: ['220-240 V'] }] },
  vac: { category: 'Robot Vacuums', images: 6, description: '<p>Robot vacuum with LiDAR mapping. 180 minutes runtime per charge. Set up in the Voltix app in minutes: no assembly needed. Works with Alexa and Google Home.</p>', attributes: [{ name: 'Warranty Period', values: ['24 months'] }] },
  aurore: { category: 'Handbags', images: 5, description: '<p>Full-grain leather handbag, gold-tone hardware, cotton lining. Dimensions 28 × 20 × 11 cm.</p>', attributes: [{ name: 'Material', values: ['Full-grain leather'] }] },
  jacket: { category: 'Leather Jackets', images: 6, sizeChart: true, description: '<p>Hand-tanned lamb leather jacket, viscose lining, two inner pockets. Wipe with a damp cloth; leather care balm twice a year.</p>', attributes: [{ name: 'Material', values: ['Lamb leather'] }, { name: 'Lining', values: ['Viscose'] }] },
  scarf: { category: 'Scarves', images: 4, description: '<p>Pure silk twill scarf, 90 × 90 cm, hand-rolled edges. Dry clean only.</p>', attributes: [{ name: 'Material', values: ['100% silk'] }] },
  necklace: { category: 'Necklaces', images: 5, description: '<p>Solid 18k gold necklace, 45 cm chain with extender at 42 cm. Nickel-free. Comes in a gift box.</p>', attributes: [{ name: 'Material', values: ['18k gold'] }, { name: 'Warranty Period', values: ['24 months'] }] },
  earrings: { category: 'Earrings', images: 5, description: '<p>Diamond stud earrings, 0.5 ct total, 18k white gold settings. Certificate included. Clean with a soft brush and warm soapy water.</p>', attributes: [{ name: 'Material', values: ['18k white gold', 'Diamond'] }, { name: 'Warranty Period', values: ['24 months'] }] },
};
