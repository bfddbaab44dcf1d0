import { homedir } from 'node:os';
import { cliError, CliErrorCodes } from './errors.ts';
import { configPath, readSavedConfig } from './config-file.ts';
import { createApiClient, type ApiClient } from './http.ts';
import { readNetrcEntry } from './netrc.ts';
import { resolveApp, type AppFlags } from './resolve-app.ts';
import { createStyle, type Style } from './format/style.ts';
import type { TimeOptions } from './format/time.ts';

/** Everything the CLI touches of the outside world, passed in (main.ts passes the real process). */
export interface CliIO {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  fetch?: typeof fetch;
  now?: () => Date;
}

/** Options every command may see (program-level ones included, via optsWithGlobals). */
export interface GlobalFlags extends AppFlags {
  server?: string;
  debug?: boolean;
}

export interface Context {
  readonly io: CliIO;
  readonly style: Style;
  readonly home: string;
  readonly configFile: string;
  /** Writes each argument as one line to stdout. */
  out(...lines: string[]): void;
  /** ` ▸    message` on stderr. */
  warn(message: string): void;
  /** The server URL: --server, then PLATFORM_SERVER, then the saved config. */
  server(flags: GlobalFlags): Promise<string>;
  /** The API token for a server: PLATFORM_API_KEY, else ~/.netrc by host name. */
  token(server: string): Promise<string | undefined>;
  /** An authenticated client (fails with what to do when there is no server or token). */
  api(flags: GlobalFlags): Promise<ApiClient>;
  /** The app: -a/--app, PLATFORM_APP, then git remotes `<server>/<app>.git`. */
  app(flags: GlobalFlags): Promise<string>;
  /** `label... done[, suffix]` around an async step (`label... !` on failure). */
  action<T>(label: string, fn: () => Promise<T>, suffix?: (result: T) => string | undefined): Promise<T>;
  time(): TimeOptions;
}

export function normalizeServer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw cliError(
      CliErrorCodes.noServer,
      `Invalid server URL: ${raw}`,
      'Use a URL such as http://127.0.0.1:5000.',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw cliError(
      CliErrorCodes.noServer,
      `Invalid server URL: ${raw}`,
      'The server URL must start with http:// or https://.',
    );
  }
  if (url.username || url.password) {
    throw cliError(
      CliErrorCodes.noServer,
      'The server URL must not contain credentials.',
      'Log in with platform login (the token is stored in ~/.netrc).',
    );
  }
  return url.href.replace(/\/+$/, '');
}

export function createContext(io: CliIO): Context {
  const color = Boolean(io.stdout.isTTY) && !io.env.NO_COLOR && io.env.TERM !== 'dumb';
  const style = createStyle(color);
  const home = io.env.HOME || homedir();
  const configFile = configPath(io.env, home);

  const ctx: Context = {
    io,
    style,
    home,
    configFile,
    out: (...lines) => {
      io.stdout.write(lines.map((l) => l + '\n').join(''));
    },
    warn: (message) => {
      io.stderr.write(
        message
          .split('\n')
          .map((l) => ` ▸    ${l}\n`)
          .join(''),
      );
    },
    async server(flags) {
      const raw = flags.server || io.env.PLATFORM_SERVER || (await readSavedConfig(configFile)).server;
      if (!raw) {
        throw cliError(
          CliErrorCodes.noServer,
          'No platform server configured.',
          'Run platform login --server URL, or set PLATFORM_SERVER (or pass --server URL).',
        );
      }
      return normalizeServer(raw);
    },
    async token(server) {
      if (io.env.PLATFORM_API_KEY) return io.env.PLATFORM_API_KEY;
      const entry = await readNetrcEntry(home, new URL(server).hostname);
      return entry?.password || undefined;
    },
    async api(flags) {
      const server = await ctx.server(flags);
      const token = await ctx.token(server);
      if (!token) {
        throw cliError(
          CliErrorCodes.notLoggedIn,
          `Not logged in to ${server}.`,
          `Run platform login --server ${server}, or set PLATFORM_API_KEY.`,
        );
      }
      return createApiClient({ server, token, ...(io.fetch ? { fetch: io.fetch } : {}) });
    },
    async app(flags) {
      return resolveApp(flags, { env: io.env, cwd: io.cwd, server: await ctx.server(flags) });
    },
    async action(label, fn, suffix) {
      io.stdout.write(`${label}... `);
      let result;
      try {
        result = await fn();
      } catch (err) {
        io.stdout.write('!\n');
        throw err;
      }
      const extra = suffix?.(result);
      io.stdout.write(`done${extra ? `, ${extra}` : ''}\n`);
      return result;
    },
    time: () => ({ now: io.now ? io.now() : new Date() }),
  };
  return ctx;
}

/** `/apps/<app>` with the name escaped (names are validated server-side; this keeps paths well-formed). */
export function appPath(app: string, rest = ''): string {
  return `/apps/${encodeURIComponent(app)}${rest}`;
}
