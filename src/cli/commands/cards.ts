import fs from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import { systemActor } from '../../platform/tenancy.js';
import { zodIssues } from '../../platform/validation.js';
import { fail, withRuntime } from '../context.js';

const PrintOptions = z
  .strictObject({
    shop: z.string().min(1),
    org: z.string().min(1).optional(),
    orders: z.string().min(1).optional(),
    since: z.iso.date().or(z.iso.datetime({ offset: true })).optional(),
    size: z.enum(['a6', 'label']).default('a6'),
    language: z.enum(['en', 'de', 'fr', 'it', 'es']).default('en'),
    holdout: z.coerce.number().int().min(0).max(50).optional(),
    out: z.string().min(1),
  })
  .refine((o) => !!o.orders !== !!o.since, { message: 'give either --orders or --since', path: ['orders'] });

export function registerCardsCommands(program: Command): void {
  const cards = program.command('cards').description('After-sales cards with a per-order QR code');
  cards
    .command('print')
    .description('Print one PDF of cards for a batch of orders (the hold-out share gets none; it is recorded)')
    .requiredOption('--shop <shopId>', 'shop')
    .option('--org <orgId>', 'organisation (found from the shop when omitted)')
    .option('--orders <ids>', 'comma-separated order ids')
    .option('--since <date>', 'every order of the shop placed since this date')
    .option('--size <a6|label>', 'A6 or 4×6 in label', 'a6')
    .option('--language <en|de|fr|it|es>', 'card language', 'en')
    .option('--holdout <percent>', 'share of orders that gets no card (default 10)')
    .requiredOption('--out <file>', 'PDF to write')
    .action(async (raw: Record<string, unknown>) => {
      try {
        const r = PrintOptions.safeParse(raw);
        if (!r.success) throw AppError.validation('cli.invalid', 'Invalid options', zodIssues(r.error, { prefix: '--' }));
        const o = r.data;
        await withRuntime(async (_p, s) => {
          const orgId = o.org ?? (await s.portal.orgOfShop(o.shop));
          if (!orgId) throw AppError.notFound('shop', o.shop);
          const bar = new cliProgress.SingleBar({ format: 'cards [{bar}] {value}/{total}', hideCursor: true, clearOnComplete: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
          let started = false;
          const { batch, pdf } = await s.portal.printCards(systemActor(orgId), {
            shopId: o.shop,
            orderIds: o.orders?.split(',').map((x) => x.trim()).filter(Boolean),
            since: o.since ? new Date(o.since) : undefined,
            size: o.size,
            language: o.language,
            holdoutPercent: o.holdout,
            onProgress: (done, total) => {
              if (!started) {
                bar.start(total, 0);
                started = true;
              }
              bar.update(done);
            },
          });
          if (started) bar.stop();
          fs.writeFileSync(o.out, pdf);
          console.log(`batch ${batch.id}: ${batch.cardCount} cards for ${batch.orderCount} orders (${batch.holdoutOrderIds.length} held out) → ${o.out}`);
        });
      } catch (e) {
        fail(e);
      }
    });
}
