import { spawn } from 'node:child_process';
import { createBuildOutput } from '@platform/builder-kit';

export interface RunScriptOptions {
  argv: [string, ...string[]];
  cwd: string;
  /** The complete environment of the child (nothing is inherited). */
  env: Record<string, string>;
  uid?: number | undefined;
  gid?: number | undefined;
  timeoutMs: number;
  /** Output beyond this many bytes is dropped with one notice; the script keeps running. */
  outputLimitBytes: number;
  /** One call per line of merged stdout/stderr (UTF-8; trailing \r removed; lines over 8192 characters come in pieces). */
  onLine: (line: string) => void;
  signal?: AbortSignal | undefined;
}

export interface RunScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
}

const KILL_GRACE_MS = 3000;

/**
 * Runs a script in its own process group (argument array, no shell) and streams its output
 * line by line. On timeout or abort the whole group gets SIGTERM, then SIGKILL after a grace
 * period; when the script exits, leftovers in its group (background jobs) are killed too.
 */
export function runScript(options: RunScriptOptions): Promise<RunScriptResult> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = options.argv;
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so we can kill everything it started
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    let timedOut = false;
    let aborted = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the group is already gone
      }
    };
    const stop = (): void => {
      killGroup('SIGTERM');
      graceTimer ??= setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };

    // One splitter per stream over one shared cap: a character cut between two reads stays whole.
    const output = createBuildOutput(options.onLine, options.outputLimitBytes);
    const out = output.stream();
    const err = output.stream();
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));

    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (e) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('exit', () => {
      // Background jobs may still hold the pipes open: end them so 'close' can come.
      killGroup('SIGKILL');
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      options.signal?.removeEventListener('abort', onAbort);
      output.flush();
      resolve({ code, signal, timedOut, aborted });
    });
  });
}
