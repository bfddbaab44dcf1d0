import { artifactForType, PlatformError } from '@platform/types';
import type { Runtime } from '@platform/types';
import type { AppRecord } from '@platform/store-postgres';
import type { ReleaseTarget } from '@platform/process-manager';

/**
 * Runs the Procfile `release:` command as a one-off dyno on the new release (same artifact, new config)
 * and resolves when it exits 0. Its output is relayed line by line. A non-zero exit or the time limit
 * rejects with PLT_RELEASE_FAILED.
 */
export async function runReleasePhase(input: {
  runtime: Pick<Runtime, 'start' | 'stop' | 'onOutput' | 'onExit'>;
  app: AppRecord;
  target: ReleaseTarget;
  timeoutMs: number;
  output: (line: string) => void;
}): Promise<void> {
  const { runtime, app, target } = input;
  let dynoId: string | null = null;
  const early: Array<{ id: string; line: string }> = [];
  const stopOutput = runtime.onOutput((o) => {
    if (dynoId === null) early.push({ id: o.id, line: o.line });
    else if (o.id === dynoId) input.output(o.line);
  });
  let resolveExit!: (code: number | null) => void;
  const exited = new Promise<number | null>((resolve) => (resolveExit = resolve));
  const exits: Array<{ id: string; code: number | null }> = [];
  const stopExit = runtime.onExit((e) => {
    if (dynoId === null) exits.push({ id: e.id, code: e.code });
    else if (e.id === dynoId) resolveExit(e.code);
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const dyno = await runtime.start({
      app: app.name,
      appId: app.id,
      releaseId: target.id,
      releaseVersion: target.version,
      type: 'release',
      name: `release.${target.version}`,
      command: target.commands.release!,
      env: target.env,
      artifact: artifactForType(target.artifact, 'release'),
    });
    dynoId = dyno.id;
    for (const e of early) if (e.id === dynoId) input.output(e.line);
    const exit = exits.find((e) => e.id === dynoId);
    if (exit) resolveExit(exit.code);
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), input.timeoutMs)));
    const outcome = await Promise.race([exited, timedOut]);
    if (outcome === 'timeout') {
      await runtime.stop(dyno.id, { graceMs: 5000 });
      throw new PlatformError('PLT_RELEASE_FAILED', `release command timed out after ${Math.round(input.timeoutMs / 1000)} s`);
    }
    if (outcome !== 0) throw new PlatformError('PLT_RELEASE_FAILED', `release command exited with status ${outcome}`);
  } finally {
    if (timer) clearTimeout(timer);
    stopOutput();
    stopExit();
  }
}
