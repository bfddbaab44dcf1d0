import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { fixtureRepo } from '../support/apps.ts';
import { api } from '../support/api.ts';

/**
 * Issue 16: a client speaking Heroku's rendezvous protocol (what `heroku run` does) attaches to a real one-off on
 * the current release: TLS to the `rendezvous://` URL, `<secret>\r\n`, a greeting line, then the dyno's terminal.
 */
describe("one-off dynos over Heroku's rendezvous protocol (process runtime)", () => {
  const app = 'rendezvous-app';
  let server: ServerHandle;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startServer({ runtime: 'process', env: { PLATFORM_RENDEZVOUS_PORT: '0' } });
    env = await createUserEnv();
    const repo = await fixtureRepo('web-app', env);
    expect((await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env })).code).toBe(0);
    expect((await platform(['apps:create', app], { cwd: repo, env })).code).toBe(0);
    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
    expect((await platform(['config:set', 'GREETING=hi-from-config'], { cwd: repo, env })).code).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('runs the command with the app config, stdin in and output out, and closes after the exit', async () => {
    const created = await api(
      server.apiUrl,
      server.token,
      'POST',
      `/apps/${app}/dynos`,
      { command: 'read name; echo "$GREETING, $name"; exit 0', attach: true, force_no_tty: true },
      { 'User-Agent': 'heroku-cli/10.0.0 node-v20' },
    );
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const url = new URL(created.json.attach_url as string);
    expect(url.protocol).toBe('rendezvous:');
    // The platform's self-signed certificate (made at first start): the client verifies the chain against it.
    const ca = await readFile(path.join(server.dataDir, 'rendezvous.crt'), 'utf8');
    const chunks: Buffer[] = [];
    const socket = tls.connect({ host: url.hostname, port: Number(url.port), ca, checkServerIdentity: () => undefined });
    socket.on('secureConnect', () => socket.write(`${url.pathname.slice(1)}\r\n`));
    socket.once('data', () => socket.write('rendezvous-user\n\u0004'));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise<void>((resolve, reject) => {
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    expect(socket.authorized).toBe(true);
    expect(chunks[0]!.toString()).toBe('rendezvous\r\n');
    expect(Buffer.concat(chunks.slice(1)).toString()).toContain('hi-from-config, rendezvous-user');
  });

  it('refuses a secret used once already, and an unknown one', async () => {
    const created = await api(
      server.apiUrl,
      server.token,
      'POST',
      `/apps/${app}/dynos`,
      { command: 'echo once', attach: true, force_no_tty: true },
      { 'User-Agent': 'heroku-cli/10.0.0 node-v20' },
    );
    expect(created.status).toBe(201);
    const url = new URL(created.json.attach_url as string);
    const ca = await readFile(path.join(server.dataDir, 'rendezvous.crt'), 'utf8');
    const attach = (secret: string) =>
      new Promise<string>((resolve, reject) => {
        const out: Buffer[] = [];
        const s = tls.connect({ host: url.hostname, port: Number(url.port), ca, checkServerIdentity: () => undefined });
        s.on('secureConnect', () => s.write(`${secret}\r\n`));
        s.on('data', (c: Buffer) => out.push(c));
        s.on('close', () => resolve(Buffer.concat(out).toString()));
        s.on('error', reject);
      });
    expect(await attach(url.pathname.slice(1))).toContain('once');
    expect(await attach(url.pathname.slice(1))).not.toContain('once');
    expect(await attach('not-a-secret')).toBe('');
  });
});
