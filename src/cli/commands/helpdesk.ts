import type { Command } from 'commander';
import { seedDemo } from '../../app/seed.js';
import { seedHelpdeskDemo, ticketView } from '../../modules/helpdesk/index.js';
import { systemActor } from '../../platform/tenancy.js';
import { fail, withRuntime } from '../context.js';

export function registerHelpdeskCommands(program: Command): void {
  const hd = program.command('helpdesk').description('Helpdesk: demo tickets, default macros, ticket search');

  hd.command('seed-demo')
    .description('Create the demo organisation if needed, then its e-mail/WhatsApp/livestream tickets (en, de, fr, it, es) and default macros; idempotent')
    .action(async () => {
      try {
        await withRuntime(async (p, s) => {
          const world = await seedDemo(p, s);
          const r = await seedHelpdeskDemo({ helpdesk: s.helpdesk, tenancy: s.tenancy, auth: s.auth, clock: p.clock }, world.orgId);
          console.log(`demo organisation ${world.orgId}: ${r.ticketsCreated} tickets (${r.messages} buyer messages) and ${r.macros} macros added`);
        });
      } catch (e) {
        fail(e);
      }
    });

  hd.command('seed-macros')
    .description('Add the default macros (where is my order, size/fit, colour, returns, apology) in five languages to an organisation; existing keys are kept')
    .requiredOption('--org <orgId>', 'organisation id (org_…)')
    .action(async (o: { org: string }) => {
      try {
        await withRuntime(async (_p, s) => {
          const n = await s.helpdesk.seedDefaultMacros(o.org);
          console.log(`${n} macro${n === 1 ? '' : 's'} added`);
        });
      } catch (e) {
        fail(e);
      }
    });

  hd.command('search')
    .description('Full-text search over tickets and messages of one organisation')
    .requiredOption('--org <orgId>', 'organisation id (org_…)')
    .option('--limit <n>', 'at most this many tickets', '10')
    .argument('<words...>', 'what to look for (any of en/de/fr/it/es; word forms are stemmed)')
    .action(async (words: string[], o: { org: string; limit: string }) => {
      try {
        await withRuntime(async (_p, s) => {
          const hits = await s.helpdesk.search(systemActor(o.org), words.join(' '), Math.min(100, Math.max(1, Number(o.limit) || 10)));
          if (!hits.length) console.log('no tickets found');
          for (const h of hits) {
            const t = ticketView(h.ticket);
            console.log(`#${t.number}  ${t.id}  ${t.status.padEnd(20)} ${t.language}  ${t.channel.padEnd(12)} ${t.subject}`);
            if (h.snippet) console.log(`      ${h.snippet.replace(/\s+/g, ' ')}`);
          }
        });
      } catch (e) {
        fail(e);
      }
    });
}
