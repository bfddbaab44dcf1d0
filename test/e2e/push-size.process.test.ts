import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, fixtureRepo, getViaRouter, git } from '../support/apps.ts';
import { api } from '../support/api.ts';

const MiB = 1024 * 1024;
const LIMIT = 52 * MiB;

/**
 * Real repositories push (issue 14, item 3): packs of any size up to PLATFORM_MAX_PUSH_BYTES with git's default
 * settings (under and over its 1 MiB http.postBuffer), a refusal just over it that says why and stores nothing,
 * and pushes from shallow clones, deployed: the first, a second one (forced) and a later full push.
 */
describe('pushes of real repositories (process runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  const app = 'big-app';
  const push = (cwd: string, ...args: string[]) => run('git', ['push', ...args], { cwd, env, timeoutMs: 280_000 });
  const releases = async (name: string) => (await api(server.apiUrl, server.token, 'GET', `/apps/${name}/releases`)).json as Array<{ status: string }>;
  const addRandom = async (file: string, bytes: number) => {
    await writeFile(path.join(repo, file), randomBytes(bytes)); // incompressible: the pack is as big as the file
    await git(repo, env, ['add', '-A']);
    await git(repo, env, ['commit', '-q', '-m', `add ${file}`]);
  };

  beforeAll(async () => {
    server = await startServer({ runtime: 'process', env: { PLATFORM_MAX_PUSH_BYTES: String(LIMIT) } });
    env = await createUserEnv();
    repo = await fixtureRepo('procfile-app', env);
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    expect((await platform(['apps:create', app], { cwd: repo, env })).code).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
    if (repo) await rm(repo, { recursive: true, force: true });
    if (env?.HOME) await rm(env.HOME, { recursive: true, force: true });
  });

  it('deploys a 1 MB push and then a 50 MB one', async () => {
    await addRandom('one-mb.bin', 1_000_000);
    const small = await push(repo, 'platform', 'main');
    expect(small.code, small.stderr).toBe(0);
    expect(small.stderr).toMatch(/Released v1/);
    await addRandom('fifty-mb.bin', 50_000_000);
    const big = await push(repo, 'platform', 'main');
    expect(big.code, big.stderr).toBe(0);
    expect(big.stderr).toMatch(/Released v2/);
    expect((await getViaRouter(server.routerUrl, app, '/')).body).toMatch(/from procfile-app/);
  });

  it('refuses a push just over the limit before storing or building anything, naming the limit and the setting', async () => {
    const repoDir = path.join(server.dataDir, 'repos', `${app}.git`);
    const objectsBefore = await readdir(path.join(repoDir, 'objects'), { recursive: true });
    const buildsBefore = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/builds`)).json.length;
    await addRandom('over.bin', LIMIT + 256 * 1024);
    const r = await push(repo, 'platform', 'main');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`remote:  !     Push rejected: it is larger than 52 MiB (${LIMIT} bytes), the platform's PLATFORM_MAX_PUSH_BYTES setting.`);
    expect(r.stderr).toContain('! [remote rejected] main -> main (push too large)');
    expect(r.stderr).not.toMatch(/Building source|HTTP 413/);
    expect((await readdir(path.join(repoDir, 'objects'), { recursive: true })).sort()).toEqual(objectsBefore.sort());
    expect((await api(server.apiUrl, server.token, 'GET', `/apps/${app}/builds`)).json).toHaveLength(buildsBefore);
    expect(await releases(app)).toHaveLength(2);
    await git(repo, env, ['reset', '-q', '--hard', 'HEAD~1']);
  });

  it('deploys pushes from shallow clones to a fresh app: the first, a second one and a later full push', async () => {
    const shallowApp = 'shallow-app';
    expect((await api(server.apiUrl, server.token, 'POST', '/apps', { name: shallowApp })).status).toBe(201);
    const url = `${server.apiUrl}/${shallowApp}.git`;
    const origin = await fixtureRepo('procfile-app', env);
    const clones = await mkdtemp(path.join(tmpdir(), 'platform-shallow-'));
    const shallowClone = async (name: string) => {
      await git(clones, env, ['clone', '-q', '--depth', '1', `file://${origin}`, name]);
      return path.join(clones, name);
    };
    const greet = (text: string) => commitFile(origin, env, 'Procfile', `web: GREETING=${text} node server.js\n`, text);
    try {
      await greet('first');
      const first = await push(await shallowClone('one'), url, 'HEAD:main');
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).toContain('Warning: this push comes from a shallow clone.');
      expect(first.stderr).toMatch(/Released v1/);
      expect((await getViaRouter(server.routerUrl, shallowApp, '/')).body).toMatch(/^first from procfile-app/);

      await greet('second');
      const second = await push(await shallowClone('two'), '--force', url, 'HEAD:main');
      expect(second.code, second.stderr).toBe(0);
      expect((await getViaRouter(server.routerUrl, shallowApp, '/')).body).toMatch(/^second from procfile-app/);

      await greet('full');
      const full = await push(origin, url, 'HEAD:main');
      expect(full.code, full.stderr).toBe(0);
      expect(full.stderr).not.toContain('shallow clone');
      expect((await getViaRouter(server.routerUrl, shallowApp, '/')).body).toMatch(/^full from procfile-app/);
      expect((await releases(shallowApp)).map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    } finally {
      await rm(origin, { recursive: true, force: true });
      await rm(clones, { recursive: true, force: true });
    }
  });
});
