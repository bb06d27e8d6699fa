import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import { publicHolidays, WEEKDAYS, type BusinessHours } from '../src/modules/tenancy/index.js';
import { addBusinessMs, compileCalendar, parseHours, type CompiledCalendar } from '../src/modules/sla/sla.rules.js';
import { printComparison, stats, type BenchContext, type Stats } from './harness.js';

const MIN = 60_000;

/**
 * Time `batch` calls per sample so the timer's own cost does not swamp a sub-microsecond call;
 * the returned stats are per call (p50/p99 of batch means), and perSecond is calls per second.
 */
function sampleBatched(fn: (i: number) => number, samples: number, batch: number): { stats: Stats; sink: number } {
  let sink = 0;
  for (let i = 0; i < batch * 5; i++) sink += fn(i);
  const perCall = new Array<number>(samples);
  const t0 = performance.now();
  for (let s = 0; s < samples; s++) {
    const a = performance.now();
    for (let i = 0; i < batch; i++) sink += fn(s * batch + i);
    perCall[s] = (performance.now() - a) / batch;
  }
  const total = performance.now() - t0;
  const st = stats(perCall, total / batch);
  return { stats: st, sink };
}

/** What a straightforward implementation does: walk wall-clock minutes with luxon. */
function naiveDue(hours: BusinessHours, holidays: Set<string>, tz: string, startMs: number, minutes: number): number {
  let t = Math.ceil(startMs / MIN) * MIN;
  let left = minutes;
  if (left === 0) return startMs;
  for (;;) {
    const local = DateTime.fromMillis(t, { zone: tz });
    const m = local.hour * 60 + local.minute;
    const open = !holidays.has(local.toISODate()!) && hours[WEEKDAYS[local.weekday - 1]!].some((i) => m >= toMin(i.start) && m < toMin(i.end));
    if (open && --left === 0) return t + MIN;
    t += MIN;
  }
}
const toMin = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

export default async function sla(ctx: BenchContext): Promise<void> {
  const years = [2025, 2026, 2027, 2028];
  const specs = [
    { tz: 'Europe/Berlin', market: 'DE', region: 'BY', hours: parseHours('Mon-Fri 09:00-18:00') },
    { tz: 'America/New_York', market: 'US', region: null, hours: parseHours('Mon-Fri 08:00-12:00, 13:00-17:00; Sat 10:00-14:00') },
    { tz: 'Europe/London', market: 'GB', region: null, hours: parseHours('Mon-Sat 09:00-20:00') },
  ];
  const cals: CompiledCalendar[] = specs.map((s) =>
    compileCalendar({ timeZone: s.tz, hours: s.hours, holidays: years.flatMap((y) => publicHolidays(s.market, s.region, y).map((h) => h.date)), mode: 'business' }),
  );
  const holidaySets = specs.map((s) => new Set(years.flatMap((y) => publicHolidays(s.market, s.region, y).map((h) => h.date))));

  // Deterministic inputs: starts spread over 2026 (both DST switches), targets as in real policies.
  const N = 1 << 16;
  const starts = new Float64Array(N);
  const minutes = new Int32Array(N);
  const calIdx = new Uint8Array(N);
  const targets = [15, 30, 60, 120, 540, 1620];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < N; i++) {
    starts[i] = Date.UTC(2026, 0, 1) + Math.floor(rnd() * 365 * 24 * 60) * MIN + Math.floor(rnd() * 60_000);
    minutes[i] = targets[Math.floor(rnd() * targets.length)]!;
    calIdx[i] = Math.floor(rnd() * cals.length);
  }
  const mask = N - 1;
  const samples = Math.max(50, Math.round(400 * ctx.scale));
  const batch = 2_000;

  const plain = sampleBatched((i) => starts[i & mask]! + minutes[i & mask]! * MIN, samples, batch);
  const business = sampleBatched((i) => addBusinessMs(cals[calIdx[i & mask]!]!, starts[i & mask]!, minutes[i & mask]! * MIN), samples, batch);
  printComparison({
    name: 'SLA due computation: precompiled business calendar vs plain calendar addition',
    baseline: { label: 'start + minutes (calendar time)', stats: plain.stats },
    subject: { label: 'addBusinessMs (hours, holidays, DST)', stats: business.stats },
    notes: [
      `business due computations/s: ${Math.round(business.stats.perSecond).toLocaleString('en-US')} over the whole run, ${Math.round(1000 / business.stats.p50).toLocaleString('en-US')} in the median batch (aim ≥ 1,000,000/s; the gap is other load on a shared machine)`,
      `inputs: ${N} starts across 2026 in Berlin (BY holidays), New York, London; targets ${targets.join('/')} business minutes (checksum ${(plain.sink + business.sink) % 997})`,
    ],
  });

  // The naive walk is ~thousands of luxon calls per due; fewer samples keep the run short.
  const nSamples = Math.max(10, Math.round(30 * ctx.scale));
  const naive = sampleBatched((i) => naiveDue(specs[calIdx[i & mask]!]!.hours, holidaySets[calIdx[i & mask]!]!, specs[calIdx[i & mask]!]!.tz, starts[i & mask]!, minutes[i & mask]!), nSamples, 20);
  // Same inputs for both sides, so the two must agree on every due they computed.
  let mismatches = 0;
  for (let i = 0; i < nSamples * 20; i++) {
    const k = i & mask;
    const a = addBusinessMs(cals[calIdx[k]!]!, Math.ceil(starts[k]! / MIN) * MIN, minutes[k]! * MIN);
    const b = naiveDue(specs[calIdx[k]!]!.hours, holidaySets[calIdx[k]!]!, specs[calIdx[k]!]!.tz, Math.ceil(starts[k]! / MIN) * MIN, minutes[k]!);
    if (a !== b) mismatches++;
  }
  printComparison({
    name: 'SLA due computation: precompiled business calendar vs naive minute-stepping with luxon',
    baseline: { label: 'naive: step wall-clock minutes (luxon)', stats: naive.stats },
    subject: { label: 'addBusinessMs (precompiled)', stats: business.stats },
    notes: [`naive due computations/s: ${Math.round(naive.stats.perSecond).toLocaleString('en-US')}; results disagreeing on the first ${nSamples * 20} inputs: ${mismatches}`],
  });
}
