/**
 * Dockerfile deploys end to end on the docker runtime (issue 18): a heroku.yml app whose Dockerfile builds FROM the
 * local stack image (no registry is reachable here; any base works where one is), served through the router by
 * the image's own CMD on $PORT, scaled, its config changed, rolled back without a rebuild, its release phase run in
 * the new image, one-offs run in it; its image holds no config value; a rollback to a release whose image is gone is
 * refused; a bad heroku.yml is refused and changes nothing; a web process ignoring $PORT fails its deploy (R10).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, eventually, fixtureRepo, getViaRouter, git } from '../support/apps.ts';
import { requireDocker } from '../support/docker.ts';

const docker = requireDocker();

/** Streams `docker save` of an image (every layer, its config, its history) and says whether `needle` occurs in it. */
function savedImageContains(image: string, needle: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'pipe'] });
    const target = Buffer.from(needle);
    let tail = Buffer.alloc(0);
    let found = false;
    child.stdout.on('data', (chunk: Buffer) => {
      const window = Buffer.concat([tail, chunk]);
      if (window.includes(target)) found = true;
      tail = window.subarray(Math.max(0, window.length - target.length + 1));
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(found) : reject(new Error(`docker save ${image} exited ${code}`))));
  });
}

interface Served {
  version: string;
  builtWith: string;
  greeting: string | null;
  dyno: string;
  port: string;
  cwd: string;
  uid: number;
}

describe('Dockerfile deploys (docker runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  let firstPush = '';
  const app = `df-${randomBytes(3).toString('hex')}`;
  const secret = `s3cret-${randomBytes(12).toString('hex')}`;

  const cli = async (args: string[]) => {
    const r = await platform([...args, '-a', app], { cwd: repo, env });
    expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const push = async () => {
    const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env, timeoutMs: 10 * 60_000 });
    return { code: r.code, out: r.stdout + r.stderr };
  };
  const served = (want: (s: Served) => boolean, what: string) =>
    eventually(
      async () => {
        const res = await getViaRouter(server.routerUrl, app, '/');
        if (res.status !== 200) return undefined;
        const body = JSON.parse(res.body) as Served;
        return want(body) ? body : undefined;
      },
      90_000,
      what,
    );
  const releases = async () => JSON.parse(await cli(['releases', '--json'])) as Array<{ version: number; status: string; description: string }>;
  const appImages = async () => (await docker.listImages({ filters: { label: [`platform.app=${app}`] } })).map((i) => i.Id).sort();

  beforeAll(async () => {
    // A web dyno that ignores $PORT fails its boot after this long (the last case); the others bind within seconds.
    server = await startServer({ runtime: 'docker', env: { PLATFORM_BOOT_TIMEOUT: '30' } });
    expect(server.runtime).toBe('docker');
    env = await createUserEnv();
    repo = await fixtureRepo('dockerfile-app', env);
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { cwd: repo, env });
    expect(login.code, login.stderr).toBe(0);
    const created = await platform(['apps:create', app], { cwd: repo, env });
    expect(created.code, created.stderr).toBe(0);
    await cli(['config:set', `SECRET_TOKEN=${secret}`, 'GREETING=hello']);
    const r = await push();
    firstPush = r.out;
    expect(r.code, firstPush).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await server?.destroy();
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  it('streams the engine build to git push, passes only the declared build arg, and runs the release phase in the new image', () => {
    expect(firstPush).toContain('remote: -----> heroku.yml: building the Dockerfile');
    expect(firstPush).toMatch(/remote: +Step 1\/\d+ : FROM platform\/stack:bookworm-4/);
    expect(firstPush).toContain('remote:        Build args from heroku.yml: BUILT_WITH');
    expect(firstPush).toContain('remote:        EXPOSE 3000/tcp noted; web dynos get $PORT');
    expect(firstPush).toMatch(/remote: release phase of version 1 in \/srv\/app/);
    expect(firstPush).toMatch(/remote: +Released v\d+/);
    expect(firstPush).not.toContain(secret);
  });

  it("serves web through the router from the image's own CMD, on the $PORT it was given, as a non-root user", async () => {
    const body = await served((s) => s.version === '1', 'version 1 served');
    expect(body).toMatchObject({ builtWith: 'heroku.yml', greeting: 'hello', dyno: 'web.1', cwd: '/srv/app' });
    expect(body.port).not.toBe('3000');
    expect(body.uid).not.toBe(0);
  });

  it('holds no config value in the image: not in its inspect, its history or any byte of docker save', async () => {
    const images = await docker.listImages({ filters: { label: [`platform.app=${app}`] } });
    expect(images).toHaveLength(1);
    const image = docker.getImage(images[0]!.Id);
    expect(JSON.stringify(await image.inspect())).not.toContain(secret);
    expect(JSON.stringify(await image.history())).not.toContain(secret);
    expect(await savedImageContains(images[0]!.Id, secret)).toBe(false);
    expect(await savedImageContains(images[0]!.Id, 'BUILT_WITH')).toBe(true); // the search itself works
  });

  it('scales web and runs the heroku.yml worker in the same image', async () => {
    await cli(['ps:scale', 'web=2', 'worker=1']);
    const up = async () => (JSON.parse(await cli(['ps', '--json'])) as Array<{ name: string; state: string }>).filter((d) => d.state === 'up').map((d) => d.name).sort();
    await eventually(async () => (await up()).join() === 'web.1,web.2,worker.1', 120_000, 'web.1, web.2 and worker.1 up');
    const dynos = new Set<string>();
    await eventually(async () => {
      dynos.add((await served(() => true, 'served')).dyno);
      return dynos.size === 2;
    }, 60_000, 'both web dynos answering');
    await cli(['ps:scale', 'web=1', 'worker=0']);
  });

  it('takes a config change as a release that restarts the same image, without a build', async () => {
    const before = await appImages();
    await cli(['config:set', 'GREETING=bonjour']);
    await served((s) => s.greeting === 'bonjour', 'the new config served');
    expect(await appImages()).toEqual(before);
  });

  it('rolls back to the first image without rebuilding it', async () => {
    await commitFile(repo, env, 'version.txt', '2\n', 'version 2');
    const second = await push();
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/remote: release phase of version 2/);
    expect(second.out).toMatch(/Using cache/); // the engine's layer cache, kept between builds
    await served((s) => s.version === '2', 'version 2 served');
    const images = await appImages();
    expect(images).toHaveLength(2);

    const firstDeploy = (await releases()).filter((r) => r.description.startsWith('Deploy')).sort((a, b) => a.version - b.version)[0]!;
    const out = await cli(['rollback', `v${firstDeploy.version}`]);
    expect(out).not.toMatch(/Step \d|Building/);
    const body = await served((s) => s.version === '1', 'version 1 served again');
    expect(body.greeting).toBe('hello'); // Heroku's rollback takes the old release's code and config
    expect(await appImages()).toEqual(images);
  });

  it('runs one-offs in the image, in its WORKDIR, with the config', async () => {
    const r = await platform(['run', '-a', app, 'echo "$GREETING from $(pwd), version $(cat version.txt)"'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('hello from /srv/app, version 1');
  });

  it('keeps the images of the last releases on collection, and refuses a rollback to a release whose image is gone (no slug to recreate it)', async () => {
    const prune = await platform(['images:prune'], { cwd: repo, env });
    expect(prune.code, prune.stderr).toBe(0);
    const images = await appImages();
    expect(images).toHaveLength(2);
    const deploys = (await releases()).filter((r) => r.description.startsWith('Deploy')).sort((a, b) => b.version - a.version);
    // The second deploy's image (no dyno runs it: the rollback runs the first) goes, as the GC takes one past the last N.
    const running = await docker.listContainers({ filters: { label: [`platform.app=${app}`] } });
    const inUse = new Set(running.map((c) => c.ImageID));
    const removable = (await docker.listImages({ filters: { label: [`platform.app=${app}`] } })).filter((i) => !inUse.has(i.Id));
    expect(removable).toHaveLength(1);
    await docker.getImage(removable[0]!.Id).remove({ force: true });
    const before = await releases();
    const r = await platform(['rollback', `v${deploys[0]!.version}`, '-a', app], { cwd: repo, env });
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toContain("its image (built from the app's Dockerfile) was collected");
    expect(await releases()).toEqual(before);
    await served((b) => b.version === '1', 'the running release still served');
  });

  it('refuses a bad heroku.yml with one clear message and changes nothing', async () => {
    const before = await releases();
    await commitFile(repo, env, 'heroku.yml', 'build:\n  docker:\n    web: Dockerfile\n    worker: other/Dockerfile\n', 'a missing Dockerfile');
    const r = await push();
    expect(r.code).not.toBe(0);
    expect(r.out.match(/No other\/Dockerfile in the repository \(heroku\.yml build\.docker\.worker names it\)/g), r.out).toHaveLength(1);
    expect(r.out).toContain('[remote rejected]');
    expect(await releases()).toEqual(before);
    await served((s) => s.version === '1', 'the running release still served');
  });

  it("fails the deploy of a web process that listens on its EXPOSE'd port and ignores $PORT (Heroku's R10), the app left as it was", async () => {
    const other = `${app}-port`;
    const created = await platform(['apps:create', other, '--remote', other], { cwd: repo, env });
    expect(created.code, created.stderr).toBe(0);
    await commitFile(repo, env, 'heroku.yml', 'build:\n  docker:\n    web: Dockerfile\nrun:\n  web: PORT=3000 exec node server.js\n', 'listen on 3000 whatever $PORT says');
    const r = await run('git', ['push', other, 'main'], { cwd: repo, env, timeoutMs: 10 * 60_000 });
    const out = r.stdout + r.stderr;
    expect(r.code, out).not.toBe(0);
    expect(out).toContain('EXPOSE 3000/tcp noted; web dynos get $PORT');
    expect(out).toMatch(/Error R10 \(Boot timeout\) -> web\.1 failed to bind to \$PORT within 30 seconds/);
    const list = await platform(['releases', '--json', '-a', other], { cwd: repo, env });
    expect((JSON.parse(list.stdout) as Array<{ status: string }>).map((x) => x.status)).toEqual(['failed']);
    await git(repo, env, ['reset', '-q', '--hard', 'HEAD~1']);
  });
});
