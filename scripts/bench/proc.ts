import { readdir, readFile } from 'node:fs/promises';

/** Linux /proc readings: RSS, CPU ticks (USER_HZ = 100), process trees. */

export async function procStat(
  pid: number,
): Promise<{ ppid: number; comm: string; cpuTicks: number } | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!text) return null;
  const close = text.lastIndexOf(')'); // comm may hold spaces and parentheses
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  return { ppid: Number(f[1]), comm, cpuTicks: Number(f[11]) + Number(f[12]) };
}

/** A field of /proc/<pid>/status in bytes (VmRSS, RssAnon, RssFile, RssShmem). */
export async function statusBytes(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

export const rssBytes = (pid: number) => statusBytes(pid, 'VmRSS');

export async function cpuTicks(pids: number[]): Promise<number> {
  let total = 0;
  for (const p of pids) total += (await procStat(p))?.cpuTicks ?? 0;
  return total;
}

/** Descendants of a pid whose command name matches. */
export async function descendants(root: number, comm: RegExp): Promise<number[]> {
  const all = new Map<number, { ppid: number; comm: string }>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = await procStat(Number(name));
    if (st) all.set(Number(name), st);
  }
  const out: number[] = [];
  for (const [pid, st] of all) {
    let p = st.ppid;
    while (p > 1 && p !== root) p = all.get(p)?.ppid ?? 0;
    if (p === root && comm.test(st.comm)) out.push(pid);
  }
  return out;
}
