import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCommands, refusalResponse } from '../src/push-refusal.ts';
import { pipeBody } from '../src/request-body.ts';
import { commitFiles, git, remoteUrl, revParse, startServer, tempDir, workTree, type TestServer } from './helpers.ts';

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

/** Every file under dir (relative paths). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => !e.isDirectory()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

async function pushRandom(s: TestServer, bytes: number) {
  const work = await workTree(home, { 'a.txt': 'small' });
  await fs.writeFile(path.join(work, 'blob.bin'), randomBytes(bytes)); // random: the pack is as big as the file
  await commitFiles(work, home, {}, 'big');
  return { work, result: await git(['push', remoteUrl(s, 'my-app'), 'main'], { cwd: work, home }) };
}

describe('push size limit', () => {
  // git streams a body over its 1 MiB http.postBuffer (chunked, after a probe) and sends Content-Length below it:
  // the cap is found mid-stream in one case and up front in the other; both answer in git's protocol.
  for (const [how, limit, bytes, shown] of [
    ['streamed', 1.5 * 1024 * 1024, 1.6 * 1024 * 1024, '1.5 MiB (1572864 bytes)'],
    ['with a Content-Length', 100 * 1024, 110 * 1024, '100 KiB (102400 bytes)'],
  ] as const) {
    it(`refuses a push just over maxPackBytes (${how}) naming the limit and its setting; nothing stored or built`, async () => {
      pushes = 0;
      server = await startServer(async () => void pushes++, { maxPackBytes: limit, maxPackBytesSetting: 'PLATFORM_MAX_PUSH_BYTES' });
      const repo = path.join(server.reposDir, 'my-app.git');
      const { work, result } = await pushRandom(server, bytes);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`remote:  !     Push rejected: it is larger than ${shown}, the platform's PLATFORM_MAX_PUSH_BYTES setting.`);
      expect(result.stderr).toContain('! [remote rejected] main -> main (push too large)');
      expect(result.stderr).not.toMatch(/HTTP 413|Everything up-to-date/);
      expect(pushes).toBe(0);
      expect(await revParse(repo, home, 'refs/heads/main', true)).toBeNull();
      expect(await filesUnder(path.join(repo, 'objects'))).toEqual([]); // git removed its quarantine itself

      // The same repository takes a push under the limit afterwards.
      await git(['reset', '-q', '--hard', 'HEAD~1'], { cwd: work, home });
      const ok = await git(['push', remoteUrl(server, 'my-app'), 'main'], { cwd: work, home });
      expect(ok.code, ok.stderr).toBe(0);
      expect(pushes).toBe(1);
    });
  }
});

describe('request body plumbing', () => {
  it('never holds more than a few stream buffers of a body, whatever its size (back-pressure into a slow git)', async () => {
    const total = 32 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    let produced = 0;
    let consumed = 0;
    let peak = 0;
    const raw = new Readable({
      read() {
        if (produced >= total) return void this.push(null);
        produced += chunk.length;
        peak = Math.max(peak, produced - consumed);
        this.push(chunk);
      },
    });
    const stdin = new Writable({
      highWaterMark: 16 * 1024,
      write(data: Buffer, _enc, callback) {
        consumed += data.length;
        setImmediate(callback); // git reads slower than the client sends
      },
    });
    const finished = new Promise((resolve) => stdin.on('finish', resolve));
    const body = pipeBody(raw as unknown as IncomingMessage, 'identity', total, stdin, () => {});
    await finished;
    expect(consumed).toBe(total);
    expect(body.tooLarge).toBe(false);
    expect(peak).toBeLessThan(512 * 1024);
  });

  it('reads the refs, side-band and shallowness of a push and refuses each ref', () => {
    const pkt = (line: string) => (line.length + 4).toString(16).padStart(4, '0') + line;
    const [a, b, z] = ['a'.repeat(40), 'b'.repeat(40), '0'.repeat(40)];
    const head = Buffer.from(
      pkt(`shallow ${a}\n`) + pkt(`${z} ${b} refs/heads/main\0report-status-v2 side-band-64k quiet\n`) + pkt(`${z} ${a} refs/tags/v1\n`) + '0000PACK',
    );
    const commands = parseCommands(head);
    expect(commands).toEqual({ refs: ['refs/heads/main', 'refs/tags/v1'], sideband: true, shallow: true });
    const plain = refusalResponse({ ...commands, sideband: false }, ['ignored'], 'too large').toString();
    expect(plain).toBe(`${pkt('unpack too large\n')}${pkt('ng refs/heads/main too large\n')}${pkt('ng refs/tags/v1 too large\n')}0000`);
    const banded = refusalResponse(commands, ['line one'], 'too large').toString('latin1');
    expect(banded.startsWith(pkt('\x02line one\n'))).toBe(true);
    expect(banded.endsWith(`${pkt(`\x01${plain}`)}0000`)).toBe(true);
  });
});
