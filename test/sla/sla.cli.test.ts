import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/afterdesk.js');

/** Runs the real CLI with a database URL nothing listens on and an empty data dir: no database may be touched. */
function cli(args: string[]) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'afterdesk-sla-cli-'));
  try {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:1/none' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, dataDirEntries: fs.readdirSync(dataDir) };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('afterdesk sla due', () => {
  it('prints the due instant in ISO 8601 with offset, without a database', () => {
    const r = cli(['sla', 'due', '--timezone', 'Europe/Berlin', '--country', 'DE', '--region', 'BY', '--hours', 'Mon-Fri 09:00-18:00', '--start', '2026-01-09T17:30:00+01:00', '--minutes', '60']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('2026-01-12T09:30:00+01:00\n');
    expect(r.code).toBe(0);
    expect(r.dataDirEntries).toEqual([]);
  });

  it('crosses the spring-forward weekend and a Bavarian holiday', () => {
    expect(cli(['sla', 'due', '--timezone', 'Europe/Berlin', '--country', 'DE', '--hours', 'Mon-Fri 09:00-18:00; Sat 10:00-14:00', '--start', '2026-03-27T17:30:00+01:00', '--minutes', '300']).stdout).toBe(
      '2026-03-30T09:30:00+02:00\n', // 30 min Friday + 240 Saturday + 30 Monday
    );
    expect(cli(['sla', 'due', '--timezone', 'Europe/Berlin', '--country', 'DE', '--region', 'BY', '--hours', 'Mon-Fri 09:00-18:00', '--start', '2026-06-03T17:30:00+02:00', '--minutes', '60']).stdout).toBe(
      '2026-06-05T09:30:00+02:00\n',
    );
  });

  it('--explain lists the intervals consumed and the holidays skipped', () => {
    const r = cli(['sla', 'due', '--timezone', 'America/New_York', '--country', 'US', '--hours', 'Mon-Fri 09:00-18:00', '--start', '2026-11-25T17:30:00-05:00', '--minutes', '60', '--explain']);
    expect(r.stdout.split('\n')).toEqual([
      '2026-11-27T09:30:00-05:00',
      '  60 business minutes from 2026-11-25T17:30:00-05:00 in America/New_York; hours: Mon-Fri 09:00-18:00',
      '  2026-11-25T17:30:00-05:00 → 2026-11-25T18:00:00-05:00  30 min',
      '  2026-11-27T09:00:00-05:00 → 2026-11-27T09:30:00-05:00  30 min',
      '  skipped holiday 2026-11-26 Thanksgiving Day',
      '',
    ]);
  });

  it.each([
    [['--hours', 'Mox-Fri 09:00-18:00'], 'error: --hours: unknown day "Mox" in "Mox-Fri 09:00-18:00" (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)\n'],
    [['--timezone', 'Europe/Berln'], 'error: --timezone: unknown time zone "Europe/Berln"; use an IANA name such as Europe/Berlin\n'],
    [['--minutes', '1.5'], 'error: --minutes: "1.5" is not a whole number of minutes\n'],
    [['--start', 'friday'], 'error: --start: cannot read "friday"; use ISO 8601 such as 2026-03-27T17:30:00+01:00\n'],
    [['--region', 'XY'], /^error: --region: must be one of BB, BE, BW, BY/],
  ] as const)('names the bad option: %j', (patch, expected) => {
    const opts: Record<string, string> = { '--timezone': 'Europe/Berlin', '--country': 'DE', '--hours': 'Mon-Fri 09:00-18:00', '--start': '2026-01-09T17:30:00+01:00', '--minutes': '60' };
    opts[patch[0]] = patch[1];
    const r = cli(['sla', 'due', ...Object.entries(opts).flat()]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    if (typeof expected === 'string') expect(r.stderr).toBe(expected);
    else expect(r.stderr).toMatch(expected);
  });

  it('a missing option is named by the parser', () => {
    const r = cli(['sla', 'due', '--timezone', 'Europe/Berlin', '--country', 'DE', '--hours', 'Mon-Fri 09:00-18:00', '--start', '2026-01-09T17:30:00+01:00']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("required option '--minutes <n>' not specified");
  });
});
