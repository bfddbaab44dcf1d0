import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { livePid, stopRouterDir } from '@platform/router-haproxy';
import { stopDetachedServer } from '@platform/addon-postgres-process';
import { createProcessRedisProvider } from '@platform/addon-redis-process';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The compiled server, as users run it (test/support/build.ts builds it before any test starts). */
const SERVER_BIN = path.join(REPO_ROOT, 'apps', 'server', 'bin', 'platformd.js');

export interface ServerHandle {
  apiUrl: string;
  routerUrl: string;
  runtime: string;
  dataDir: string;
  /** The admin token the server generated on first start. */
  token: string;
  /** Every line platformd wrote (stdout JSON logs and stderr), for log assertions. */
  output: string[];
  child: ChildProcess;
  /** SIGTERM and wait for exit. Keeps the data dir. */
  stop(): Promise<number | null>;
  /**
   * Stops platformd, the HAProxy it drives, the PostgreSQL server of add-ons and the Redis add-on servers (all
   * outlive a stop by design), then removes the data dir.
   */
  destroy(): Promise<void>;
  /** The pid of the HAProxy this server drives (`PLATFORM_ROUTER` haproxy/auto with HAProxy installed), else null. */
  proxyPid(): Promise<number | null>;
}

export interface StartOptions {
  runtime?: 'process' | 'docker' | 'auto';
  env?: Record<string, string>;
  /** Reuse a data dir (restart scenarios). */
  dataDir?: string;
}

async function listAppIds(apiUrl: string, token: string): Promise<string[]> {
  try {
    const res = await fetch(`${apiUrl}/apps`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    return res.ok ? ((await res.json()) as Array<{ id: string }>).map((a) => a.id) : [];
  } catch {
    return [];
  }
}

const docker = (args: string[]) =>
  new Promise<string>((resolve) => {
    execFile('docker', args, (err, stdout) => resolve(err ? '' : stdout));
  });

/** Force-removes the containers, then the images, volumes and networks, carrying a label (best effort: cleanup must not fail a test). */
async function removeDockerObjects(label: string): Promise<void> {
  const containers = (await docker(['ps', '-aq', '--filter', `label=${label}`])).split('\n').filter(Boolean);
  if (containers.length) await docker(['rm', '-f', ...containers]);
  const images = (await docker(['images', '-q', '--filter', `label=${label}`])).split('\n').filter(Boolean);
  if (images.length) await docker(['rmi', '-f', ...new Set(images)]);
  const volumes = (await docker(['volume', 'ls', '-q', '--filter', `label=${label}`])).split('\n').filter(Boolean);
  if (volumes.length) await docker(['volume', 'rm', '-f', ...volumes]);
  const networks = (await docker(['network', 'ls', '-q', '--filter', `label=${label}`])).split('\n').filter(Boolean);
  if (networks.length) await docker(['network', 'rm', ...networks]);
}

/** Starts the real platformd on embedded Postgres in a temp data dir, on free ports. */
export async function startServer(options: StartOptions = {}): Promise<ServerHandle> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'platform-e2e-')));
  await chmod(dataDir, 0o711);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    PLATFORM_DATA_DIR: dataDir,
    PLATFORM_PORT: '0',
    PLATFORM_HOST: '127.0.0.1',
    PLATFORM_ROUTER_PORT: '0',
    PLATFORM_ROUTER_HOST: '127.0.0.1',
    PLATFORM_RUNTIME: options.runtime ?? 'process',
    PLATFORM_LOG_LEVEL: 'debug',
    // One download of each Node.js release per test run, not per test server (the cache is verified at every use).
    PLATFORM_SHARED_CACHE_DIR: path.join(tmpdir(), 'shared-cache'),
    PLATFORM_SHARED_CACHE_VOLUME: `platform-shared-cache-${path.basename(tmpdir())}`,
    ...options.env,
  };
  const child = spawn(process.execPath, [SERVER_BIN], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<{ api: string; router: string; runtime: string }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      if (process.env.PLATFORM_TEST_VERBOSE) process.stdout.write(`[platformd] ${line}\n`);
      try {
        const entry = JSON.parse(line) as { msg?: string; api?: string; router?: string; runtime?: string };
        if (entry.msg === 'platformd ready') resolve({ api: entry.api!, router: entry.router!, runtime: entry.runtime! });
      } catch {
        /* not JSON */
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      output.push(line);
      if (process.env.PLATFORM_TEST_VERBOSE) process.stderr.write(`[platformd!] ${line}\n`);
    });
    void exited.then((code) => reject(new Error(`platformd exited (${code}) before it was ready:\n${output.slice(-30).join('\n')}`)));
  });
  const info = await ready;
  const token = (await readFile(path.join(dataDir, 'admin-token'), 'utf8').catch(() => '')).trim();
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return {
    apiUrl: info.api,
    routerUrl: info.router,
    runtime: info.runtime,
    dataDir,
    token,
    output,
    child,
    stop,
    proxyPid: () => livePid(path.join(dataDir, 'router', 'haproxy.pid')),
    async destroy() {
      // Docker dynos and release images outlive a server stop by design: remove this server's (by app id).
      const appIds = info.runtime === 'docker' ? await listAppIds(info.api, token) : [];
      await stop();
      await stopRouterDir(path.join(dataDir, 'router'));
      // Add-on containers first: one still on an app's network keeps the network from being removed.
      for (const id of appIds) await removeDockerObjects(`platform.addon.app-id=${id}`);
      await stopDetachedServer(path.join(dataDir, 'addons'));
      // So do the Redis add-on servers of the process runtime (adopted by the next platformd).
      const redis = createProcessRedisProvider({ dir: path.join(dataDir, 'addons') });
      await redis.stopServers().finally(() => redis.close());
      for (const id of appIds) await removeDockerObjects(`platform.app-id=${id}`);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
