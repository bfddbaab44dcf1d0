import type { ReadStream } from 'node:tty';
import { constants } from 'node:os';
import type { RawData } from 'ws';
import { cliError, CliErrorCodes } from './errors.ts';
import type { CliIO } from './context.ts';

/** The one-off dyno as POST /apps/:app/dynos returns it. */
export interface RunDyno {
  name: string;
  attach_url: string | null;
}

/** Options shared by `run` and `run:detached`. */
export interface RunFlags {
  env?: string[];
  size?: string;
}

const SAFE_WORD = /^[A-Za-z0-9_\-+=.,/:@%^]+$/;

/**
 * The command line sent to the dyno (where it runs through `bash -c`). One argument is a shell line as typed
 * (`platform run 'echo $HOME'`); several are quoted one by one, so `platform run node -e "process.exit(3)"`
 * reaches node as three words.
 */
export function buildCommand(args: readonly string[]): string {
  if (args.length === 1) return args[0]!;
  return args.map((a) => (SAFE_WORD.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** `-e "A=1;B=2"` (repeatable), parsed like the Heroku CLI. */
export function parseRunEnv(values: readonly string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of values) {
    for (const part of value.split(';')) {
      if (part.trim() === '') continue;
      const m = /^\s*([\w.-]+)\s*=\s*(.*?)\s*$/s.exec(part);
      if (!m) {
        throw cliError(CliErrorCodes.badArgs, `${part.trim()} is invalid. Must be in the format KEY=value.`, 'Example: platform run -e "DEBUG=1;LEVEL=2" bash');
      }
      env[m[1]!] = m[2]!;
    }
  }
  return env;
}

/** Options of `run`/`run:detached` that take a value (the first other word starts the command). */
const VALUE_OPTIONS = new Set(['-a', '--app', '-r', '--remote', '-e', '--env', '-s', '--size', '--server']);

/**
 * Puts `--` before the command of `run` and `run:detached`, so that the command's own options
 * (`node -e …`) are not read as the CLI's: everything from the first non-option word on is the command.
 */
export function separateRunCommand(argv: readonly string[]): string[] {
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('-')) i += argv[i] === '--server' ? 2 : 1;
  if (argv[i] !== 'run' && argv[i] !== 'run:detached') return [...argv];
  for (let j = i + 1; j < argv.length; j++) {
    const arg = argv[j]!;
    if (arg === '--') return [...argv];
    if (!arg.startsWith('-') || arg === '-') return [...argv.slice(0, j), '--', ...argv.slice(j)];
    if (VALUE_OPTIONS.has(arg)) j++;
  }
  return [...argv];
}

/**
 * Streams the terminal to an attached dyno until it exits; resolves with its exit code (128 + n for a signal).
 * With `tty`, the local terminal is in raw mode meanwhile (keys, Ctrl-C included, go to the dyno) and its
 * size follows the window; it is always restored.
 */
export async function attachToDyno(io: CliIO, url: string, tty: boolean): Promise<number> {
  // Loaded here, not at start-up: ws pulls in node:https and node:tls, which every other command does without.
  const { WebSocket } = await import('ws');
  return new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const stdin = io.stdin as NodeJS.ReadableStream & Partial<Pick<ReadStream, 'setRawMode' | 'isRaw'>>;
    const stdout = io.stdout as NodeJS.WritableStream & { columns?: number; rows?: number; on: NodeJS.WritableStream['on'] };
    let exit: number | null = null;
    let rawSet = false;
    let settled = false;

    const onInput = (chunk: Buffer | string) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, { binary: true });
    };
    const onEnd = () => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'eof' }));
    };
    const onResize = () => {
      if (ws.readyState === WebSocket.OPEN && stdout.columns && stdout.rows) {
        ws.send(JSON.stringify({ type: 'resize', cols: stdout.columns, rows: stdout.rows }));
      }
    };
    const cleanup = () => {
      stdin.removeListener('data', onInput);
      stdin.removeListener('end', onEnd);
      stdout.removeListener('resize', onResize);
      if (rawSet) stdin.setRawMode?.(false);
      stdin.pause();
    };
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      cleanup();
      fn();
    };

    ws.on('open', () => {
      if (tty && stdin.setRawMode) {
        stdin.setRawMode(true);
        rawSet = true;
        stdout.on('resize', onResize);
        onResize();
      }
      stdin.on('data', onInput);
      stdin.on('end', onEnd);
      stdin.resume();
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (isBinary) {
        (buf[0] === 2 ? io.stderr : io.stdout).write(buf.subarray(1));
        return;
      }
      try {
        const msg = JSON.parse(buf.toString('utf8')) as { type?: string; code?: number | null; signal?: string | null };
        if (msg.type === 'exit') {
          const signal = msg.signal ? (constants.signals as Record<string, number>)[msg.signal] : undefined;
          exit = typeof msg.code === 'number' ? msg.code : signal ? 128 + signal : 1;
        }
      } catch {
        /* not a control message */
      }
    });
    ws.on('close', () => {
      if (exit !== null) return finish(() => resolve(exit!));
      finish(() =>
        reject(cliError(CliErrorCodes.api, 'The connection to the dyno closed before the process exited.', 'Check the app logs: platform logs')),
      );
    });
    ws.on('error', (err) =>
      finish(() => reject(cliError(CliErrorCodes.unreachable, `Could not attach to the dyno: ${err.message}`, undefined, {}, err))),
    );
  });
}
