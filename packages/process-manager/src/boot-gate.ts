import { artifactForType, ErrorCodes, PlatformError, type DynoExit, type Runtime } from '@platform/types';
import { withDynoMetadata } from './dyno-metadata.ts';
import { passesHealthcheck, staysUp, waitForPort } from './health.ts';
import type { DynoTable } from './dyno-table.ts';
import type { AppTarget, ReleaseTarget, Tracked } from './types.ts';

export interface BootGateOptions {
  runtime: Runtime;
  table: DynoTable;
  /** A web dyno must bind $PORT within this, ms (Heroku: 60 s, error R10). */
  bootTimeoutMs: number;
  /** After binding, a web dyno must stay up this long before it takes traffic, ms. */
  healthWindowMs: number;
}

/**
 * Starts formation dynos and lets them into the table only once they are healthy: a non-web dyno is up when
 * it starts; a web dyno once it has bound $PORT, stayed up for the health window and passed the release's HTTP
 * check, in that order, all within the boot timeout. The manager feeds every runtime exit to `exited`.
 */
export function createBootGate(options: BootGateOptions) {
  const { runtime, table, bootTimeoutMs, healthWindowMs } = options;
  const exitWaiters = new Map<string, (exit: DynoExit) => void>();

  /**
   * Starts dyno `name` of `type` on `release` and resolves once it is up (and, for web, routed). Throws
   * PLT_BOOT_TIMEOUT — after stopping it — when it cannot bind in time (`details.reason: 'bind-timeout'`, Heroku's
   * R10), exits during boot (`'exited'`) or the health window (`'crashed'`), or fails its health check; `details.dynoId`
   * and `details.dyno` (e.g. `web.1`) name the dyno where known. A runtime error of `start` passes through.
   */
  async function start(target: AppTarget, release: ReleaseTarget, type: string, name: string): Promise<Tracked> {
    const command = release.commands[type]!;
    // An empty command is a Dockerfile image's own CMD: the driver reports what it runs once the dyno exists.
    if (command !== '') table.emit(target.appId, name, `Starting process with command \`${command}\``);
    const dyno = await runtime.start({
      app: target.app,
      appId: target.appId,
      releaseId: release.id,
      releaseVersion: release.version,
      type,
      name,
      command,
      ...(target.sizes?.[type] ? { size: target.sizes[type] } : {}),
      artifact: artifactForType(release.artifact, type),
      env: withDynoMetadata(release.env, { app: target.app, appId: target.appId, releaseVersion: release.version }),
    });
    if (command === '') {
      table.emit(target.appId, name, dyno.command ? `Starting process with command \`${dyno.command}\`` : "Starting process with the image's own command");
    }
    const t: Tracked = { dyno, state: 'starting', since: new Date(), draining: false };
    table.tracked.set(dyno.id, t);
    table.clearCrash(target.appId, name);
    if (type !== 'web') {
      table.setState(t, 'up');
      return t;
    }
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new PlatformError(ErrorCodes.bootTimeout, `${name} failed to bind to $PORT within ${Math.round(bootTimeoutMs / 1000)} seconds of launch`, {
            details: { dynoId: dyno.id, dyno: name, reason: 'bind-timeout' },
          }),
        ),
      bootTimeoutMs,
    );
    let bound = false;
    exitWaiters.set(dyno.id, (exit) => {
      const how = exit.code === null ? exit.signal : `status ${exit.code}`;
      controller.abort(
        new PlatformError(
          ErrorCodes.bootTimeout,
          bound
            ? `${name} crashed (${how}) within ${Math.round(healthWindowMs / 1000)} seconds of binding to $PORT`
            : `${name} exited during boot (${how})`,
          { details: { dynoId: dyno.id, dyno: name, reason: bound ? 'crashed' : 'exited' } },
        ),
      );
    });
    try {
      await waitForPort(dyno.address, controller.signal);
      bound = true;
      clearTimeout(timer);
      // Bound is not yet healthy: it must stay up for the health window before it takes traffic (and, in a
      // deploy, before an old dyno is retired). A crash in the window aborts like a failed boot.
      const window = healthWindowMs > 0 ? staysUp(healthWindowMs, controller.signal) : Promise.resolve();
      window.catch(() => undefined); // awaited below; a failed health check must not leave it unhandled
      if (release.healthcheck) await passesHealthcheck(name, dyno.address, release.healthcheck, controller.signal);
      await window;
      if (!table.tracked.has(dyno.id)) throw new PlatformError(ErrorCodes.bootTimeout, `${name} exited during boot`);
      table.setState(t, 'up');
      // Routed before a replaced dyno is retired (converge awaits this start).
      await table.publishRoutes(target.appId);
      return t;
    } catch (err) {
      t.draining = true;
      await runtime.stop(dyno.id, { graceMs: 0 }).catch(() => undefined);
      table.tracked.delete(dyno.id);
      throw err;
    } finally {
      clearTimeout(timer);
      exitWaiters.delete(dyno.id);
    }
  }

  return {
    start,
    /** Tells a dyno still booting that it exited (its boot then fails). */
    exited: (exit: DynoExit) => exitWaiters.get(exit.id)?.(exit),
  };
}

export type BootGate = ReturnType<typeof createBootGate>;
