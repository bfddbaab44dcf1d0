import type Docker from 'dockerode';
import type { Dyno } from '@platform/types';
import { isNotFound } from '@platform/docker-kit';
import { LOG_DRAIN_MS, type DockerContext, type Watch } from './docker-context.ts';
import { exitFromStatus } from './dyno-container.ts';
import { followLogs, type LogFollower } from './log-follow.ts';

/**
 * Follows a container's output and exit, and registers the watch in `ctx.watches`. `fromStart`: a fresh dyno
 * (replay all); adopted ones: new lines only. `attachedOutput`: an attached dyno's output belongs to its caller
 * (no log follow); its exit is reported once that has ended. The exit is reported once, through
 * `ctx.events.exit`, after the output (code/signal from the engine's status, `outOfMemory` when the kernel's OOM
 * killer ended it); `detach()` stops everything without a report.
 */
export function watchDyno(ctx: DockerContext, dyno: Dyno, fromStart: boolean, attachedOutput?: Promise<void>): Watch {
  const container = ctx.docker.getContainer(dyno.id);
  const abort = new AbortController();
  let exited = false;
  let reportDone!: () => void;
  const entry: Watch = {
    dyno,
    requested: false,
    reported: new Promise<void>((resolve) => (reportDone = resolve)),
    detach() {
      abort.abort();
      logs?.destroy();
      reportDone();
    },
  };
  ctx.watches.set(dyno.id, entry);
  const logs = attachedOutput
    ? null
    : followLogs(ctx.docker, container, dyno, {
        fromStart,
        signal: abort.signal,
        exited: () => exited,
        emit: ctx.events.output,
        logger: ctx.logger,
      });
  void (async () => {
    const status = await waitForExit(ctx, container, dyno, abort.signal);
    if (status === undefined) return;
    exited = true;
    dyno.running = false;
    await reportExit(ctx, container, entry, abort.signal, status, logs, attachedOutput);
    reportDone();
  })();
  return entry;
}

/** The container's exit status (null: unknown, e.g. removed meanwhile), or undefined when the watch was detached. */
async function waitForExit(ctx: DockerContext, container: Docker.Container, dyno: Dyno, signal: AbortSignal): Promise<number | null | undefined> {
  let status: number | null = null;
  try {
    const result = (await container.wait({ abortSignal: signal })) as { StatusCode?: number };
    status = typeof result.StatusCode === 'number' ? result.StatusCode : null;
  } catch (e) {
    if (signal.aborted) return undefined;
    if (!isNotFound(e)) ctx.logger?.warn({ err: e, dyno: dyno.id }, 'waiting for dyno failed');
  }
  return signal.aborted ? undefined : status;
}

/** After exit: lets the output drain (up to LOG_DRAIN_MS), reads what the follow missed, then reports the exit. */
async function reportExit(
  ctx: DockerContext,
  container: Docker.Container,
  entry: Watch,
  signal: AbortSignal,
  status: number | null,
  logs: LogFollower | null,
  attachedOutput: Promise<void> | undefined,
): Promise<void> {
  const { dyno } = entry;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([attachedOutput ?? logs!.ended, new Promise<void>((r) => (timer = setTimeout(r, LOG_DRAIN_MS)))]);
  clearTimeout(timer);
  logs?.destroy();
  if (signal.aborted) return;
  if (logs) await logs.readRest();
  if (signal.aborted) return;
  logs?.flush();
  const exit = exitFromStatus(status);
  // The kernel's OOM killer ended it: the manager names that as Heroku does (R15).
  const facts = await container.inspect().catch(() => null);
  const outOfMemory = facts?.State.OOMKilled ? { limitMb: Math.round((facts.HostConfig.Memory ?? 0) / 1024 / 1024) } : undefined;
  ctx.logger?.info({ dyno: dyno.id, app: dyno.app, name: dyno.name, ...exit, outOfMemory }, 'dyno exited');
  ctx.events.exit({ id: dyno.id, app: dyno.app, name: dyno.name, ...exit, requested: entry.requested, ...(outOfMemory ? { outOfMemory } : {}) });
}
