import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheVolumeName, createDockerBuilder } from '../src/index.ts';
import { STACK_IMAGE, buildpacksDir, dockerCli, exitedTarOf, makeTemp, request, requireDocker, writeTree } from './helpers.ts';

/**
 * Dockerfile deploys through the docker builder, on the real engine, FROM the local stack image (no registry is
 * reachable here; any base works where one is): heroku.yml's plan or a Dockerfile nothing else matches.
 */
const SECRET = `s3cret-${randomBytes(12).toString('hex')}`;
const run = randomBytes(3).toString('hex');
const appId = `dftest-${run}`;
let docker: Docker;
let tmp: string;
const images: string[] = [];

beforeAll(async () => {
  docker = await requireDocker();
  tmp = await makeTemp('dockerfile-build-');
});
afterAll(async () => {
  for (const image of images) await docker?.getImage(image).remove({ force: true }).catch(() => {});
  await docker?.getVolume(cacheVolumeName(appId)).remove().catch(() => {});
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

async function build(files: Record<string, string>, extra: { env?: Record<string, string>; timeoutMs?: number; buildpacks?: string[] } = {}) {
  const dir = await writeTree(await fsp.mkdtemp(path.join(tmp, 'src-')), files);
  const buildId = `b${run}-${images.length}`;
  images.push(`platform/df-test:${buildId}`);
  // A producer that has exited before anybody read its output: what a loaded machine makes of a slow reader.
  const req = request(await exitedTarOf(dir), { app: 'df-test', appId, buildId, env: extra.env ?? {}, buildpacks: extra.buildpacks });
  const builder = createDockerBuilder({
    docker,
    stackImage: STACK_IMAGE,
    buildpacksDir,
    slugsDir: path.join(tmp, 'slugs'),
    timeoutMs: extra.timeoutMs ?? 300_000,
    memoryMb: 512,
  });
  const result = builder.build(req);
  result.catch(() => {});
  return { result, text: req.text };
}

/** Every byte of `docker save` of the image, as text (layers are tars: a value in any file shows up). */
async function saved(image: string): Promise<string> {
  const child = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  for await (const c of child.stdout) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('latin1');
}

const MANIFEST = [
  'build:',
  '  docker:',
  '    web: api/Dockerfile',
  '  config:',
  '    GREETING: ahoy',
  '    FLAVOUR:',
  'release:',
  '  command: [cat, /srv/greeting.txt]',
  'run:',
  '  worker: exec sleep 600',
  '',
].join('\n');
const API_DOCKERFILE = [
  `FROM ${STACK_IMAGE}`,
  'USER root',
  'ARG GREETING',
  'ARG FLAVOUR',
  'WORKDIR /srv',
  'COPY . /srv',
  'RUN echo "greeting: $GREETING, flavour: $FLAVOUR" > /srv/greeting.txt',
  'EXPOSE 5000',
  'CMD ["bash", "-c", "cat /srv/greeting.txt"]',
  '',
].join('\n');

describe('Dockerfile deploys in the docker builder', () => {
  it("builds heroku.yml's Dockerfile (its directory the context) with declared build args only, streams the engine's output, and keeps every other config value out of the image", async () => {
    const files = { 'heroku.yml': MANIFEST, 'api/Dockerfile': API_DOCKERFILE, 'api/hello.txt': 'hi\n', 'outside.txt': 'not in the context\n' };
    const env = { FLAVOUR: 'mint', DATABASE_PASSWORD: SECRET };
    const { result, text } = await build(files, { env, buildpacks: ['nodejs'] });
    const built = await result;
    expect(built).toMatchObject({ slug: null, kind: 'dockerfile', image: images.at(-1), buildpack: 'Dockerfile' });
    expect(built.processTypes).toEqual({ worker: 'exec sleep 600', release: 'cat /srv/greeting.txt', web: '' });
    expect(text()).toContain("       heroku.yml build.docker wins over the app's buildpacks (nodejs)");
    expect(text()).toContain('-----> Building the Dockerfile (api/Dockerfile, context api/)');
    expect(text()).toContain('       Build args from heroku.yml: GREETING');
    expect(text()).toMatch(/ {7}Build args from config vars: FLAVOUR \(visible/);
    expect(text()).toMatch(/^ {7}Step 1\/\d+ : FROM platform\/stack:bookworm-4$/m);
    expect(text()).toContain('EXPOSE 5000/tcp noted; web dynos get $PORT');
    expect(text()).not.toContain(SECRET);

    const inspect = await dockerCli(['image', 'inspect', built.image!]);
    expect(JSON.parse(inspect)[0].Config.Labels).toMatchObject({ 'platform.app': 'df-test', 'platform.app-id': appId, 'platform.build': built.image!.split(':')[1] });
    const history = await dockerCli(['history', '--no-trunc', built.image!]);
    for (const artifact of [inspect, history, await saved(built.image!)]) expect(artifact).not.toContain(SECRET);
    expect(await dockerCli(['run', '--rm', built.image!])).toBe('greeting: ahoy, flavour: mint\n');
    expect(await dockerCli(['run', '--rm', built.image!, 'ls', '/srv'])).toBe('Dockerfile\ngreeting.txt\nhello.txt\n');

    // The engine keeps its layer cache: the same build again reuses every step.
    const again = await build(files, { env });
    await again.result;
    expect(again.text()).toMatch(/Using cache/);
  }, 300_000);

  it("builds a Dockerfile no buildpack matches, web running the image's own command; a Procfile beside it gives the types", async () => {
    const { result, text } = await build({ Dockerfile: `FROM ${STACK_IMAGE}\nCMD ["sleep", "1"]\n`, 'README.md': 'x\n' });
    expect(await result).toMatchObject({ slug: null, kind: 'dockerfile', processTypes: { web: '' } });
    expect(text()).toContain('-----> No buildpack matches; the app has a Dockerfile');
    expect(text()).toContain(`       web runs the image's own command: ["sleep","1"]`);
  }, 300_000);

  it('fails clearly: a bad heroku.yml, a missing Dockerfile, a failing step, no command at all, the time limit', async () => {
    const bad = await build({ 'heroku.yml': 'build:\n  docker:\n    web: ../Dockerfile\n', Dockerfile: 'FROM x\n' });
    await expect(bad.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: expect.stringMatching(/^heroku\.yml: build\.docker\.web must be a relative path/) });
    expect(bad.text().match(/ ! {5}heroku\.yml/g)).toHaveLength(1);

    const missing = await build({ 'heroku.yml': 'build:\n  docker:\n    web: web/Dockerfile\n' });
    await expect(missing.result).rejects.toMatchObject({ message: 'No web/Dockerfile in the repository (heroku.yml build.docker.web names it).' });

    const failing = await build({ Dockerfile: `FROM ${STACK_IMAGE}\nRUN echo about to fail && exit 3\n` });
    await expect(failing.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: expect.stringMatching(/^The Dockerfile build failed: .*returned a non-zero code: 3/) });
    expect(failing.text()).toContain('about to fail');

    const silent = await build({ Dockerfile: `FROM ${STACK_IMAGE}\nENTRYPOINT []\nCMD []\n` });
    await expect(silent.result).rejects.toMatchObject({ message: expect.stringMatching(/^The image has no CMD or ENTRYPOINT/) });

    const slow = await build({ Dockerfile: `FROM ${STACK_IMAGE}\nRUN sleep 600\n` }, { timeoutMs: 8000 });
    await expect(slow.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: 'Build timed out after 8 s and was stopped.' });
  }, 300_000);
});
