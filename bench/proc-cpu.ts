import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/**
 * CPU time from /proc, for benchmarks that report CPU per operation next to throughput (on a shared
 * machine the CPU a request costs is steadier than how many requests fit in a second).
 */
const HZ = 100;

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks (reaped children fold into their parent). */
  ticks: number;
}

function readProcs(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      out.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch {
      // ended while we read it
    }
  }
  return out;
}

/** CPU ms of each named root's process tree (e.g. `{ server, pg }`). */
export function treeCpuMs(roots: Record<string, number>): Record<string, number> {
  const procs = readProcs();
  const kids = new Map<number, number[]>();
  for (const [pid, s] of procs) kids.set(s.ppid, [...(kids.get(s.ppid) ?? []), pid]);
  const out: Record<string, number> = {};
  for (const [name, root] of Object.entries(roots)) {
    let t = 0;
    const stack = [root];
    while (stack.length) {
      const p = stack.pop()!;
      t += procs.get(p)?.ticks ?? 0;
      stack.push(...(kids.get(p) ?? []));
    }
    out[name] = (t * 1000) / HZ;
  }
  return out;
}

/** A process's resident memory now and at its peak (`VmRSS`, `VmHWM` from /proc/<pid>/status), in MB; null when unreadable. */
export function residentMb(pid: number): { now: number; peak: number } | null {
  try {
    const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(st)?.[1] ?? NaN);
    const now = kb('VmRSS');
    const peak = kb('VmHWM');
    return Number.isFinite(now) && Number.isFinite(peak) ? { now: now / 1024, peak: peak / 1024 } : null;
  } catch {
    return null;
  }
}

/** The parent of a process (null when it has ended). */
export function parentPid(pid: number): number | null {
  return readProcs().get(pid)?.ppid ?? null;
}

/** The pid of the Postgres postmaster serving `adminUrl` (from its data directory's postmaster.pid). */
export async function postmasterPid(adminUrl: string): Promise<number> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const dir = (await c.query('show data_directory')).rows[0].data_directory as string;
    return Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } finally {
    await c.end();
  }
}
