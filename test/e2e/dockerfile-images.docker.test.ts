/**
 * Dockerfile deploys with one image per process type, end to end on the docker runtime (issue 18): heroku.yml's
 * `build.docker: { web: Dockerfile, worker: worker/Dockerfile }` builds two images (each from its own context, FROM
 * the local stack image), each type's dynos run their own image, the release phase runs in `release.image`, one-offs
 * in web's, a rollback brings back every image of the old release, `ps` shows each image's own command; a heroku.yml
 * naming a missing Dockerfile, or a type left without an image, is refused and changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, eventually, fixtureRepo, getViaRouter, git } from '../support/apps.ts';
import { requireDocker } from '../support/docker.ts';

const docker = requireDocker();

describe('Dockerfile deploys with an image per process type (docker runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  let firstPush = '';
  const app = `dfi-${randomBytes(3).toString('hex')}`;

  const cli = async (args: string[]) => {
    const r = await platform([...args, '-a', app], { cwd: repo, env });
    expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const push = async () => {
    const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env, timeoutMs: 10 * 60_000 });
    return { code: r.code, out: r.stdout + r.stderr };
  };
  const releases = async () => JSON.parse(await cli(['releases', '--json'])) as Array<{ version: number; status: string; description: string }>;
  /** The image each running dyno of the app was started from, by dyno name. */
  const dynoImages = async () => {
    const containers = await docker.listContainers({ filters: { label: [`platform.app=${app}`] } });
    return Object.fromEntries(containers.map((c) => [c.Labels['platform.dyno']!, c.Image]));
  };
  const webVersion = async (version: string) =>
    eventually(async () => {
      const res = await getViaRouter(server.routerUrl, app, '/');
      const body = res.status === 200 ? (JSON.parse(res.body) as { role: string; version: string }) : null;
      return body?.version === version ? body : undefined;
    }, 90_000, `web serving version ${version}`);
  const imagesOf = (out: string) => ({
    web: /remote: +web: image (\S+)/.exec(out)?.[1],
    worker: /remote: +worker: image (\S+)/.exec(out)?.[1],
    release: /remote: +release: image (\S+)/.exec(out)?.[1],
  });

  beforeAll(async () => {
    server = await startServer({ runtime: 'docker' });
    expect(server.runtime).toBe('docker');
    env = await createUserEnv();
    repo = await fixtureRepo('dockerfile-images-app', env);
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { cwd: repo, env });
    expect(login.code, login.stderr).toBe(0);
    const created = await platform(['apps:create', app], { cwd: repo, env });
    expect(created.code, created.stderr).toBe(0);
    const r = await push();
    firstPush = r.out;
    expect(r.code, firstPush).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await server?.destroy();
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  it('builds each Dockerfile from its own context and runs the release phase in the release.image', () => {
    expect(firstPush).toContain('remote: -----> Building the Dockerfile (Dockerfile) for web');
    expect(firstPush).toContain('remote: -----> Building the Dockerfile (worker/Dockerfile, context worker/) for worker');
    expect(firstPush).toContain('remote:        web runs the image\'s own command: ["node","server.js"]');
    expect(firstPush).toContain('remote:        worker runs the image\'s own command: ["node","worker.js"]');
    const images = imagesOf(firstPush);
    expect(images.web).toMatch(new RegExp(`^platform/${app}:[^-]+`));
    expect(images.worker).toBe(`${images.web}-worker`);
    expect(images.release).toBe(images.worker);
    expect(firstPush).toMatch(/remote: release phase of version 1 in the worker image at \/srv\/worker/);
    expect(firstPush).toMatch(/remote: +Released v\d+/);
  });

  it("runs each process type's dynos from its own image, and ps shows each image's own command", async () => {
    const images = imagesOf(firstPush);
    const body = await webVersion('1');
    expect(body.role).toBe('web');
    await cli(['ps:scale', 'worker=1']);
    const dynos = async () => JSON.parse(await cli(['ps', '--json'])) as Array<{ name: string; state: string; command: string }>;
    await eventually(async () => (await dynos()).filter((d) => d.state === 'up').length === 2, 120_000, 'web.1 and worker.1 up');
    expect(await dynoImages()).toEqual({ 'web.1': images.web, 'worker.1': images.worker });
    const commands = Object.fromEntries((await dynos()).map((d) => [d.name, d.command]));
    expect(commands).toEqual({ 'web.1': 'node server.js', 'worker.1': 'node worker.js' });
    expect(await cli(['ps'])).toContain('node worker.js');
    const logs = await eventually(async () => {
      const out = await cli(['logs', '-n', '200']);
      return out.includes('worker version 1 in the worker image at /srv/worker') ? out : undefined;
    }, 60_000, "the worker's line in the logs");
    expect(logs).toMatch(/platform\[worker\.1\]: Starting process with command `node worker\.js`/);
  });

  it("runs one-offs in the web image", async () => {
    const r = await platform(['run', '-a', app, 'echo "$IMAGE_ROLE in $(pwd)"'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('web in /srv/web');
  });

  it('rolls back to every image of the first release without rebuilding', async () => {
    await commitFile(repo, env, 'version.txt', '2\n', 'web version 2');
    await commitFile(repo, env, 'worker/version.txt', '2\n', 'worker version 2');
    const second = await push();
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/remote: release phase of version 2 in the worker image/);
    const secondImages = imagesOf(second.out);
    await webVersion('2');
    await eventually(async () => (await dynoImages())['worker.1'] === secondImages.worker, 120_000, 'worker.1 on the second worker image');

    const first = imagesOf(firstPush);
    const firstDeploy = (await releases()).filter((r) => r.description.startsWith('Deploy')).sort((a, b) => a.version - b.version)[0]!;
    const out = await cli(['rollback', `v${firstDeploy.version}`]);
    expect(out).not.toMatch(/Step \d|Building/);
    await webVersion('1');
    await eventually(async () => {
      const now = await dynoImages();
      return now['web.1'] === first.web && now['worker.1'] === first.worker;
    }, 120_000, 'web.1 and worker.1 back on the first images');
  });

  it.each([
    ['a Dockerfile that does not exist', 'build:\n  docker:\n    web: Dockerfile\n    worker: jobs/Dockerfile\n', 'No jobs/Dockerfile in the repository (heroku.yml build.docker.worker names it).'],
    ['a run: type with no image to run in', 'build:\n  docker:\n    worker: worker/Dockerfile\nrun:\n  clock: node clock.js\n', 'heroku.yml: run.clock has no image to run in'],
  ])('refuses a heroku.yml with %s, in git push, and releases nothing', async (_what, manifest, message) => {
    const before = await releases();
    await commitFile(repo, env, 'heroku.yml', manifest, 'a bad heroku.yml');
    const r = await push();
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(`remote:  !     ${message}`);
    expect(r.out).toContain('[remote rejected]');
    expect(await releases()).toEqual(before);
    await git(repo, env, ['reset', '-q', '--hard', 'HEAD~1']);
    await webVersion('1');
  });
});
