import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import path from 'node:path';
import { startServer, type ServerHandle } from '../../test/support/platform.ts';
import { createUserEnv, platform } from '../../test/support/cli.ts';
import { commitFile, fixtureRepo } from '../../test/support/apps.ts';
import { api } from '../../test/support/api.ts';

/**
 * One running platformd (real server, embedded Postgres, temp data dir) plus a logged-in user with a clone of the
 * bench fixture app, driven the way a user drives it: git push, the CLI, HTTP through the router.
 */
export interface Session {
  runtime: 'process' | 'docker' | 'swarm';
  server: ServerHandle;
  env: Record<string, string>;
  repo: string;
  api: (method: string, urlPath: string, body?: unknown) => ReturnType<typeof api>;
  cli: (args: string[]) => ReturnType<typeof platform>;
  createApp(name: string): Promise<void>;
  /** Rewrites the fixture's `const CODE = …` line and commits it (a one-line change, dependencies untouched). */
  setCode(code: string): Promise<void>;
  /** `git push <app> main`, timing each `remote:` line's arrival. */
  push(app: string): Promise<PushTrace>;
  /** GET through the router (keep-alive), as `<app>.localhost`. */
  get(app: string, urlPath?: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

export interface PushTrace {
  code: number | null;
  /** Milliseconds since the push started, per stderr line. */
  lines: Array<{ t: number; text: string }>;
  exitAt: number;
  startedAt: number;
}

/** `fixture`: the app every push deploys (test/fixtures/<fixture>, answering `<code> <dyno> <port>`). */
export async function openSession(
  runtime: 'process' | 'docker' | 'swarm',
  serverEnv: Record<string, string> = {},
  fixture = 'bench-app',
): Promise<Session> {
  // The log benchmark's drain receivers listen on loopback, which drains may reach only when allowed.
  // The router bench's "builtin router" row measures the Node router; scripts/bench/edge.ts compares the drivers.
  // Swarm: the caller's env names the manager and the registry (scripts/bench/swarm.ts).
  const server = await startServer({ runtime: runtime === 'swarm' ? undefined : runtime, env: { ...(runtime === 'swarm' ? { PLATFORM_RUNTIME: 'swarm' } : {}), PLATFORM_LOG_LEVEL: 'info', PLATFORM_DRAIN_ALLOW: 'loopback', PLATFORM_ROUTER: 'node', ...serverEnv } });
  const env = await createUserEnv();
  const repo = await fixtureRepo(fixture, env);
  const login = await platform(
    ['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')],
    { env },
  );
  if (login.code !== 0) throw new Error(`platform login failed: ${login.stderr}`);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const routerPort = new URL(server.routerUrl).port;

  const get = (app: string, urlPath = '/') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(urlPath, server.routerUrl);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          headers: { host: `${app}.localhost:${routerPort}` },
          agent,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', reject);
        },
      );
      req.setTimeout(120_000, () => req.destroy(new Error('router request timed out')));
      req.on('error', reject);
      req.end();
    });

  return {
    runtime,
    server,
    env,
    repo,
    api: (method, urlPath, body) => api(server.apiUrl, server.token, method, urlPath, body),
    cli: (args) => platform(args, { cwd: repo, env }),
    async createApp(name) {
      const r = await api(server.apiUrl, server.token, 'POST', '/apps', { name });
      if (r.status !== 201) throw new Error(`creating ${name}: ${r.status} ${JSON.stringify(r.json)}`);
    },
    async setCode(code) {
      const file = path.join(repo, 'server.js');
      const source = await readFile(file, 'utf8');
      await commitFile(
        repo,
        env,
        'server.js',
        source.replace(/^const CODE = '.*';$/m, `const CODE = '${code}';`),
        code,
      );
    },
    push: (app) => tracePush(repo, env, `${server.apiUrl}/${app}.git`),
    get,
    async close() {
      agent.destroy();
      await server.destroy();
      await rm(repo, { recursive: true, force: true });
      await rm(env.HOME!, { recursive: true, force: true });
    },
  };
}

/** `git push --progress <url> main` in `cwd`, timing each stderr line's arrival; `onLine` sees each as it comes. */
export function tracePush(
  cwd: string,
  env: Record<string, string>,
  url: string,
  onLine?: (text: string) => void,
): Promise<PushTrace> {
  const startedAt = performance.now();
  const child = spawn('git', ['push', '--progress', url, 'main'], {
    cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: PushTrace['lines'] = [];
  // git relays sideband lines as they arrive; progress meters use \r, so split on both.
  let pending = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const t = performance.now() - startedAt;
    pending += chunk.toString();
    const parts = pending.split(/\r\n|\r|\n/);
    pending = parts.pop() ?? '';
    for (const text of parts) {
      lines.push({ t, text });
      onLine?.(text);
    }
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (pending) lines.push({ t: performance.now() - startedAt, text: pending });
      resolve({ code, lines, exitAt: performance.now() - startedAt, startedAt });
    });
  });
}
