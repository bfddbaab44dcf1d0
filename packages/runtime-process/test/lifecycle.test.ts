import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packDirectory } from '@platform/archive';
import type { Artifact, DynoExit } from '@platform/types';
import { createProcessRuntime } from '../src/index.ts';

// Process-driver specifics beyond the shared contract: dyno dirs, close(), spec validation.
describe('process runtime lifecycle', () => {
  let root: string;
  let artifact: Artifact;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'runtime-process-life-'));
    await chmod(root, 0o711);
    const src = join(root, 'src');
    await mkdir(src);
    await writeFile(join(src, 'idle.js'), "console.log('up'); setInterval(() => {}, 1000);\n");
    const slugPath = join(root, 'slug.tgz');
    await packDirectory(src, createWriteStream(slugPath), { gzip: true });
    artifact = {
      slugPath,
      slugChecksum: createHash('sha256')
        .update(await readFile(slugPath))
        .digest('hex'),
    };
  });

  afterAll(() => rm(root, { recursive: true, force: true }));

  const spec = (name: string) => ({
    app: 'life-app',
    appId: 'a',
    releaseId: 'r',
    releaseVersion: 1,
    type: 'worker',
    name,
    command: 'node idle.js',
    env: {},
    artifact,
  });

  it('gives each dyno a fresh dir, removed on stop; close() stops the rest', async () => {
    const dynosDir = join(root, 'dynos-1');
    const runtime = createProcessRuntime({
      dynosDir,
      runAs: process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : null,
    });
    const exits: DynoExit[] = [];
    runtime.onExit((e) => exits.push(e));
    const a = await runtime.start(spec('worker.1'));
    const b = await runtime.start(spec('worker.2'));
    expect((await readdir(dynosDir)).sort()).toEqual([a.id, b.id].sort());
    expect(await readdir(join(dynosDir, a.id, 'app'))).toContain('idle.js');
    await runtime.stop(a.id, { graceMs: 1_000 });
    expect(await readdir(dynosDir)).toEqual([b.id]);
    await runtime.close();
    expect(await readdir(dynosDir)).toEqual([]);
    expect(exits.map((e) => [e.name, e.requested]).sort()).toEqual([
      ['worker.1', true],
      ['worker.2', true],
    ]);
    await expect(runtime.start(spec('worker.3'))).rejects.toMatchObject({ code: 'PLT_RUNTIME_UNAVAILABLE' });
  });

  it('refuses an invalid spec and a broken slug, leaving no dir behind', async () => {
    const dynosDir = join(root, 'dynos-2');
    const runtime = createProcessRuntime({ dynosDir });
    await expect(runtime.start({ ...spec('worker.1'), app: '../etc' })).rejects.toMatchObject({
      code: 'PLT_INVALID_PARAMS',
    });
    await expect(runtime.start({ ...spec('worker.1'), name: 'worker.0' })).rejects.toMatchObject({
      code: 'PLT_INVALID_PARAMS',
    });
    const missing = { ...artifact, slugPath: join(root, 'missing.tgz') };
    await expect(runtime.start({ ...spec('worker.1'), artifact: missing })).rejects.toHaveProperty('code');
    expect(await readdir(dynosDir)).toEqual([]);
    await runtime.close();
  });
});
