import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, startServer, type ServerHandle } from '../support/platform.ts';
import { run } from '../support/cli.ts';

/**
 * `platform` as a teammate gets it, without a checkout: `npm install -g http://<server>/cli/platform-cli.tgz` into
 * an empty npm prefix, from a running platformd, with no registry reachable (the package has no dependencies, so
 * npm must fetch nothing but the tarball), then the installed `platform` against that server.
 */
describe('the CLI package, installed from the server', () => {
  let server: ServerHandle | undefined;
  let scratch: string | undefined;
  let tarballUrl: string;
  let prefix: string;
  let home: string;
  let appName: string;

  /** The installed `platform`, in a user's shell: PATH (for node), a HOME of its own, nothing else of ours. */
  const platform = (args: string[], env: Record<string, string> = {}) =>
    run(path.join(prefix, 'bin', 'platform'), args, {
      cwd: scratch!,
      env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: home, NO_COLOR: '1', ...env },
    });

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'platform-cli-package-'));
    prefix = path.join(scratch, 'prefix');
    home = path.join(scratch, 'home');
    await mkdir(home);
    await writeFile(path.join(scratch, 'npmrc'), ''); // npm reads this user config, not the machine user's
    server = await startServer({ runtime: 'process' });
    tarballUrl = `${server.apiUrl}/cli/platform-cli.tgz`;
    appName = `pkg-${Date.now().toString(36)}`;
  });
  afterAll(async () => {
    await server?.destroy();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('serves the packed CLI without a token, as a gzip tarball that revalidates by ETag', async () => {
    const res = await fetch(tarballUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const body = Buffer.from(await res.arrayBuffer());
    const built = await readFile(path.join(REPO_ROOT, 'apps', 'cli', 'dist', 'platform-cli.tgz'));
    expect(body.equals(built)).toBe(true);
    expect(Number(res.headers.get('content-length'))).toBe(built.length);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    const again = await fetch(tarballUrl, { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    const head = await fetch(tarballUrl, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(built.length));
  });

  it('installs into an empty npm prefix from the server URL, with no registry reachable', async () => {
    const install = await run(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        tarballUrl,
        // Nothing listens on port 9: a request to the registry would fail the install.
        '--registry',
        'http://127.0.0.1:9/',
        '--cache',
        path.join(scratch!, 'npm-cache'),
        '--userconfig',
        path.join(scratch!, 'npmrc'),
        '--no-audit',
        '--no-fund',
        '--no-update-notifier',
      ],
      { cwd: scratch!, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home }, timeoutMs: 120_000 },
    );
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toMatch(/added 1 package/);
    // One bundled file and its papers: no node_modules, no native module.
    const installed = path.join(prefix, 'lib', 'node_modules', '@platform', 'cli');
    expect((await readdir(installed)).sort()).toEqual([
      'README.md',
      'THIRD-PARTY-NOTICES.txt',
      'package.json',
      'platform.cjs',
    ]);
    const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.bin).toEqual({ platform: 'platform.cjs' });
  });

  it('reports the version the running server reports', async () => {
    const health = (await (await fetch(`${server!.apiUrl}/healthz`)).json()) as { version: string };
    const rootVersion = (
      JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
    ).version;
    expect(health.version).toBe(rootVersion);
    const version = await platform(['--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toBe(`${health.version}\n`);
  });

  it('works against the server with PLATFORM_SERVER and PLATFORM_API_KEY alone', async () => {
    const env = { PLATFORM_SERVER: server!.apiUrl, PLATFORM_API_KEY: server!.token };
    const created = await platform(['apps:create', appName], env);
    expect(created.code, created.stderr).toBe(0);
    const apps = await platform(['apps', '--json'], env);
    expect(apps.code, apps.stderr).toBe(0);
    expect((JSON.parse(apps.stdout) as Array<{ name: string }>).map((a) => a.name)).toContain(appName);
  });

  it('logs in with --server and --token-file, then needs no environment variables', async () => {
    const login = await platform([
      'login',
      '--server',
      server!.apiUrl,
      '--token-file',
      path.join(server!.dataDir, 'admin-token'),
    ]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/^Logged in as /);
    const apps = await platform(['apps']);
    expect(apps.code, apps.stderr).toBe(0);
    expect(apps.stdout).toContain(appName);
  });
});
