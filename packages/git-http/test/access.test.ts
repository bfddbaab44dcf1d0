import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { basic, git, rawRequest, remoteUrl, startServer, tempDir, TOKEN, workTree, type TestServer } from './helpers.ts';

let home: string;
let server: TestServer | undefined;
let pushes = 0;

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

async function start() {
  server = await startServer(async () => void pushes++);
  return server;
}

describe('access control and input validation', () => {
  it('answers 401 with a Basic challenge and stores nothing without a valid token', async () => {
    const s = await start();
    const work = await workTree(home, { 'a.txt': 'a' });
    for (const token of [null, 'wrong-token']) {
      const r = await git(['push', remoteUrl(s, 'my-app', token), 'main'], { cwd: work, home });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Authentication failed|could not read Username|401/);
    }
    const res = await rawRequest(s.base, 'GET', '/my-app.git/info/refs?service=git-receive-pack');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="platform"');
    expect(JSON.parse(res.body)).toMatchObject({ id: 'unauthorized' });
    const post = await rawRequest(s.base, 'POST', '/my-app.git/git-receive-pack', {
      'content-type': 'application/x-git-receive-pack-request',
      authorization: basic('wrong'),
    });
    expect(post.status).toBe(401);
    expect(await fs.readdir(s.reposDir)).toEqual([]);
    expect(pushes).toBe(0);
  });

  it('answers 404 for an app authorize does not know', async () => {
    const s = await start();
    const res = await rawRequest(s.base, 'GET', '/missing-app.git/info/refs?service=git-upload-pack', {
      authorization: basic(TOKEN),
    });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ id: 'not_found', message: "Couldn't find that app." });
    const r = await git(['ls-remote', remoteUrl(s, 'missing-app')], { cwd: home, home });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not found/);
    expect(await fs.readdir(s.reposDir)).toEqual([]);
  });

  it('refuses bad repo names before authorising or spawning anything', async () => {
    const s = await start();
    const paths = [
      '/../info/refs?service=git-receive-pack',
      '/%2e%2e/info/refs?service=git-receive-pack',
      '/%2e%2e.git/info/refs?service=git-receive-pack',
      '/a;id.git/info/refs?service=git-receive-pack',
      '/a%3Bid.git/info/refs?service=git-upload-pack',
      '/My-App.git/info/refs?service=git-upload-pack',
      '/my-app/info/refs?service=git-upload-pack',
      '/my-app.git.git/info/refs?service=git-upload-pack',
      '/%2Fetc%2Fpasswd.git/info/refs?service=git-upload-pack',
    ];
    for (const p of paths) {
      const res = await rawRequest(s.base, 'GET', p, { authorization: basic(TOKEN) });
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(res.status, p).toBeLessThan(500);
    }
    const post = await rawRequest(s.base, 'POST', '/a;id.git/git-receive-pack', {
      'content-type': 'application/x-git-receive-pack-request',
      authorization: basic(TOKEN),
    });
    expect(post.status).toBe(404);
    expect(JSON.parse(post.body)).toMatchObject({ id: 'not_found' });
    expect(s.authorizeCalls).toBe(0);
    expect(await fs.readdir(s.reposDir)).toEqual([]);
  });

  it('refuses the dumb protocol and unknown services', async () => {
    const s = await start();
    const res = await rawRequest(s.base, 'GET', '/my-app.git/info/refs?service=git-shell', { authorization: basic(TOKEN) });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ id: 'bad_request' });
  });

  it('refuses hook callbacks without a live nonce', async () => {
    const s = await start();
    const cases: Record<string, string>[] = [{}, { 'x-platform-hook-nonce': 'f'.repeat(64) }];
    for (const headers of cases) {
      const res = await rawRequest(s.base, 'POST', '/internal/git/pre-receive', { 'content-type': 'application/json', ...headers }, '{}');
      expect(res.status).toBe(403);
    }
  });

  it('keeps the repo under reposDir with the hook installed as a tiny sh script', async () => {
    const s = await start();
    const work = await workTree(home, { 'a.txt': 'a' });
    expect((await git(['push', remoteUrl(s, 'my-app'), 'main'], { cwd: work, home })).code).toBe(0);
    expect(await fs.readdir(s.reposDir)).toEqual(['my-app.git']);
    const hook = await fs.readFile(path.join(s.reposDir, 'my-app.git', 'hooks', 'pre-receive'), 'utf8');
    expect(hook).toMatch(/^#!\/bin\/sh\n/);
    expect(hook).toContain(`exec '${process.execPath}' '`);
    expect(hook).not.toContain(TOKEN);
  });

  it('reads gzip request bodies and caps them after decompression', async () => {
    server = await startServer(async () => {}, { maxPackBytes: 64 * 1024 });
    const s = server;
    const work = await workTree(home, { 'a.txt': 'a' });
    expect((await git(['push', remoteUrl(s, 'my-app'), 'main'], { cwd: work, home })).code).toBe(0);
    const pkt = (text: string) => (text.length + 4).toString(16).padStart(4, '0') + text;
    const headers = {
      authorization: basic(TOKEN),
      'content-type': 'application/x-git-upload-pack-request',
      'content-encoding': 'gzip',
      'git-protocol': 'version=2',
    };
    // A protocol v2 ls-refs command, gzip'd as git does for large requests.
    const lsRefs = gzipSync(pkt('command=ls-refs\n') + '0001' + '0000');
    const res = await rawRequest(s.base, 'POST', '/my-app.git/git-upload-pack', headers, lsRefs);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-git-upload-pack-result');
    expect(res.body).toMatch(/[0-9a-f]{40} refs\/heads\/main/);
    // Small on the wire, over the cap once inflated: 413, and git is not left running.
    const bomb = gzipSync(Buffer.alloc(1024 * 1024, 0x30));
    const big = await rawRequest(s.base, 'POST', '/my-app.git/git-upload-pack', headers, bomb);
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ id: 'payload_too_large' });
  });
});
