import type { Runtime } from '@platform/types';
import type { BootGate } from './boot-gate.ts';
import type { CrashBackoff } from './crash-backoff.ts';
import type { DynoTable } from './dyno-table.ts';
import { planFormation, type Action } from './plan.ts';
import type { Retire } from './retire.ts';
import type { AppTarget, ReleaseTarget, Tracked } from './types.ts';

export interface ConvergeOptions {
  runtime: Runtime;
  table: DynoTable;
  boot: BootGate;
  backoff: CrashBackoff;
  retire: Retire;
  /** Called once a deploy's first new dyno is up, before any old one is retired (tests: failpoints). */
  onRolloutStep?: (() => void) | undefined;
}

/**
 * Converges one app onto `release` with its formation: the plan (planFormation, pure) turned into starts,
 * rolling replacements and stops. In `deploy` mode a web dyno that cannot boot aborts the rollout (new dynos
 * stopped, old ones untouched) and the error (PLT_BOOT_TIMEOUT) is thrown; in `reconcile` mode it counts as a
 * crash (R10) and is retried with backoff, and slots still in their backoff delay are left for later.
 * Resolves once every new dyno is up; `retiring` resolves once the old ones have stopped. The caller holds the
 * app's lock.
 */
export function createConverge(options: ConvergeOptions) {
  const { runtime, table, boot, backoff, retire } = options;

  return async function converge(target: AppTarget, release: ReleaseTarget | null, mode: 'deploy' | 'reconcile') {
    table.nameApp(target.appId, target.app);
    const desired = release ? { releaseId: release.id, commands: release.commands, quantities: target.quantities } : null;
    const observed = table.active(target.appId).map((t) => ({
      id: t.dyno.id,
      name: t.dyno.name,
      type: t.dyno.type,
      releaseId: t.dyno.releaseId,
      running: true,
    }));
    const actions = planFormation(desired, observed);
    const started: Tracked[] = [];
    const retiring: Promise<void>[] = [];
    const now = Date.now();
    const launch = async (a: Extract<Action, { kind: 'start' | 'replace' }>) => {
      if (mode === 'reconcile' && backoff.waiting(target.appId, a.name, now)) return;
      try {
        started.push(await boot.start(target, release!, a.type, a.name));
        if (mode === 'deploy' && started.length === 1) options.onRolloutStep?.();
        if (a.kind === 'replace') retiring.push(retire(a.oldId));
      } catch (err) {
        if (mode === 'deploy') throw err;
        backoff.bootFailed(target.appId, a.name);
        table.emit(target.appId, a.name, `Error R10 (Boot timeout) -> ${(err as Error).message}`);
      }
    };
    try {
      // Replacements roll one at a time (each new dyno up before its old one stops); fresh starts go in parallel.
      for (const a of actions) if (a.kind === 'replace') await launch(a);
      await Promise.all(actions.filter((a) => a.kind === 'start').map((a) => launch(a as Extract<Action, { kind: 'start' }>)));
    } catch (err) {
      for (const t of started) t.draining = true;
      await table.publishRoutes(target.appId);
      await Promise.all(started.map((t) => runtime.stop(t.dyno.id, { graceMs: 0 }).catch(() => undefined)));
      throw err;
    }
    for (const a of actions) if (a.kind === 'stop') retiring.push(retire(a.id));
    await table.publishRoutes(target.appId);
    table.forgetSettledCrashes(target);
    return { retiring: Promise.all(retiring).then(() => undefined) };
  };
}
