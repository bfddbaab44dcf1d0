import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDockerfileImage, declaredBuildArgs } from '../src/dockerfile-build.ts';
import { STACK_IMAGE, dockerCli, exitedTarOf, makeTemp, requireDocker, writeTree } from './helpers.ts';

/** Dockerfile deploys' image build, on the real engine, FROM the local stack image (no registry is reachable). */
const SECRET = `s3cret-${randomBytes(12).toString('hex')}`;
const run = randomBytes(3).toString('hex');
let docker: Docker;
let tmp: string;
const images: string[] = [];

beforeAll(async () => {
  docker = await requireDocker();
  tmp = await makeTemp('dockerfile-build-');
});
afterAll(async () => {
  for (const image of images) await docker?.getImage(image).remove({ force: true }).catch(() => {});
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

async function build(files: Record<string, string>, extra: { env?: Record<string, string>; timeoutMs?: number } = {}) {
  const dir = await writeTree(await fsp.mkdtemp(`${tmp}/src-`), files);
  // A producer that has exited before anybody read its output: what a loaded machine makes of a slow reader.
  const source = await exitedTarOf(dir);
  const lines: string[] = [];
  const buildId = `b${run}-${images.length}`;
  images.push(`platform/df-test:${buildId}`);
  const result = buildDockerfileImage({
    docker,
    app: 'df-test',
    appId: 'app-df',
    buildId,
    source,
    env: extra.env ?? {},
    output: (l) => lines.push(l),
    timeoutMs: extra.timeoutMs,
  });
  result.catch(() => {});
  return { result, lines, text: () => lines.join('\n') };
}

/** Every byte of `docker save` of the image, as text (layers are tars: a value in any file shows up). */
async function saved(image: string): Promise<string> {
  const child = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  for await (const c of child.stdout) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('latin1');
}

describe('Dockerfile image builds', () => {
  it('finds the ARGs a Dockerfile declares', () => {
    expect(declaredBuildArgs('FROM x\nARG A\narg B=1 C\nRUN echo $D\nARG \\\n  E\n# ARG F\n')).toEqual(['A', 'B', 'C', 'E']);
  });

  it('builds FROM the stack image with output streamed, passes declared build args only, and keeps every other config value out of the image', async () => {
    const { result, text } = await build(
      {
        Dockerfile: [`FROM ${STACK_IMAGE}`, 'ARG GREETING', 'COPY --chown=1000:1000 . /app', 'RUN echo "greeting: $GREETING" > /app/greeting.txt', 'EXPOSE 5000', 'CMD ["bash", "-c", "cat greeting.txt"]', ''].join('\n'),
        'hello.txt': 'hi\n',
      },
      { env: { GREETING: 'ahoy', DATABASE_PASSWORD: SECRET } },
    );
    const built = await result;
    expect(built.image).toBe(images[images.length - 1]);
    expect(built.buildArgs).toEqual(['GREETING']);
    expect(built.exposedPorts).toEqual(['5000/tcp']);
    expect(built.cmd).toEqual(['bash', '-c', 'cat greeting.txt']);
    expect(text()).toMatch(/-----> Building the Dockerfile\n {7}Build args from config: GREETING\n/);
    expect(text()).toMatch(/^ {7}Step 1\/\d+ : FROM platform\/stack:bookworm-3$/m);
    expect(text()).not.toContain(SECRET);

    const inspect = await dockerCli(['image', 'inspect', built.image]);
    expect(JSON.parse(inspect)[0].Config.Labels).toMatchObject({ 'platform.app': 'df-test', 'platform.build': built.image.split(':')[1] });
    const history = await dockerCli(['history', '--no-trunc', built.image]);
    for (const artifact of [inspect, history, await saved(built.image)]) expect(artifact).not.toContain(SECRET);
    expect(await dockerCli(['run', '--rm', built.image])).toBe('greeting: ahoy\n');
  }, 300_000);

  it('fails clearly without a Dockerfile, on a failing step, and past the time limit', async () => {
    const none = await build({ 'index.html': 'x' });
    await expect(none.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: 'No Dockerfile at the root of the app (a regular file, at most 1 MB).' });

    const failing = await build({ Dockerfile: `FROM ${STACK_IMAGE}\nRUN echo about to fail && exit 3\n` });
    await expect(failing.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: expect.stringMatching(/^The Dockerfile build failed: .*returned a non-zero code: 3/) });
    expect(failing.text()).toContain('about to fail');

    const slow = await build({ Dockerfile: `FROM ${STACK_IMAGE}\nRUN sleep 600\n` }, { timeoutMs: 4000 });
    await expect(slow.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: 'Build timed out after 4 s and was stopped.' });
  }, 300_000);
});
