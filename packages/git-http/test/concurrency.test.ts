import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GitPush } from '../src/index.ts';
import { git, remoteUrl, revParse, startServer, tempDir, workTree, type TestServer } from './helpers.ts';

let home: string;
let server: TestServer | undefined;

beforeAll(async () => {
  home = await tempDir('home');
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('concurrent pushes', () => {
  it('serialises onPush per app and tells the second pusher it waits', async () => {
    const waiting = deferred();
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    server = await startServer(async (push: GitPush) => {
      calls++;
      active++;
      maxActive = Math.max(maxActive, active);
      // The first push holds the queue until the second pusher has been told it waits.
      if (calls === 1) await waiting.promise;
      push.output(`deployed ${push.branch}`);
      active--;
    });
    const a = await workTree(home, { 'a.txt': 'a' }, 'main');
    const b = await workTree(home, { 'b.txt': 'b' }, 'master');
    const onStderr = (soFar: string) => soFar.includes('remote: Waiting for another push to finish...') && waiting.resolve();
    const [ra, rb] = await Promise.all([
      git(['push', remoteUrl(server, 'my-app'), 'main'], { cwd: a, home, onStderr }),
      git(['push', remoteUrl(server, 'my-app'), 'master'], { cwd: b, home, onStderr }),
    ]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    expect(calls).toBe(2);
    expect(maxActive).toBe(1);
  });

  it('rejects a waiting push whose branch moved meanwhile instead of deploying it', async () => {
    const waiting = deferred();
    const deployed: string[] = [];
    server = await startServer(async (push: GitPush) => {
      if (deployed.length === 0) await waiting.promise;
      deployed.push(push.update.newSha);
    });
    const a = await workTree(home, { 'a.txt': 'a' });
    const b = await workTree(home, { 'b.txt': 'b' });
    const onStderr = (soFar: string) => soFar.includes('Waiting for another push') && waiting.resolve();
    const results = await Promise.all([
      git(['push', remoteUrl(server, 'my-app'), 'main'], { cwd: a, home, onStderr }),
      git(['push', remoteUrl(server, 'my-app'), 'main'], { cwd: b, home, onStderr }),
    ]);
    const ok = results.filter((r) => r.code === 0);
    const rejected = results.filter((r) => r.code !== 0);
    expect(ok).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.stderr).toContain('main was updated by another push meanwhile');
    expect(deployed).toHaveLength(1);
    expect(await revParse(path.join(server.reposDir, 'my-app.git'), home, 'refs/heads/main', true)).toBe(deployed[0]);
  });

  it('aborts the push when the client disconnects, and the next push goes through', async () => {
    const aborted = deferred();
    let first = true;
    server = await startServer(async (push: GitPush) => {
      if (!first) return;
      first = false;
      push.output('building forever');
      await new Promise<void>((resolve) => push.signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted.resolve();
      throw new Error('aborted');
    });
    const work = await workTree(home, { 'a.txt': 'a' });
    let kill!: () => void;
    const r = await git(['push', remoteUrl(server, 'my-app'), 'main'], {
      cwd: work,
      home,
      onSpawn: (k) => (kill = k),
      onStderr: (soFar) => soFar.includes('remote: building forever') && kill(),
    });
    expect(r.code).not.toBe(0);
    await aborted.promise;
    const repo = path.join(server.reposDir, 'my-app.git');
    expect(await revParse(repo, home, 'refs/heads/main', true)).toBeNull();
    const again = await git(['push', remoteUrl(server, 'my-app'), 'main'], { cwd: work, home });
    expect(again.code, again.stderr).toBe(0);
    expect(await revParse(repo, home, 'refs/heads/main', true)).not.toBeNull();
  });
});
