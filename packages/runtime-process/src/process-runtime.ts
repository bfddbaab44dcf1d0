import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ErrorCodes, isPlatformError, PlatformError, type AttachedDyno, type AttachOptions, type DynoSpec, type Runtime, type StopOptions } from '@platform/types';
import {
  DEFAULT_STOP_GRACE_MS,
  createRuntimeEvents,
  dynoFromSpec,
  launchArgv,
  runtimeClosedError,
  validateDynoSpec,
  type RuntimeLogger,
} from '@platform/runtime-kit';
import { sandboxedCommand, type UnixUser } from '@platform/sandbox';
import { createDynosDirGate, prepareDynoDir } from './dyno-dir.ts';
import { stopDyno, trackDyno, type DynoEntry } from './dyno-entry.ts';
import { buildDynoEnv } from './dyno-env.ts';
import { pickFreePort } from './free-port.ts';
import { recordDyno } from './orphans.ts';
import { spawnDyno } from './spawn-dyno.ts';

export type { RuntimeLogger } from '@platform/runtime-kit';

export interface ProcessRuntimeOptions {
  /** Each dyno gets a fresh `<dynosDir>/<dyno id>/` with the slug extracted into `app/`. */
  dynosDir: string;
  /**
   * A root-only directory (outside dynosDir) recording each running dyno's process group, so that the next
   * server start can kill dynos a crashed server left behind (`sweepOrphanedDynos`). Optional.
   */
  registryDir?: string | undefined;
  logger?: RuntimeLogger | undefined;
  /**
   * Run dynos as this user, or as the user this function gives for the dyno's app (the server, as root, gives
   * each app a uid of its own: `createAppUsers` from @platform/sandbox). null = as the server.
   */
  runAs?: UnixUser | ((appId: string) => Promise<UnixUser>) | null | undefined;
  /**
   * Run each dyno in a PID namespace of its own under an init (`@platform/sandbox`; needs root and tini): the
   * dyno sees only its own processes, and everything it started — a daemonised `setsid` child included — ends
   * with it. Default false.
   */
  pidNamespace?: boolean | undefined;
  /** Address dynos bind and that is reported to the router. Default 127.0.0.1. */
  host?: string | undefined;
  /** PATH given to dynos. Default `<app dir>/bin:/usr/local/bin:/usr/bin:/bin`. */
  path?: string | undefined;
  /** Grace period used by close() when it stops the remaining dynos. Default 30 000 ms. */
  closeGraceMs?: number | undefined;
  /** Limits for slug extraction. */
  maxSlugBytes?: number | undefined;
  maxSlugEntries?: number | undefined;
}

/**
 * The `process` runtime: each dyno is a child process group on this host, in a fresh directory holding its
 * slug (see README). Start errors: PLT_INVALID_PARAMS (spec, config), PLT_UNSAFE_ARCHIVE (slug),
 * PLT_RUNTIME_UNAVAILABLE (closed, spawn failed, dynos dir not reachable by the dyno user).
 *
 *   const runtime = createProcessRuntime({ dynosDir: '/var/lib/platform/dynos', logger });
 */
export function createProcessRuntime(options: ProcessRuntimeOptions): Runtime {
  const dynosDir = resolve(options.dynosDir);
  const host = options.host ?? '127.0.0.1';
  const runAsOption = options.runAs ?? null;
  const userFor = async (appId: string): Promise<UnixUser | null> =>
    typeof runAsOption === 'function' ? runAsOption(appId) : runAsOption;
  const pidNamespace = options.pidNamespace === true;
  const { logger, registryDir } = options;
  const closeGraceMs = options.closeGraceMs ?? DEFAULT_STOP_GRACE_MS;
  const entries = new Map<string, DynoEntry>();
  const events = createRuntimeEvents(logger);
  const ensureDynosDir = createDynosDirGate(dynosDir);
  let closed = false;

  function stopEntry(entry: DynoEntry, stopOptions: StopOptions): Promise<void> {
    entry.stopping ??= stopDyno(entry, stopOptions, () => entries.delete(entry.dyno.id), logger);
    return entry.stopping;
  }

  /** `attach` null: output goes to onOutput; otherwise the caller gets the dyno's stdio. */
  async function launch(spec: DynoSpec, attach: AttachOptions | null): Promise<AttachedDyno> {
    if (closed) throw runtimeClosedError('process');
    validateDynoSpec(spec, { slug: true });
    const runAs = await userFor(spec.appId);
    await ensureDynosDir(runAs);
    const id = randomUUID();
    const dir = join(dynosDir, id);
    try {
      const appDir = await prepareDynoDir(dir, {
        slugPath: spec.artifact.slugPath!, // validateDynoSpec refused a spec without one
        runAs,
        maxSlugBytes: options.maxSlugBytes,
        maxSlugEntries: options.maxSlugEntries,
      });
      const port = spec.type === 'web' ? await pickFreePort(host) : null;
      const env = buildDynoEnv({
        config: spec.env,
        dyno: spec.name,
        port,
        home: appDir,
        path: options.path ?? `${appDir}/bin:/usr/local/bin:/usr/bin:/bin`,
      });
      // In the sandbox, setpriv switches to the app's user inside the namespace: the spawn itself stays root.
      const [file, ...argv] = sandboxedCommand(launchArgv(spec.command), { pidNamespace, init: true, user: pidNamespace ? runAs : null });
      const { proc, io, lines } = await spawnDyno(file!, argv, { cwd: appDir, env, runAs: pidNamespace ? null : runAs, attach });
      const dyno = dynoFromSpec(id, spec, { host, port: port ?? 0 });
      const entry = trackDyno(dyno, proc, dir, lines, { events, logger, registryDir });
      entries.set(id, entry);
      if (closed) {
        // close() ran while this dyno was being set up (after its snapshot of the dynos): stop it here.
        await stopEntry(entry, { graceMs: closeGraceMs });
        throw runtimeClosedError('process');
      }
      if (registryDir) await recordDyno(registryDir, id, proc.pid);
      logger?.info({ dyno: id, app: spec.app, name: spec.name, pid: proc.pid, attached: Boolean(attach) }, 'dyno started');
      return { dyno: { ...dyno, address: { ...dyno.address } }, ...io };
    } catch (err) {
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      if (isPlatformError(err)) throw err;
      throw new PlatformError(ErrorCodes.runtimeUnavailable, `Could not start dyno ${spec.name}.`, {
        cause: err,
        details: { app: spec.app, name: spec.name },
      });
    }
  }

  return {
    kind: 'process',
    start: async (spec) => (await launch(spec, null)).dyno,
    startAttached: (spec, attach) => launch(spec, { ...attach }),
    stop(id, stopOptions = {}) {
      const entry = entries.get(id);
      return entry ? stopEntry(entry, stopOptions) : Promise.resolve();
    },
    async list(filter = {}) {
      return [...entries.values()]
        .filter(({ dyno }) => filter.app === undefined || dyno.app === filter.app)
        .map(({ dyno }) => ({ ...dyno, address: { ...dyno.address } }));
    },
    onExit: events.onExit,
    onOutput: events.onOutput,
    async close() {
      closed = true;
      await Promise.all([...entries.values()].map((entry) => stopEntry(entry, { graceMs: closeGraceMs })));
    },
  };
}
