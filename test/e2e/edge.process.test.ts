import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { request } from 'node:http';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { eventually, fixtureRepo, getViaRouter } from '../support/apps.ts';
import { certificateFactory } from '../../apps/server/test/support/certs.ts';
import { writeFile } from 'node:fs/promises';

/** GET through the router with any Host header. */
function getHost(routerUrl: string, host: string, urlPath = '/'): Promise<{ status: number; body: string }> {
  const url = new URL(urlPath, routerUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The edge through the real server, CLI and router (process runtime): maintenance mode, custom domains. */
describe('edge (process runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  const app = 'edge-e2e';
  // -a and --server each time: the server's port changes when it restarts.
  const cli = (args: string[]) => platform([...args, '-a', app, '--server', server.apiUrl], { cwd: repo, env });

  beforeAll(async () => {
    server = await startServer({ runtime: 'process' });
    env = await createUserEnv();
    repo = await fixtureRepo('node-app', env);
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    expect((await platform(['apps:create', app], { cwd: repo, env })).code).toBe(0);
    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('domains:add routes a custom domain (and a wildcard) to the app; another app cannot take it; domains:remove stops it', async () => {
    const add = await cli(['domains:add', 'WWW.Example.com']);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain(`Adding WWW.Example.com to ${app}... done`);
    expect(add.stderr).toContain(`point to the DNS Target ${app}.localhost`);
    expect((await cli(['domains:add', '*.shop.example'])).code).toBe(0);
    expect((await cli(['domains:add', 'gone.example.org'])).code).toBe(0);
    const listed = await cli(['domains']);
    expect(listed.stdout).toContain(`=== ${app} Heroku Domain\n\n${app}.localhost\n\n=== ${app} Custom Domains\n\n`);
    expect(listed.stdout).toMatch(/Domain Name\s+DNS Record Type\s+DNS Target\s+SNI Endpoint\nwww\.example\.com\s+CNAME\s+edge-e2e\.localhost/);
    expect((await getHost(server.routerUrl, 'www.example.com')).status).toBe(200);
    expect((await getHost(server.routerUrl, 'en.shop.example')).status).toBe(200);
    const wait = await cli(['domains:wait', 'www.example.com', '--timeout', '10']);
    expect(wait.code, wait.stderr).toBe(0);
    expect(wait.stdout).toBe('Waiting for www.example.com... done\n');

    const bad = await cli(['domains:add', 'not_a_host.example.com']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/is not a valid hostname/);
    expect((await platform(['apps:create', 'edge-other', '--server', server.apiUrl], { env })).code).toBe(0);
    const taken = await platform(['domains:add', 'www.example.com', '-a', 'edge-other', '--server', server.apiUrl], { env });
    expect(taken.stderr).toContain('www.example.com is currently in use by another app.');

    const removed = await cli(['domains:remove', 'gone.example.org']);
    expect(removed.stdout).toBe(`Removing gone.example.org from ${app}... done\n`);
    expect((await getHost(server.routerUrl, 'gone.example.org')).status).toBe(404);
  });

  it('certs:add uploads a certificate that domains then show; certs, certs:info and certs:remove; a bad one is refused', async () => {
    const certs = await certificateFactory();
    try {
      const ca = await certs.ca();
      const leaf = await certs.leaf(ca, ['www.example.com'], 20);
      await writeFile(path.join(certs.dir, 'chain.pem'), leaf.cert + ca.cert);
      await writeFile(path.join(certs.dir, 'leaf.key'), leaf.key);
      await writeFile(path.join(certs.dir, 'ca.key'), ca.key);
      const bad = await cli(['certs:add', path.join(certs.dir, 'chain.pem'), path.join(certs.dir, 'ca.key')]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('The private key does not match the certificate');
      expect((await cli(['certs'])).stdout).toBe(`${app} has no SSL certificates.\nUse platform certs:add CRT KEY to add one.\n`);

      const add = await cli(['certs:add', path.join(certs.dir, 'chain.pem'), path.join(certs.dir, 'leaf.key')]);
      expect(add.code, add.stderr).toBe(0);
      const name = /now served by ([a-z0-9-]+)\./.exec(add.stdout)![1]!;
      expect(add.stdout).toMatch(/Certificate details:\nCommon Name\(s\): www\.example\.com\nExpires At: +\d{4}-\d\d-\d\d \d\d:\d\d UTC\nIssuer: +CN=Platform Test CA/);
      expect(add.stderr).toMatch(/The certificate expires in 1[89] days/);
      expect((await cli(['certs'])).stdout).toMatch(new RegExp(`^Name +Common Name\\(s\\) +Expires +Trusted +Type +Domains\n${name} +www\\.example\\.com .* True +SNI +1\n$`));
      expect((await cli(['domains'])).stdout).toMatch(new RegExp(`www\\.example\\.com +CNAME +${app}\\.localhost +${name}`));
      expect((await cli(['certs:info'])).stdout).toContain(`=== ${name} (${app})\nCertificate details:`);
      expect((await cli(['certs:remove'])).stderr).toContain(`Re-run with --confirm ${app}`);
      const removed = await cli(['certs:remove', '--confirm', app]);
      expect(removed.stdout).toBe(`Removing SSL certificate ${name} from ${app}... done\n`);
    } finally {
      await certs.cleanup();
    }
  });

  it('maintenance:on answers 503 H80 with the maintenance page while the dynos keep running, across a restart', async () => {
    expect((await getViaRouter(server.routerUrl, app)).status).toBe(200);
    expect((await cli(['maintenance'])).stdout).toBe('off\n');
    const on = await cli(['maintenance:on']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toBe(`Enabling maintenance mode for ${app}... done\n`);
    expect((await cli(['maintenance'])).stdout).toBe('on\n');
    const res = await getViaRouter(server.routerUrl, app, '/during');
    expect(res.status).toBe(503);
    expect(res.body).toContain('Offline for Maintenance');
    expect((await cli(['ps'])).stdout).toMatch(/web\.1: up/);
    const logs = await cli(['logs', '-n', '50']);
    expect(logs.stdout).toMatch(/router\]: at=info code=H80 desc="Maintenance mode" method=GET path="\/during"/);

    // The switch is state: a new platformd answers the same before its first request.
    await server.stop();
    server = await startServer({ runtime: 'process', dataDir: server.dataDir });
    expect((await getViaRouter(server.routerUrl, app)).status).toBe(503);
    expect((await getHost(server.routerUrl, 'www.example.com')).status).toBe(503); // domains survive it too

    const off = await cli(['maintenance:off']);
    expect(off.stdout).toBe(`Disabling maintenance mode for ${app}... done\n`);
    await eventually(async () => (await getViaRouter(server.routerUrl, app)).status === 200, 60_000, 'the app to answer again');
    expect((await getHost(server.routerUrl, 'www.example.com')).status).toBe(200);
  });
});
