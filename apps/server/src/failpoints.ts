/**
 * Failpoints: named steps of a deploy at which platformd can be made to die at once (SIGKILL, as `kill -9`
 * would), so tests can prove that every crash point recovers. Enabled only by PLATFORM_FAILPOINT (a
 * comma-separated list of these names); with it unset, `hit()` does nothing.
 */
export const FAILPOINTS = [
  'after-receive', // the push is received, before the build starts
  'during-compile', // the buildpacks are running
  'after-slug', // the slug is stored, before the build row says so
  'after-image', // the build succeeded (docker: its image exists), before the release row
  'after-release-row', // the release row exists (pending), before its release phase and rollout
  'during-release-phase', // the release command is running
  'mid-rollout', // the first new dyno is up, old ones still run
] as const;

export type Failpoint = (typeof FAILPOINTS)[number];

export function isFailpoint(name: string): name is Failpoint {
  return (FAILPOINTS as readonly string[]).includes(name);
}

/** `hit(name)` kills this process (SIGKILL) when `name` is enabled; says so on stderr first (synchronous). */
export function createFailpoints(enabled: readonly Failpoint[]): (name: Failpoint) => void {
  const set = new Set<Failpoint>(enabled);
  return (name) => {
    if (!set.has(name)) return;
    process.stderr.write(`platformd: failpoint ${name} reached: exiting with SIGKILL\n`);
    process.kill(process.pid, 'SIGKILL');
  };
}
