import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReleaseImage, pruneImages } from '../src/index.ts';
import { STACK_IMAGE, dockerCli, makeTemp, requireDocker } from './helpers.ts';

// A fresh app name per run: pruneImages only ever sees this file's images.
const app = `ri-${randomUUID().slice(0, 8)}`;
const appId = randomUUID();
let docker: Docker;
let tmp: string;
const images: string[] = [];

beforeAll(async () => {
  docker = await requireDocker();
  tmp = await makeTemp('release-image-test-');
});
afterAll(async () => {
  await Promise.all(images.map((image) => docker?.getImage(image).remove({ force: true }).catch(() => {})));
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

/** A gzip'd slug with these entries (names as given, `../` included). */
async function slugOf(entries: Record<string, string>): Promise<string> {
  const slugPath = path.join(tmp, `slug-${randomUUID()}.tgz`);
  const pack = tar.pack();
  for (const [name, body] of Object.entries(entries)) pack.entry({ name, uid: 0, gid: 0 }, body);
  pack.finalize();
  await pipeline(pack, zlib.createGzip(), createWriteStream(slugPath));
  return slugPath;
}

async function releaseImage(slugPath: string, name = app): Promise<string> {
  const image = await createReleaseImage({ docker, stackImage: STACK_IMAGE, slugPath, app: name, appId, buildId: `b-${randomUUID()}` });
  images.push(image);
  return image;
}

describe('createReleaseImage', () => {
  it('builds platform/<app>:<build> from stack + slug, labelled, with /app owned by the dyno user and no new env', async () => {
    const image = await releaseImage(await slugOf({ 'server.js': 'console.log(1)\n' }));
    expect(image).toMatch(new RegExp(`^platform/${app}:b-`));
    const info = await docker.getImage(image).inspect();
    expect(info.Config.Labels).toMatchObject({ 'platform.app': app, 'platform.app-id': appId, 'platform.build': image.split(':')[1] });
    const stack = await docker.getImage(STACK_IMAGE).inspect();
    expect(info.Config.Env).toEqual(stack.Config.Env);
    expect(info.RootFS.Layers).toHaveLength((stack.RootFS.Layers?.length ?? 0) + 1);
    const owner = await dockerCli(['run', '--rm', '--network', 'none', '--entrypoint', 'stat', image, '-c', '%u:%g', '/app/server.js']);
    expect(owner.trim()).toBe('1000:1000');
  });

  it('refuses a slug entry that climbs out of /app', async () => {
    const attempt = createReleaseImage({
      docker,
      stackImage: STACK_IMAGE,
      slugPath: await slugOf({ 'ok.txt': 'fine', '../etc/evil': 'nope' }),
      app,
      appId,
      buildId: `evil-${randomUUID()}`,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'PLT_UNSAFE_ARCHIVE' });
  });
});

describe('pruneImages', () => {
  it('keeps the newest images of the app and the protected ones, removes the rest', async () => {
    const slug = await slugOf({ 'a.txt': 'a' });
    const other = `${app}-gc`;
    const oldest = await releaseImage(slug, other);
    await new Promise((r) => setTimeout(r, 1100)); // image creation times have a 1 s resolution
    const older = await releaseImage(slug, other);
    await new Promise((r) => setTimeout(r, 1100));
    const newest = await releaseImage(slug, other);
    const removed = await pruneImages({ docker, app: other, keep: 1, protect: [oldest] });
    const left = (await docker.listImages({ filters: { label: [`platform.app=${other}`] } })).flatMap((i) => i.RepoTags ?? []);
    expect(left).toEqual(expect.arrayContaining([oldest, newest]));
    expect(left).not.toContain(older);
    expect(removed).toHaveLength(1);
  });
});
