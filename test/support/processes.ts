import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * The host pid of a process-runtime dyno's process that reports `nsPid` as its own pid. As root a dyno runs
 * in a PID namespace of its own, so the app sees a small pid of that namespace (without root, the two are the
 * same). The dyno is told apart by its working directory, `<dynos dir>/<dyno id>/app`, which no other dyno
 * shares. null when no such process runs.
 */
export async function hostPid(dynoId: string, nsPid: number): Promise<number | null> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    const nspids = /^NSpid:\s+(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
    if (Number(nspids.at(-1)) !== nsPid) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cwd.endsWith(`/${dynoId}/app`)) return Number(entry);
  }
  return null;
}
