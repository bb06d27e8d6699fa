import type { Command } from 'commander';
import { isAppError } from '../../platform/errors.js';
import { computeDue } from '../../modules/sla/sla.calculator.js';
import { fail, withRuntime } from '../context.js';

interface DueOptions {
  timezone: string;
  country: string;
  region?: string;
  hours: string;
  start: string;
  minutes: string;
  mode: string;
  explain?: boolean;
  json?: boolean;
}

/** Usage errors name the option the operator has to fix, then exit 2 (like commander's own). */
function usage(option: string, message: string): never {
  console.error(`error: ${option}: ${message}`);
  process.exit(2);
}

export function registerSlaCommands(program: Command): void {
  const sla = program.command('sla').description('SLA tools: explain due times, fire timers that fell due');

  sla
    .command('due')
    .description('Print the due instant (ISO 8601 with offset) after N minutes of business time; needs no database')
    .requiredOption('--timezone <zone>', 'IANA time zone, e.g. Europe/Berlin')
    .requiredOption('--country <code>', 'country for public holidays, e.g. DE')
    .option('--region <code>', 'region for regional holidays, e.g. BY (Bavaria)')
    .requiredOption('--hours <spec>', 'business hours, e.g. "Mon-Fri 09:00-18:00; Sat 10:00-14:00" or "24/7"')
    .requiredOption('--start <iso>', 'start instant, e.g. 2026-03-27T17:30:00+01:00')
    .requiredOption('--minutes <n>', 'target in minutes')
    .option('--mode <mode>', 'business (hours and holidays count) or calendar (plain addition)', 'business')
    .option('--explain', 'also print the business intervals consumed and the holidays skipped')
    .option('--json', 'print the whole calculation as JSON')
    .addHelpText('after', '\nExample:\n  afterdesk sla due --timezone Europe/Berlin --country DE --region BY --hours "Mon-Fri 09:00-18:00" --start 2026-01-09T17:30:00+01:00 --minutes 60\n  2026-01-12T09:30:00+01:00')
    .action((o: DueOptions) => {
      if (!/^\d+$/.test(o.minutes.trim())) usage('--minutes', `"${o.minutes}" is not a whole number of minutes`);
      if (o.mode !== 'business' && o.mode !== 'calendar') usage('--mode', `"${o.mode}" must be business or calendar`);
      try {
        const r = computeDue(
          { timezone: o.timezone, country: o.country, region: o.region, hours: o.hours, start: o.start, minutes: Number(o.minutes), mode: o.mode },
          { timezone: '--timezone', country: '--country', region: '--region', hours: '--hours', start: '--start', minutes: '--minutes' },
        );
        if (o.json) {
          console.log(JSON.stringify(r, null, 2));
          return;
        }
        console.log(r.due);
        if (o.explain) {
          console.log(`  ${r.minutes} ${r.mode} minutes from ${r.start} in ${r.timeZone}; hours: ${r.hours}`);
          for (const s of r.segments) console.log(`  ${s.from} → ${s.to}  ${s.minutes} min`);
          for (const h of r.holidaysSkipped) console.log(`  skipped holiday ${h.date} ${h.name}`);
        }
      } catch (e) {
        if (isAppError(e) && e.kind === 'validation') {
          const issue = (e.details as { issues?: { field: string; message: string }[] } | undefined)?.issues?.[0];
          if (issue) usage(issue.field, issue.message);
        }
        fail(e);
      }
    });

  sla
    .command('run-timers')
    .description('Fire every SLA warning, breach and escalation whose instant has passed (catch-up after downtime)')
    .action(async () => {
      try {
        const r = await withRuntime(async (_p, s) => s.sla.runDueTimers());
        console.log(`warnings ${r.warnings}, breaches ${r.breaches}, escalations ${r.escalations}`);
      } catch (e) {
        fail(e);
      }
    });
}
