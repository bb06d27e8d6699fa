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

export interface DemoWorld {
  orgId: string;
  created: boolean;
  logins: DemoLogin[];
}

/**
 * The demo organisation: two client brands, shops in US, UK, DE, FR, IT and ES (one per sandbox
 * shop, so the demo start binds all six), and a person for every role. Idempotent: a second run
 * finds the owner and only adds the demo shops an older seed did not create (IT and ES).
 */
export async function seedDemo(p: Platform, s: Services): Promise<DemoWorld> {
  const logins = DEMO_USERS.map(({ email, role, name, languages }) => ({ email, role, name, languages }));
  const existing = await p.db.system((tx) => orgOfUserEmail(tx, DEMO_USERS[0]!.email));
  if (existing) {
    await addLaterDemoShops(s, existing);
    return { orgId: existing, created: false, logins };
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
  return { orgId: org.orgId, created: true, logins };
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
  out('');
  if (running) {
    out('  Press Ctrl-C to stop (PostgreSQL shuts down cleanly).');
    out('');
  }
}
