import { readdirSync, readFileSync } from 'node:fs';

/** Helpers around a dyno's process group (the dyno is spawned detached, so its pgid is its pid). */

export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    // EPERM means a member exists that we may not signal (cannot happen for our own dynos as root).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Resolves true once no process of the group is left, false after `timeoutMs`. There is no
 * event for "a process group became empty" (grandchildren are not our children), so this polls.
 */
export async function waitGroupGone(pgid: number, timeoutMs: number, intervalMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(intervalMs, Math.max(1, deadline - Date.now()))),
    );
  }
  return true;
}

/**
 * True while a process of the group is alive, zombies excepted: a killed orphan (its parent, a dead server, is
 * gone) stays a zombie until the machine's init reaps it, which some inits do late or never, and a zombie holds
 * nothing. Reads /proc (Linux); for the orphan sweep, where the processes are not our children.
 */
export function groupHasLiveMembers(pgid: number): boolean {
  if (!groupAlive(pgid)) return false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name (which may hold spaces and parentheses): state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}
