import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerBuilder, cacheVolumeName } from '../src/index.ts';
import { STACK_IMAGE, buildpacksDir, dockerCli, fixture, makeTemp, request, requireDocker, tarOf, writeTree } from './helpers.ts';

// One app id per run: a fresh cache volume, removed (with every image built here) in afterAll.
const run = randomBytes(4).toString('hex');
const appId = `bdtest-${run}`;
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';
const SECRET = `s3cret-${randomBytes(12).toString('hex')}`;

let docker: Docker;
let tmp: string;
let probePacks: string;
const images: string[] = [];

beforeAll(async () => {
  docker = await requireDocker();
  tmp = await makeTemp('builder-docker-test-');
  // The real buildpacks plus test ones: `probe` reports the build's view of itself, `slow` never ends,
  // `noisy` prints a lot. Each is chosen by a marker file in the app.
  probePacks = path.join(tmp, 'buildpacks');
  await fsp.cp(buildpacksDir, probePacks, { recursive: true });
  await writeTree(probePacks, {
    'probe/bin/detect': '#!/usr/bin/env bash\n[ -f "$1/probe" ] && echo Probe\n',
    'probe/bin/compile': [
      '#!/usr/bin/env bash',
      'echo "uid=$(id -u)"',
      'echo "env-files=$(ls "$3" | tr "\\n" ,)"',
      'if env | grep -q "^SECRET_TOKEN="; then echo secret-in-env=yes; else echo secret-in-env=no; fi',
      'if [ -e /var/run/docker.sock ]; then echo docker-sock=yes; else echo docker-sock=no; fi',
      'if touch /platform/buildpacks/x 2>/dev/null; then echo buildpacks=writable; else echo buildpacks=read-only; fi',
      'echo "hello" > "$1/built.txt"',
      '',
    ].join('\n'),
    'slow/bin/detect': '#!/usr/bin/env bash\n[ -f "$1/slow" ] && echo Slow\n',
    'slow/bin/compile': '#!/usr/bin/env bash\necho starting; sleep 600\n',
    'noisy/bin/detect': '#!/usr/bin/env bash\n[ -f "$1/noisy" ] && echo Noisy\n',
    'noisy/bin/compile': '#!/usr/bin/env bash\nfor i in $(seq 1 2000); do echo "line $i of noise"; done\n',
    order: 'probe\nslow\nnoisy\nnodejs\nprocfile\n',
  });
});

afterAll(async () => {
  await Promise.all(images.map((image) => docker?.getImage(image).remove({ force: true }).catch(() => {})));
  await docker?.getVolume(cacheVolumeName(appId)).remove().catch(() => {});
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

function builder(extra: Partial<Parameters<typeof createDockerBuilder>[0]> = {}) {
  return createDockerBuilder({
    docker,
    stackImage: STACK_IMAGE,
    buildpacksDir: probePacks,
    slugsDir: path.join(tmp, 'slugs'),
    // Behind a TLS-intercepting proxy the registry is trusted only through the host's CA bundle.
    caCertificatesFile: existsSync(HOST_CA) ? HOST_CA : undefined,
    ...extra,
  });
}

async function buildContainersOf(buildId: string) {
  return docker.listContainers({ all: true, filters: { label: [`platform.build=${buildId}`] } });
}

async function slugEntries(slugPath: string): Promise<string[]> {
  const names: string[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    names.push(header.name);
    stream.resume().once('end', () => next());
  });
  await pipeline(createReadStream(slugPath), zlib.createGunzip(), extract);
  return names;
}

describe('createDockerBuilder', () => {
  it('builds the node app in a container: npm installs ms from the registry, slug and image come back', async () => {
    const buildId = `b1-${run}`;
    const req = request(tarOf(fixture('node-app')), { appId, buildId, env: { SECRET_TOKEN: SECRET } });
    const result = await builder().build(req);
    images.push(result.image!);

    expect(req.text()).toMatch(/-----> Node\.js app detected/);
    expect(req.text()).toContain('Installing node modules (npm ci, from package-lock.json)');
    expect(req.text()).toMatch(/Procfile declares types\s+-> web, worker/);
    expect(req.text()).not.toContain(SECRET);
    expect(result.buildpack).toBe('Node.js');
    expect(Object.keys(result.processTypes).sort()).toEqual(['web', 'worker']);
    expect(result.image).toBe(`platform/bd-test:${buildId}`);
    expect(path.basename(result.slug!.path)).toBe(`${result.slug!.checksum}.tgz`);
    const names = await slugEntries(result.slug!.path);
    expect(names).toContain('node_modules/ms/package.json');
    expect(names).toContain('server.js');
    expect(names.every((n) => !n.startsWith('/') && !n.startsWith('./') && !n.startsWith('app/'))).toBe(true);

    // The image runs the installed dependency, and holds no config value anywhere.
    const ran = await dockerCli(['run', '--rm', result.image!, 'node', '-e', 'console.log(require("ms")(60000))']);
    expect(ran.trim()).toBe('1m');
    // Through .profile.d (as every dyno starts), the image runs the Node.js the build installed, not the stack's.
    const own = await dockerCli(['run', '--rm', result.image!, 'bash', '-c', 'for f in .profile.d/*.sh; do . "$f"; done; command -v node; echo "$NODE_ENV"']);
    expect(own.trim().split('\n')).toEqual(['/app/.heroku/node/bin/node', 'production']);
    const inspect = await dockerCli(['image', 'inspect', result.image!]);
    const history = await dockerCli(['history', '--no-trunc', result.image!]);
    expect(inspect).not.toContain(SECRET);
    expect(inspect).not.toContain('SECRET_TOKEN');
    expect(history).not.toContain(SECRET);
    expect(JSON.parse(inspect)[0].Config.Labels).toMatchObject({ 'platform.app': 'bd-test', 'platform.build': buildId });
    expect(await buildContainersOf(buildId)).toHaveLength(0);
  }, 400_000); // downloads and unpacks Node.js in the container

  it('rebuilds warm: npm ci runs again, Node.js and the npm cache come from the cache volume', async () => {
    const buildId = `b2-${run}`;
    const req = request(tarOf(fixture('node-app')), { appId, buildId });
    const result = await builder().build(req);
    images.push(result.image!);
    expect(req.text()).toContain('Installing node modules (npm ci, from package-lock.json)');
    expect(req.text()).toMatch(/Using Node\.js [\d.]+ unpacked by the previous build/);
    expect(await slugEntries(result.slug!.path)).toContain('node_modules/ms/package.json');
  }, 300_000);

  it('runs buildpacks as the unprivileged user, config only as ENV_DIR files, no Docker socket', async () => {
    const src = await writeTree(path.join(tmp, 'probe-app'), { probe: '', Procfile: 'web: node server.js\n' });
    const buildId = `b3-${run}`;
    const req = request(tarOf(src), { appId, buildId, env: { SECRET_TOKEN: SECRET, OTHER: 'x' } });
    const result = await builder().build(req);
    images.push(result.image!);
    const text = req.text();
    expect(text).toContain('uid=1000');
    expect(text).toContain('env-files=OTHER,SECRET_TOKEN,');
    expect(text).toContain('secret-in-env=no');
    expect(text).toContain('docker-sock=no');
    expect(text).toContain('buildpacks=read-only');
    expect(await slugEntries(result.slug!.path)).toContain('built.txt');
  });

  it('fails a build whose compile step fails, with the reason, and removes the container', async () => {
    const buildId = `b4-${run}`;
    const req = request(tarOf(fixture('failing-build-app')), { appId, buildId });
    await expect(builder().build(req)).rejects.toMatchObject({
      code: 'PLT_BUILD_FAILED',
      message: 'The buildpack failed to compile the app.',
    });
    expect(req.text()).toContain('fixture build step failing on purpose');
    expect(req.text()).toMatch(/Push rejected, failed to compile Node\.js app/);
    expect(await buildContainersOf(buildId)).toHaveLength(0);
  });

  it('kills a build that passes its time limit and removes the container', async () => {
    const src = await writeTree(path.join(tmp, 'slow-app'), { slow: '' });
    const buildId = `b5-${run}`;
    const req = request(tarOf(src), { appId, buildId });
    await expect(builder({ timeoutMs: 3000 }).build(req)).rejects.toMatchObject({
      code: 'PLT_BUILD_FAILED',
      message: 'Build timed out after 3 s and was stopped.',
    });
    expect(req.text()).toContain('starting');
    expect(await buildContainersOf(buildId)).toHaveLength(0);
  });
});
