import { ErrorCodes, isPlatformError, type Runtime } from '@platform/types';
import type { ReleaseFailure } from '@platform/store-postgres';

/** Where a release was when it failed: getting its artifact ready, running its release command, or rolling out. */
export type ReleaseStage = 'prepare' | 'release_command' | 'rollout';

/**
 * Why a release did not go live, from what was thrown at `stage`, as stored on the release and shown to users:
 * a failure of the release command is `release_command` (its own message: `release command exited with status 7`);
 * a web dyno that did not come up (PLT_BOOT_TIMEOUT from the process manager's boot gate) is `boot`, in Heroku's
 * words: `Error R10 (Boot timeout) -> web.1 failed to bind to $PORT within 60 seconds of launch`, or the gate's own
 * `web.1 exited during boot (status 3)`; anything else is `other`.
 */
export function releaseFailure(err: unknown, stage: ReleaseStage): ReleaseFailure {
  const message = err instanceof Error && err.message ? err.message : String(err);
  if (stage === 'release_command') return { kind: 'release_command', message };
  if (isPlatformError(err) && err.code === ErrorCodes.bootTimeout) {
    const r10 = err.details?.reason === 'bind-timeout';
    return { kind: 'boot', message: r10 ? `Error R10 (Boot timeout) -> ${message}` : message };
  }
  return { kind: 'other', message };
}

/** The dyno a boot failure names (`details.dynoId` and `details.dyno` of the boot gate's error), if any. */
export function failedDyno(err: unknown): { id: string; name: string } | undefined {
  const details = isPlatformError(err) ? err.details : undefined;
  const { dynoId, dyno } = details ?? {};
  return typeof dynoId === 'string' && typeof dyno === 'string' ? { id: dynoId, name: dyno } : undefined;
}

/**
 * Keeps the last `perDyno` output lines of each of `app`'s dynos while a rollout runs (at most `maxDynos` dynos,
 * the oldest forgotten first), so a failed boot can show the pusher what the dyno said before it died.
 * `stop()` unsubscribes.
 */
export function tailDynoOutput(runtime: Pick<Runtime, 'onOutput'>, app: string, perDyno = 5, maxDynos = 50) {
  const tails = new Map<string, string[]>();
  const stop = runtime.onOutput((o) => {
    if (o.app !== app) return;
    let lines = tails.get(o.id);
    if (!lines) {
      if (tails.size >= maxDynos) tails.delete(tails.keys().next().value!);
      tails.set(o.id, (lines = []));
    }
    lines.push(o.line);
    if (lines.length > perDyno) lines.shift();
  });
  return { lines: (dynoId: string): readonly string[] => tails.get(dynoId) ?? [], stop };
}
