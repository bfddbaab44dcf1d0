import { randomInt } from 'node:crypto';
import { artifactForType, ErrorCodes, PlatformError, type AttachedDyno, type Dyno, type DynoExit, type Runtime } from '@platform/types';
import { withDynoMetadata } from './dyno-metadata.ts';
import type { DynoTable } from './dyno-table.ts';
import { exitLines } from './exit-lines.ts';
import type { Retire } from './retire.ts';
import type { ManagerLogger, OneOff, OneOffInput, Tracked } from './types.ts';

export interface OneOffOptions {
  runtime: Runtime;
  table: DynoTable;
  retire: Retire;
  graceMs: number;
  logger?: ManagerLogger | undefined;
}

/**
 * Starts a one-off dyno `run.N` (N random in 1–9999, unused in the app) on the given release, attached to the
 * caller's stdio or detached. It is tracked for `ps` and `stop` but never restarted or routed, removed from the
 * runtime once it exits, and stopped when its time to live (`ttlMs`) runs out. Throws PLT_RUNTIME_UNAVAILABLE
 * for an attached run on a runtime that cannot attach; a runtime error of the start passes through.
 * Source: Heroku Dev Center, "One-Off Dynos".
 */
export async function runOneOff(options: OneOffOptions, input: OneOffInput): Promise<OneOff> {
  const { runtime, table, retire, graceMs, logger } = options;
  if (input.attach && !runtime.startAttached) {
    throw new PlatformError(ErrorCodes.runtimeUnavailable, `The ${runtime.kind} runtime cannot attach to dynos; use run:detached.`);
  }
  table.nameApp(input.appId, input.app);
  const used = new Set(table.of(input.appId).map((t) => t.dyno.name));
  let name: string;
  do name = `run.${randomInt(1, 10_000)}`;
  while (used.has(name));
  // Exits are watched from before the start: a quick command may be gone before start() resolves.
  let id: string | null = null;
  const early = new Map<string, DynoExit>();
  let resolveExit!: (exit: DynoExit) => void;
  const exited = new Promise<DynoExit>((resolve) => (resolveExit = resolve));
  const off = runtime.onExit((exit) => {
    if (id === null) early.set(exit.id, exit);
    else if (exit.id === id) resolveExit(exit);
  });
  void exited.then(off);
  // An exited one-off is removed at once (its container or directory); nothing restarts it.
  void exited.then((exit) =>
    runtime.stop(exit.id, { graceMs: 0 }).catch((err) => logger?.warn({ err, id: exit.id }, 'removing a one-off failed')),
  );
  table.emit(input.appId, name, `Starting process with command \`${input.command}\`${input.by ? ` by user ${input.by}` : ''}`);
  const spec = {
    app: input.app,
    appId: input.appId,
    releaseId: input.release.id,
    releaseVersion: input.release.version,
    type: 'run',
    name,
    command: input.command,
    artifact: artifactForType(input.release.artifact, 'run'),
    size: input.size,
    env: withDynoMetadata(input.env, { app: input.app, appId: input.appId, releaseVersion: input.release.version }),
  };
  let attached: AttachedDyno | null = null;
  let dyno: Dyno;
  try {
    if (input.attach) dyno = (attached = await runtime.startAttached!(spec, input.attach)).dyno;
    else dyno = await runtime.start(spec);
  } catch (err) {
    off();
    throw err;
  }
  id = dyno.id;
  const t: Tracked = { dyno, state: 'starting', since: new Date(), draining: false };
  const gone = early.get(dyno.id);
  if (gone) {
    resolveExit(gone);
    for (const line of exitLines(gone)) table.emit(input.appId, name, line);
  } else {
    table.tracked.set(dyno.id, t);
    table.setState(t, 'up');
    const ttl = setTimeout(() => {
      table.emit(input.appId, name, `Time to live of ${Math.round(input.ttlMs / 1000)} s reached`);
      void retire(dyno.id);
    }, input.ttlMs);
    ttl.unref();
    void exited.then(() => clearTimeout(ttl));
  }
  return {
    status: table.statusOf(t),
    attached,
    exited,
    stop: (signal = 'SIGTERM') => (table.tracked.has(dyno.id) ? retire(dyno.id, signal) : runtime.stop(dyno.id, { graceMs, signal })),
  };
}
