/**
 * Runs the real buildpack runner (`buildpacks/_runner/build`) on an app dir the way builder-local does (a bare
 * environment; config only as ENV_DIR files), optionally with a chosen buildpack list, and starts what its
 * `web` process type says, as a dyno would (in the app dir, with PORT).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const buildpacksDir = path.join(repoRoot, 'buildpacks');

export interface RunnerResult {
  code: number | null;
  text: string;
  lines: string[];
  /** The release YAML (the last buildpack's bin/release), '' when none was written. */
  release: string;
}

export interface RunnerOptions {
  config?: Record<string, string>;
  buildpacks?: string[];
  /** Extra environment (e.g. SHARED_CACHE_DIR); the runner gets nothing else from the test's. */
  env?: Record<string, string>;
}

export async function runRunner(app: string, cache: string, options: RunnerOptions = {}): Promise<RunnerResult> {
  const scratch = await fsp.mkdtemp(path.join(os.tmpdir(), 'bp-run-'));
  const env = path.join(scratch, 'env');
  const out = path.join(scratch, 'out');
  await fsp.mkdir(env);
  await fsp.mkdir(out);
  await fsp.mkdir(path.join(scratch, 'home'));
  for (const [key, value] of Object.entries(options.config ?? {})) await fsp.writeFile(path.join(env, key), value);
  try {
    const argv = [app, cache, env, buildpacksDir, path.join(out, 'release.yml')];
    if (options.buildpacks?.length) argv.push(options.buildpacks.join(','));
    const child = spawn(path.join(buildpacksDir, '_runner/build'), argv, {
      cwd: app,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: path.join(scratch, 'home'), STACK: 'bookworm', LANG: 'C.UTF-8', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const release = await fsp.readFile(path.join(out, 'release.yml'), 'utf8').catch(() => '');
    return { code, text, lines: text.split('\n'), release };
  } finally {
    await fsp.rm(scratch, { recursive: true, force: true });
  }
}

/** Writes `files` into a new dir under `parent`. */
export async function writeApp(parent: string, files: Record<string, string | Buffer>): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(parent, 'app-'));
  for (const [name, body] of Object.entries(files)) {
    await fsp.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fsp.writeFile(path.join(dir, name), body);
  }
  return dir;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs `command` in `app` as a one-off dyno would (.profile.d first); resolves its exit code and output. */
export async function runIn(app: string, command: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const script = 'for f in .profile.d/*.sh; do [ -f "$f" ] && . "$f"; done; exec bash -c "$0"';
  const child = spawn('bash', ['-c', script, command], { cwd: app, env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: app, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output };
}

/**
 * Starts `command` (a process type's command) with bash in `app`, sourcing `.profile.d/*.sh` first as dynos do, with
 * PORT; resolves once the port accepts connections. `stop()` ends it.
 */
export async function startWeb(app: string, command: string, env: Record<string, string> = {}): Promise<{ url: string; output: () => string; stop: () => Promise<void> }> {
  const port = await freePort();
  const script = 'for f in .profile.d/*.sh; do [ -f "$f" ] && . "$f"; done; exec bash -c "$0"';
  const child: ChildProcess = spawn('bash', ['-c', script, command], {
    cwd: app,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: app, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`web process exited with ${child.exitCode}:\n${output}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (open) break;
    if (Date.now() > deadline) throw new Error(`web process did not bind ${port}:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('close', resolve));
    },
  };
}
