import { spawn } from 'node:child_process';
import { createLineSplitter } from '@platform/runtime-kit';

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

const MAX_LINE = 8192;
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
    let emitted = 0;
    let cut = false;
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

    const emit = (text: string): void => {
      if (cut) return;
      emitted += Buffer.byteLength(text) + 1;
      if (emitted > options.outputLimitBytes) {
        cut = true;
        options.onLine(
          ` !     Build output exceeded ${options.outputLimitBytes} bytes; the rest is not shown.`,
        );
        return;
      }
      options.onLine(text);
    };
    // One splitter per stream, each with its own partial line and UTF-8 state: a character cut
    // between two reads stays whole; a line longer than MAX_LINE is passed on in pieces.
    const out = createLineSplitter(emit, MAX_LINE);
    const err = createLineSplitter(emit, MAX_LINE);
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
      out.flush();
      err.flush();
      resolve({ code, signal, timedOut, aborted });
    });
  });
}
