import type { Command } from 'commander';
import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import { systemActor } from '../../platform/tenancy.js';
import { fail, withRuntime } from '../context.js';
import { zodIssues } from '../../platform/validation.js';

const StatsOptions = z.strictObject({
  org: z.string().min(1),
  days: z.coerce.number().int().min(1).max(365).default(30),
  shop: z.string().min(1).optional(),
  json: z.boolean().optional(),
});
const AttentionOptions = z.strictObject({ org: z.string().min(1), json: z.boolean().optional() });

function parse<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) throw AppError.validation('cli.invalid', 'Invalid options', zodIssues(r.error, { prefix: '--' }));
  return r.data;
}

export function hours(ms: number | null): string {
  if (ms === null) return '—';
  const h = ms / 3_600_000;
  return h >= 48 ? `${(h / 24).toFixed(1)} d` : `${h.toFixed(1)} h`;
}

export function registerReturnsCommands(program: Command): void {
  const ret = program.command('returns').description('Returns (RMA): cycle times and the steps that slow them');
  ret
    .command('cycle-times')
    .description('Request → refund over the returns refunded in the last N days: median, p90, mean per step, slowest step')
    .requiredOption('--org <orgId>', 'organisation')
    .option('--days <n>', 'look-back window in days', '30')
    .option('--shop <shopId>', 'only this shop')
    .option('--json', 'print JSON')
    .action(async (raw: Record<string, unknown>) => {
      try {
        const o = parse(StatsOptions, raw);
        await withRuntime(async (_p, s) => {
          const st = await s.returns.cycleStats(systemActor(o.org), { days: o.days, shopId: o.shop });
          if (o.json) return void console.log(JSON.stringify(st, null, 2));
          console.log(`${st.count} returns refunded in the last ${st.days} days`);
          console.log(`median request → refund: ${hours(st.medianMs)}   p90: ${hours(st.p90Ms)}`);
          for (const m of st.meanByStep) console.log(`  ${m.step.padEnd(24)} mean ${hours(m.ms)}`);
          const top = st.slowestSteps[0];
          if (top) console.log(`slowest step most often: ${top.step} (${top.count} of ${st.count})`);
        });
      } catch (e) {
        fail(e);
      }
    });

  const rem = program.command('remedies').description('Remedies: what waits for a supervisor, what failed');
  rem
    .command('attention')
    .description('List remedies waiting for approval or parked on a failed step')
    .requiredOption('--org <orgId>', 'organisation')
    .option('--json', 'print JSON')
    .action(async (raw: Record<string, unknown>) => {
      try {
        const o = parse(AttentionOptions, raw);
        await withRuntime(async (_p, s) => {
          const actor = systemActor(o.org);
          const rows = [...(await s.remedies.list(actor, { status: 'pending_approval' })), ...(await s.remedies.list(actor, { status: 'attention' }))];
          if (o.json) return void console.log(JSON.stringify(rows, null, 2));
          if (!rows.length) return void console.log('Nothing waits for a decision.');
          for (const r of rows) {
            const what = r.status === 'attention' ? `step ${r.failedStep} failed: ${r.steps.find((x) => x.step === r.failedStep)?.lastError ?? '?'}` : `waits for approval (${r.limitCheck}): ${r.approvalReason ?? ''}`;
            console.log(`${r.id}  ${r.optionKey.padEnd(28)} ${String(r.refundAmount).padStart(8)} ${r.currency}  ${what}`);
          }
        });
      } catch (e) {
        fail(e);
      }
    });
}
