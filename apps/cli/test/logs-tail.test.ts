import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../src/cli.ts';

/** `platform logs --tail` against a real HTTP server whose stream ends: it reconnects, and stops with the server's refusal. */
let server: http.Server;
let url: string;
let home: string;
let sessions = 0;

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'platform-cli-logs-'));
  server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/apps/tail-app/log-sessions') {
      sessions++;
      if (sessions === 1) {
        res.writeHead(201, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ logplex_url: `${url}/stream/1` }));
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ id: 'not_found', message: "Couldn't find that app.", resource: 'app' }));
    }
    if (req.url === '/stream/1') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      return res.end('data: a line\n\n');
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(home, { recursive: true, force: true });
});

describe('logs --tail', () => {
  it('reconnects when the stream ends and exits 1 with the reason when the server refuses', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await runCli(['logs', '--tail', '-a', 'tail-app', '--server', url], {
      env: { HOME: home, PLATFORM_API_KEY: 'token' },
      cwd: home,
      stdout,
      stderr,
      stdin: new PassThrough(),
    });
    expect(code).toBe(1);
    expect(out).toBe('a line\n');
    expect(err).toContain('The log stream ended; reconnecting…');
    expect(err).toContain("Couldn't find that app.");
    expect(sessions).toBe(2);
  });
});
