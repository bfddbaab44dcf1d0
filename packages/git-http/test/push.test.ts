import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { GitPush } from '../src/index.ts';
import { basic, commitFiles, extractTar, git, rawRequest, remoteUrl, revParse, startServer, tempDir, TOKEN, workTree, type TestServer } from './helpers.ts';

let home: string;
let server: TestServer | undefined;
let onPush: (push: GitPush) => Promise<void> = async () => {};

beforeAll(async () => {
  home = await tempDir('home');
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  onPush = async () => {};
});
afterAll(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

async function start(extra = {}) {
  server = await startServer((push) => onPush(push), extra);
  return server;
}

describe('git push over smart HTTP', () => {
  it('streams output live as remote: lines and hands onPush an archive of the pushed tree', async () => {
    const s = await start();
    const work = await workTree(home, { 'Procfile': 'web: node server.js\n', 'src/server.js': 'console.log(1)\n' });
    const sha = await revParse(work, home, 'HEAD');
    let seen!: () => void;
    const lineSeen = new Promise<void>((resolve) => (seen = resolve));
    const received: { push?: GitPush; files?: string[]; procfile?: string } = {};
    onPush = async (push) => {
      received.push = push;
      push.output('-----> Building source');
      // Liveness: the pusher must see this line while onPush is still running.
      await lineSeen;
      const tree = await extractTar(push.archive(push.update.newSha), home);
      received.files = (await fs.readdir(tree, { recursive: true })).sort();
      received.procfile = await fs.readFile(path.join(tree, 'Procfile'), 'utf8');
      push.output('       Released v1\nsecond line');
    };
    const r = await git(['push', remoteUrl(s, 'my-app'), 'main'], {
      cwd: work,
      home,
      onStderr: (soFar) => soFar.includes('remote: -----> Building source') && seen(),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/remote:\s+Released v1/);
    expect(r.stderr).toMatch(/remote: second line/);
    expect(r.stderr).toContain('* [new branch]      main -> main');
    expect(received.push?.app).toBe('my-app');
    expect(received.push?.branch).toBe('main');
    expect(received.push?.principal).toEqual({ user: 'me' });
    expect(received.push?.update).toEqual({ ref: 'refs/heads/main', oldSha: '0'.repeat(40), newSha: sha });
    expect(received.files).toEqual(['Procfile', 'src', 'src/server.js']);
    expect(received.procfile).toBe('web: node server.js\n');
    expect(await revParse(path.join(s.reposDir, 'my-app.git'), home, 'refs/heads/main', true)).toBe(sha);
  });

  it('rejects the push when onPush throws and leaves the ref alone', async () => {
    const s = await start();
    const work = await workTree(home, { 'a.txt': 'a' });
    onPush = async (push) => {
      push.output('-----> Building');
      throw new Error('failed to compile Node.js app\nsee above');
    };
    const r = await git(['push', remoteUrl(s, 'my-app'), 'main'], { cwd: work, home });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('remote:  !     failed to compile Node.js app');
    expect(r.stderr).toContain('remote:  !     see above');
    expect(r.stderr).toContain('remote:  !     Push rejected to my-app.');
    expect(r.stderr).toContain('! [remote rejected] main -> main (pre-receive hook declined)');
    expect(await revParse(path.join(s.reposDir, 'my-app.git'), home, 'refs/heads/main', true)).toBeNull();

    // An error whose reason onPush has printed already (details.shown) is not printed twice.
    onPush = async (push) => {
      push.output(' !     Procfile line 3: expected "<process type>: <command>"');
      throw new PlatformError(ErrorCodes.buildFailed, 'Procfile line 3: expected "<process type>: <command>"', { details: { shown: true } });
    };
    const again = await git(['push', remoteUrl(s, 'my-app'), 'main'], { cwd: work, home });
    expect(again.code).not.toBe(0);
    expect(again.stderr.match(/Procfile line 3/g)).toHaveLength(1);
    expect(again.stderr).toContain('remote:  !     Push rejected to my-app.');
  });

  it('accepts other branches and tags without calling onPush', async () => {
    const s = await start();
    const work = await workTree(home, { 'a.txt': 'a' }, 'feature');
    await git(['tag', 'v1'], { cwd: work, home });
    let calls = 0;
    onPush = async () => void calls++;
    const r = await git(['push', remoteUrl(s, 'my-app'), 'feature', 'v1'], { cwd: work, home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('refs/heads/feature: accepted without deploying (only pushes to main or master deploy).');
    expect(r.stderr).toContain('refs/tags/v1: accepted without deploying');
    expect(calls).toBe(0);
    expect(await revParse(path.join(s.reposDir, 'my-app.git'), home, 'refs/heads/feature', true)).not.toBeNull();
  });

  it('deploys master too, and main when both are pushed at once', async () => {
    const s = await start();
    const work = await workTree(home, { 'a.txt': 'a' }, 'master');
    await git(['branch', 'main'], { cwd: work, home });
    const branches: string[] = [];
    onPush = async (push) => void branches.push(push.branch);
    expect((await git(['push', remoteUrl(s, 'one-app'), 'master'], { cwd: work, home })).code).toBe(0);
    expect((await git(['push', remoteUrl(s, 'two-app'), 'master', 'main'], { cwd: work, home })).code).toBe(0);
    expect(branches).toEqual(['master', 'main']);
  });

  it('refuses to delete the deploy branch', async () => {
    const s = await start();
    const work = await workTree(home, { 'a.txt': 'a' });
    expect((await git(['push', remoteUrl(s, 'my-app'), 'main'], { cwd: work, home })).code).toBe(0);
    const r = await git(['push', remoteUrl(s, 'my-app'), ':main'], { cwd: work, home });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Deleting the main branch is not allowed');
    expect(await revParse(path.join(s.reposDir, 'my-app.git'), home, 'refs/heads/main', true)).not.toBeNull();
  });

  it('clones after a push, with auth', async () => {
    const s = await start();
    const work = await workTree(home, { 'hello.txt': 'hello\n' });
    expect((await git(['push', remoteUrl(s, 'my-app'), 'main'], { cwd: work, home })).code).toBe(0);
    const dest = path.join(await tempDir('clone'), 'c');
    const r = await git(['clone', remoteUrl(s, 'my-app'), dest], { cwd: home, home });
    expect(r.code, r.stderr).toBe(0);
    expect(await fs.readFile(path.join(dest, 'hello.txt'), 'utf8')).toBe('hello\n');
    // Protocol v0 as well (no Git-Protocol header).
    const dest0 = path.join(path.dirname(dest), 'c0');
    const r0 = await git(['-c', 'protocol.version=0', 'clone', remoteUrl(s, 'my-app'), dest0], { cwd: home, home });
    expect(r0.code, r0.stderr).toBe(0);
    expect(await fs.readFile(path.join(dest0, 'hello.txt'), 'utf8')).toBe('hello\n');
    await fs.rm(path.dirname(dest), { recursive: true, force: true });
  });

  it('takes a push whose pack is over 1 MiB (git probes first with an empty request)', async () => {
    const s = await start();
    // Random bytes do not compress: the pack is over git's 1 MiB http.postBuffer, so git sends a probe first.
    const random = (await import('node:crypto')).randomBytes(1_200_000).toString('base64');
    const work = await workTree(home, { 'big.txt': random });
    let calls = 0;
    onPush = async () => void calls++;
    const r = await git(['push', remoteUrl(s, 'my-app'), 'main'], { cwd: work, home });
    expect(r.code, r.stderr).toBe(0);
    expect(calls).toBe(1);
    expect(await revParse(path.join(s.reposDir, 'my-app.git'), home, 'refs/heads/main', true)).not.toBeNull();
  });

  it("answers a malformed pack with 4xx and git's own reason, and stores nothing", async () => {
    const s = await start();
    const headers = { authorization: basic(TOKEN), 'content-type': 'application/x-git-receive-pack-request' };
    const zero = '0'.repeat(40);
    const command = `${zero} ${'1'.repeat(40)} refs/heads/main\0 report-status\n`;
    const pkt = (line: string) => (line.length + 4).toString(16).padStart(4, '0') + line;
    for (const [what, body] of [
      ['garbage', Buffer.from('this is not a pack at all')],
      ['a truncated pack', Buffer.concat([Buffer.from(pkt(command) + '0000'), Buffer.from('PACK\0\0\0\x02\0\0\0\x05')])],
      ['a bad checksum', Buffer.concat([Buffer.from(pkt(command) + '0000'), Buffer.from('PACK\0\0\0\x02\0\0\0\0'), Buffer.alloc(20, 7)])],
    ] as const) {
      const res = await rawRequest(s.base, 'POST', '/my-app.git/git-receive-pack', headers, body);
      if (res.status === 200) {
        // git answered in the protocol: its report says the unpack failed, and the client shows that.
        expect(res.body, what).toMatch(/unpack (?!ok)|error|fatal/);
      } else {
        expect(res.status, what).toBeGreaterThanOrEqual(400);
        expect(res.status, what).toBeLessThan(500);
        expect(JSON.parse(res.body).message, what).toMatch(/git: /);
      }
    }
    expect(await revParse(path.join(s.reposDir, 'my-app.git'), home, 'refs/heads/main', true)).toBeNull();
  });

  it('takes pushes from shallow clones, a second shallow one and then the full history, and serves clones', async () => {
    const s = await start();
    const bare = path.join(s.reposDir, 'my-app.git');
    const origin = await workTree(home, { 'a.txt': 'one' });
    await commitFiles(origin, home, { 'a.txt': 'two' }, 'second');
    const shallowClone = async (name: string) => {
      const dir = path.join(path.dirname(origin), `${name}-${Date.now()}`);
      expect((await git(['clone', '-q', '--depth', '1', `file://${origin}`, dir], { cwd: home, home })).code).toBe(0);
      expect((await git(['rev-parse', '--is-shallow-repository'], { cwd: dir, home })).stdout.trim()).toBe('true');
      return dir;
    };
    const archives: string[] = [];
    onPush = async (push) => {
      const tree = await extractTar(push.archive(push.update.newSha), home);
      archives.push(await fs.readFile(path.join(tree, 'a.txt'), 'utf8'));
    };
    const push = (cwd: string, ...flags: string[]) => git(['push', ...flags, remoteUrl(s, 'my-app'), 'HEAD:refs/heads/main'], { cwd, home });
    const first = await push(await shallowClone('shallow-1'));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('remote:  !     Warning: this push comes from a shallow clone.');
    // A later CI checkout lacks the deployed commit, so git's client cannot prove a fast-forward and refuses
    // before sending anything (the warning above says so); --force is what CI deploys use.
    await commitFiles(origin, home, { 'a.txt': 'three' }, 'third');
    await commitFiles(origin, home, { 'a.txt': 'four' }, 'fourth');
    const second = await shallowClone('shallow-2');
    expect((await push(second)).stderr).toContain('[rejected]        HEAD -> main (fetch first)');
    const forced = await push(second, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    // Then a developer pushes from a full clone.
    await commitFiles(origin, home, { 'a.txt': 'five' }, 'fifth');
    const full = await push(origin);
    expect(full.code, full.stderr).toBe(0);
    expect(full.stderr).not.toContain('shallow clone');
    expect(archives).toEqual(['two', 'four', 'five']);
    expect(await revParse(bare, home, 'refs/heads/main', true)).toBe(await revParse(origin, home, 'HEAD'));
    const dest = path.join(await tempDir('clone'), 'c');
    const clone = await git(['clone', '-q', remoteUrl(s, 'my-app'), dest], { cwd: home, home });
    expect(clone.code, clone.stderr).toBe(0);
    expect(await fs.readFile(path.join(dest, 'a.txt'), 'utf8')).toBe('five');
    await fs.rm(path.dirname(dest), { recursive: true, force: true });
  });

  it('answers a body over twice maxPackBytes with a plain 413 (it is not read to its end)', async () => {
    const s = await start({ maxPackBytes: 64 * 1024 });
    const random = (await import('node:crypto')).randomBytes(512 * 1024).toString('base64');
    const work = await workTree(home, { 'big.txt': random });
    let calls = 0;
    onPush = async () => void calls++;
    const r = await git(['push', remoteUrl(s, 'my-app'), 'main'], { cwd: work, home });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/HTTP 413/);
    expect(calls).toBe(0);
    expect(await revParse(path.join(s.reposDir, 'my-app.git'), home, 'refs/heads/main', true)).toBeNull();
  });
});

