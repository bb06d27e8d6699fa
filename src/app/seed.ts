import type { Platform, Services } from './deps.js';
import { orgOfUserEmail } from '../modules/auth/index.js';
import { systemActor } from '../platform/tenancy.js';
import { seedModuleDemo } from './modules.js';

// Must pass the password checker like any other (a product-name password does not).
export const DEMO_PASSWORD = 'lantern-parcel-demo';
export const DEMO_ORG_NAME = 'Northwind Goods (demo)';

export interface DemoLogin {
  email: string;
  role: string;
  name: string;
  languages: string[];
}

export const DEMO_USERS: (DemoLogin & { skills: string[] })[] = [
  { email: 'owner@demo.afterdesk.dev', name: 'Lin Wei', role: 'owner', languages: ['en'], skills: [] },
  { email: 'supervisor@demo.afterdesk.dev', name: 'Sarah Becker', role: 'supervisor', languages: ['en', 'de'], skills: ['escalations'] },
  { email: 'agent.en@demo.afterdesk.dev', name: 'Mia Johnson', role: 'agent', languages: ['en', 'es'], skills: ['electronics', 'livestream'] },
  { email: 'agent.eu@demo.afterdesk.dev', name: 'Luca Rossi', role: 'agent', languages: ['de', 'fr', 'it', 'en'], skills: ['jewellery', 'fashion'] },
  { email: 'warehouse@demo.afterdesk.dev', name: 'Tom Baker', role: 'warehouse', languages: ['en'], skills: [] },
];

/** A second, small client organisation, so an agency login has two to switch between. */
export const DEMO_CLIENT_ORG_NAME = 'Harbour & Pine (demo client)';

/**
 * People with more than one membership or a brand limit: an agency's account manager who works in
 * both demo organisations, and an agent of the demo seller limited to one brand.
 */
export const DEMO_AGENCY_LOGINS: (DemoLogin & { note: string })[] = [
  { email: 'agency@demo.afterdesk.dev', name: 'Ana Costa', role: 'supervisor', languages: ['en', 'es'], note: `supervisor here, owner of ${DEMO_CLIENT_ORG_NAME}` },
  { email: 'agent.voltix@demo.afterdesk.dev', name: 'Noah Kim', role: 'agent', languages: ['en'], note: 'sees the Voltix Audio brand only' },
];

export interface DemoWorld {
  orgId: string;
  created: boolean;
  logins: DemoLogin[];
  agencyLogins: (DemoLogin & { note: string })[];
}

/**
 * The demo organisation: two client brands, shops in US, UK, DE, FR, IT and ES (one per sandbox
 * shop, so the demo start binds all six), and a person for every role. Idempotent: a second run
 * finds the owner and only adds the demo shops an older seed did not create (IT and ES).
 */
export async function seedDemo(p: Platform, s: Services): Promise<DemoWorld> {
  const logins = DEMO_USERS.map(({ email, role, name, languages }) => ({ email, role, name, languages }));
  const existing = await p.db.system((tx) => orgOfUserEmail(tx, DEMO_USERS[0]!.email));
  const agencyLogins = DEMO_AGENCY_LOGINS;
  if (existing) {
    await addLaterDemoShops(s, existing);
    return { orgId: existing, created: false, logins, agencyLogins };
  }

  const org = await s.tenancy.createOrganisation({ name: DEMO_ORG_NAME, kind: 'seller', defaultLocale: 'zh-CN' });
  const owner = systemActor(org.orgId);
  for (const u of DEMO_USERS) {
    await s.auth.createUserInOrg(org.orgId, { email: u.email, name: u.name, password: DEMO_PASSWORD, role: u.role as never, languages: u.languages as never, skills: u.skills, uiLocale: u.role === 'owner' ? 'zh-CN' : 'en' });
  }
  const voltix = await s.tenancy.createBrand(owner, { name: 'Voltix Audio' });
  const lumiere = await s.tenancy.createBrand(owner, { name: 'Lumière Atelier' });
  const contacts = (market: string, email: string, phone: string) => ({
    email,
    phone,
    whatsapp: phone,
    returnWarehouse: `Afterdesk Returns ${market}, Unit 4, Local Logistics Park`,
  });
  await s.tenancy.createShop(owner, { brandId: voltix.id, name: 'Voltix US', market: 'US', supportContacts: contacts('US', 'help-us@voltix.example', '+1 212 555 0147') });
  await s.tenancy.createShop(owner, { brandId: voltix.id, name: 'Voltix UK', market: 'GB', supportContacts: contacts('UK', 'help-uk@voltix.example', '+44 20 7946 0321') });
  await s.tenancy.createShop(owner, { brandId: lumiere.id, name: 'Lumière DE', market: 'DE', region: 'BY', supportContacts: contacts('DE', 'hilfe@lumiere.example', '+49 89 5550 1234') });
  await s.tenancy.createShop(owner, { brandId: lumiere.id, name: 'Lumière FR', market: 'FR', supportContacts: contacts('FR', 'aide@lumiere.example', '+33 1 55 50 12 34') });
  await addLaterDemoShops(s, org.orgId);
  // No TikTok shop ids here: the demo start binds the sandbox's shops to these (one per market)
  // through the OAuth authorisation, the only way a shop gets one.
  await seedModuleDemo(p, s, org.orgId);
  await seedAgencyDemo(p, s, org.orgId, voltix.id);
  return { orgId: org.orgId, created: true, logins, agencyLogins };
}

/**
 * The agency side of the demo: a small second client organisation with one brand, one shop and a
 * few buyer e-mails in its inbox; an agency login that belongs to both organisations (supervisor
 * in the demo seller, owner of the client); and an agent of the demo seller limited to Voltix.
 */
async function seedAgencyDemo(p: Platform, s: Services, demoOrgId: string, voltixBrandId: string): Promise<void> {
  const ana = DEMO_AGENCY_LOGINS[0]!;
  const noah = DEMO_AGENCY_LOGINS[1]!;
  await s.auth.createUserInOrg(demoOrgId, { email: ana.email, name: ana.name, password: DEMO_PASSWORD, role: 'supervisor', languages: ['en', 'es'] });
  await s.auth.createUserInOrg(demoOrgId, { email: noah.email, name: noah.name, password: DEMO_PASSWORD, role: 'agent', languages: ['en'], skills: ['electronics'], brandIds: [voltixBrandId] });

  const client = await s.tenancy.createOrganisation({ name: DEMO_CLIENT_ORG_NAME, kind: 'seller', defaultLocale: 'en' });
  await s.auth.addMembership(client.orgId, ana.email, { role: 'owner', languages: ['en', 'es'] });
  const owner = systemActor(client.orgId);
  const brand = await s.tenancy.createBrand(owner, { name: 'Harbour & Pine Home' });
  const shop = await s.tenancy.createShop(owner, { brandId: brand.id, name: 'Harbour & Pine ES', market: 'ES', supportContacts: { email: 'ayuda@harbourpine.example' } });
  const mails = [
    { name: 'Lucía Fernández', email: 'lucia.f@example.es', text: 'Hola, la lámpara llegó con el cristal roto. ¿Podéis enviarme otra?' },
    { name: 'Javier Ortega', email: 'j.ortega@example.es', text: 'Buenos días, ¿cuándo llega mi pedido de cojines? Ya han pasado diez días.' },
    { name: 'Marta Gil', email: 'marta.gil@example.es', text: 'Quiero devolver la manta, el color no es el de la foto.' },
  ];
  for (const [i, m] of mails.entries()) {
    await s.helpdesk.ingestInbound({
      orgId: client.orgId,
      shopId: shop.id,
      channel: 'email',
      externalThreadId: `demo-hp-${i}`,
      externalMessageId: `demo-hp-${i}@mail.example`,
      buyer: { email: m.email, name: m.name, language: 'es' },
      direction: 'inbound',
      text: m.text,
      sentAt: new Date(p.clock.now().getTime() - (i + 1) * 3_600_000).toISOString(),
    });
  }
}

const demoContacts = (market: string, email: string, phone: string) => ({ email, phone, whatsapp: phone, returnWarehouse: `Afterdesk Returns ${market}, Unit 4, Local Logistics Park` });

/**
 * Lumière's Italian and Spanish shops: the sandbox has a shop in each, and without one of ours in
 * the market its authorisation stays unmatched and its webhooks are dropped as bound nowhere.
 * Demo organisations seeded before these existed get them on their next start.
 */
async function addLaterDemoShops(s: Services, orgId: string): Promise<void> {
  const owner = systemActor(orgId);
  const have = new Set((await s.tenancy.listShops(owner)).map((x) => x.market));
  const lumiere = (await s.tenancy.listBrands(owner)).find((b) => b.name === 'Lumière Atelier');
  if (!lumiere) return;
  if (!have.has('IT')) await s.tenancy.createShop(owner, { brandId: lumiere.id, name: 'Lumière IT', market: 'IT', supportContacts: demoContacts('IT', 'assistenza@lumiere.example', '+39 02 5550 1234') });
  if (!have.has('ES')) await s.tenancy.createShop(owner, { brandId: lumiere.id, name: 'Lumière ES', market: 'ES', supportContacts: demoContacts('ES', 'ayuda@lumiere.example', '+34 91 555 01 23') });
}

/** The demo's sign-in lines; `running` (the start command) adds where it runs and how to stop it. */
export function printLogins(world: DemoWorld, url: string, out: (line: string) => void = console.log, running = true): void {
  out('');
  if (running) {
    out(`  Afterdesk is running: ${url}`);
    out(`  API docs:             ${url}/docs`);
    out('');
  }
  out(`  Demo logins (password for all: ${DEMO_PASSWORD})`);
  for (const l of world.logins) out(`    ${l.role.padEnd(10)} ${l.email.padEnd(32)} ${l.name} (${l.languages.join(', ')})`);
  out('  Agency and brand-limited logins (same password)');
  for (const l of world.agencyLogins) out(`    ${l.role.padEnd(10)} ${l.email.padEnd(32)} ${l.name}: ${l.note}`);
  out('');
  if (running) {
    out('  Press Ctrl-C to stop (PostgreSQL shuts down cleanly).');
    out('');
  }
}
