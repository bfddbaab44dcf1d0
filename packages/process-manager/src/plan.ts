/**
 * The pure half of the process manager: given what should run and what runs, what to do.
 * No I/O here; the manager executes the actions (piku's to_create/to_destroy arithmetic, pulled out).
 */

export interface DesiredState {
  releaseId: string;
  /** Process types with a command in the release. */
  commands: Readonly<Record<string, string>>;
  /** type → quantity. Types without a command are ignored. */
  quantities: Readonly<Record<string, number>>;
}

export interface ObservedDyno {
  id: string;
  name: string;
  type: string;
  releaseId: string;
  running: boolean;
}

export type Action =
  /** Start `name` on the desired release. */
  | { kind: 'start'; type: string; name: string }
  /** Start `name` on the desired release, wait until it is up, then stop `oldId` (rolling, zero-downtime). */
  | { kind: 'replace'; type: string; name: string; oldId: string }
  /** Stop a dyno that should not run. */
  | { kind: 'stop'; id: string; name: string };

/** Types the formation never manages: one-offs and the release phase. */
export const UNMANAGED_TYPES: ReadonlySet<string> = new Set(['run', 'release']);

export function dynoIndex(name: string): number {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? Number.NaN : Number(name.slice(dot + 1));
}

/**
 * Actions that converge `observed` to `desired`. Ordering: starts and replacements first (web before other
 * types, low indices first), stops last, so capacity never dips below the target while converging.
 * With `desired` null (no release yet, or app being destroyed) every managed dyno is stopped.
 */
export function planFormation(desired: DesiredState | null, observed: readonly ObservedDyno[]): Action[] {
  const running = observed.filter((d) => d.running && !UNMANAGED_TYPES.has(d.type));
  const starts: Action[] = [];
  const stops: Action[] = [];
  const keep = new Set<string>();

  if (desired) {
    const types = Object.keys(desired.quantities)
      .filter((t) => !UNMANAGED_TYPES.has(t) && desired.commands[t] !== undefined)
      .sort((a, b) => (a === 'web' ? -1 : b === 'web' ? 1 : a.localeCompare(b)));
    for (const type of types) {
      const quantity = Math.max(0, Math.floor(desired.quantities[type] ?? 0));
      for (let i = 1; i <= quantity; i++) {
        const name = `${type}.${i}`;
        const same = running.filter((d) => d.name === name);
        const current = same.find((d) => d.releaseId === desired.releaseId);
        if (current) {
          keep.add(current.id);
          continue;
        }
        const old = same[0];
        if (old) {
          keep.add(old.id); // the replace action stops it once the new one is up
          starts.push({ kind: 'replace', type, name, oldId: old.id });
        } else {
          starts.push({ kind: 'start', type, name });
        }
      }
    }
  }

  for (const d of running) {
    if (!keep.has(d.id)) stops.push({ kind: 'stop', id: d.id, name: d.name });
  }
  stops.sort((a, b) => (a.kind === 'stop' && b.kind === 'stop' ? a.name.localeCompare(b.name) : 0));
  return [...starts, ...stops];
}

/**
 * Crash restart delay: the first restart is immediate, then 1 s, 2 s, 4 s … capped at `capMs`
 * (default 5 min). The count restarts after 10 min of uptime (`nextCrashCount`), a new release or a manual restart.
 */
/** How long a dyno must have stayed up for its crash count to start over (Kubernetes uses the same 10 min). */
export const CRASH_COUNT_RESET_MS = 600_000;

/**
 * The crash count after one more crash: `previous + 1`, or 1 when the dyno had been up for at least `resetMs`
 * before it crashed, so an app that crashes once a day restarts at once each time instead of after the cap.
 */
export function nextCrashCount(previous: number, upForMs: number, resetMs = CRASH_COUNT_RESET_MS): number {
  return upForMs >= resetMs ? 1 : previous + 1;
}

export function restartDelayMs(consecutiveCrashes: number, capMs = 300_000): number {
  if (consecutiveCrashes <= 1) return 0;
  return Math.min(capMs, 1000 * 2 ** (consecutiveCrashes - 2));
}
