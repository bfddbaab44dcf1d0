import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { fixtureRepo, getViaRouter } from '../support/apps.ts';
import { certificateFactory } from '../../apps/server/test/support/certs.ts';
import { httpsGet } from '../contracts/router-helpers.ts';

const HAPROXY = '/usr/sbin/haproxy';

/** A plain-HTTP request to the router with a Host header; the answer's status and Location. */
function plainHttp(routerUrl: string, host: string, method: string, urlPath: string): Promise<{ status: number; location: string | undefined }> {
  const url = new URL(urlPath, routerUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method, headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end(method === 'GET' ? undefined : '{}');
  });
}

/**
 * The platform's own API and git over TLS through the edge (HAProxy): PLATFORM_API_HOSTNAME with a certificate from
 * a test CA the clients trust (NODE_EXTRA_CA_CERTS for the CLI, GIT_SSL_CAINFO for git). `localhost` is the API's
 * hostname here because it resolves without DNS; the apps stay at `<app>.localhost` on the router.
 */
describe.skipIf(!existsSync(HAPROXY))('the API and git over TLS through the edge (process runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;
  let appCert: { cert: string; key: string };
  const certs = certificateFactory();
  const app = 'tls-api-e2e';

  beforeAll(async () => {
    const factory = await certs;
    const ca = await factory.ca();
    const leaf = await factory.leaf(ca, ['localhost']);
    appCert = await factory.leaf(ca, ['www.tls-e2e.test']);
    env = await createUserEnv();
    const files = { ca: path.join(env.HOME!, 'ca.pem'), cert: path.join(env.HOME!, 'api.crt'), key: path.join(env.HOME!, 'api.key') };
    await writeFile(files.ca, ca.cert);
    await writeFile(files.cert, leaf.cert);
    await writeFile(files.key, leaf.key, { mode: 0o600 });
    server = await startServer({
      runtime: 'process',
      env: { PLATFORM_ROUTER: 'haproxy', PLATFORM_ROUTER_TLS_PORT: '0', PLATFORM_API_HOSTNAME: 'localhost', PLATFORM_API_TLS_CERT_FILE: files.cert, PLATFORM_API_TLS_KEY_FILE: files.key },
    });
    Object.assign(env, { NODE_EXTRA_CA_CERTS: files.ca, GIT_SSL_CAINFO: files.ca });
    repo = await fixtureRepo('web-app', env);
  });
  afterAll(async () => {
    await server?.destroy();
    await (await certs).cleanup();
  });

  it('serves the CLI and git push over https, hands out https URLs, and redirects plain HTTP on the API hostname', async () => {
    expect(server.apiUrl).toMatch(/^https:\/\/localhost:\d+$/);
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    const created = await platform(['apps:create', app, '--json'], { cwd: repo, env });
    expect(created.code, created.stderr).toBe(0);
    const info = JSON.parse(created.stdout) as { git_url: string; web_url: string };
    expect(info.git_url).toBe(`${server.apiUrl}/${app}.git`);
    const remote = await run('git', ['remote', 'get-url', 'platform'], { cwd: repo, env });
    expect(remote.stdout.trim()).toBe(info.git_url);

    const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('remote: ');
    expect((await getViaRouter(server.routerUrl, app)).status).toBe(200);

    // Log sessions are handed out at the https URL, and the stream is read through the edge.
    const logs = await platform(['logs', '-n', '50', '-a', app], { env });
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/app\[web\.1\]|heroku\[router\]|platform\[/);

    const getRedirect = await plainHttp(server.routerUrl, 'localhost', 'GET', '/healthz');
    expect(getRedirect).toEqual({ status: 301, location: `${server.apiUrl}/healthz` });
    const postRedirect = await plainHttp(server.routerUrl, 'localhost', 'POST', '/apps');
    expect(postRedirect).toEqual({ status: 308, location: `${server.apiUrl}/apps` });
  });

  it('features:enable redirect-https makes the app redirect plain HTTP to HTTPS on a covered domain; features:disable stops it', async () => {
    const cli = (args: string[]) => platform([...args, '-a', app], { cwd: repo, env });
    expect((await cli(['domains:add', 'www.tls-e2e.test'])).code).toBe(0);
    await writeFile(path.join(env.HOME!, 'www.crt'), appCert.cert);
    await writeFile(path.join(env.HOME!, 'www.key'), appCert.key);
    const added = await cli(['certs:add', path.join(env.HOME!, 'www.crt'), path.join(env.HOME!, 'www.key')]);
    expect(added.code, added.stderr).toBe(0);
    expect((await plainHttp(server.routerUrl, 'www.tls-e2e.test', 'GET', '/')).status).toBe(200);

    const enabled = await cli(['features:enable', 'redirect-https']);
    expect(enabled.code, enabled.stderr).toBe(0);
    expect(enabled.stdout).toContain(`Enabling redirect-https for ${app}... done`);
    expect((await cli(['features'])).stdout).toMatch(/\[\+\] redirect-https /);
    const tlsPort = new URL(server.apiUrl).port;
    expect(await plainHttp(server.routerUrl, 'www.tls-e2e.test', 'GET', '/x')).toEqual({ status: 301, location: `https://www.tls-e2e.test:${tlsPort}/x` });
    // The default host has no certificate here: it stays on plain HTTP.
    expect((await plainHttp(server.routerUrl, `${app}.localhost`, 'GET', '/')).status).toBe(200);

    const unknown = await cli(['features:enable', 'no-such-feature']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("Couldn't find that feature: no-such-feature");
    expect((await cli(['features:disable', 'redirect-https'])).code).toBe(0);
    expect((await plainHttp(server.routerUrl, 'www.tls-e2e.test', 'GET', '/')).status).toBe(200);
  });
});

/** A port nothing listens on now (bound, then released), for a listener whose port the test must know. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The Node router's TLS side through platformd (PLATFORM_ROUTER=node with PLATFORM_ROUTER_TLS_PORT). */
describe('the Node router serves TLS and the redirect switch (process runtime)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let tlsPort: number;
  const certs = certificateFactory();
  const app = 'node-tls-e2e';

  beforeAll(async () => {
    tlsPort = await freePort();
    server = await startServer({ runtime: 'process', env: { PLATFORM_ROUTER: 'node', PLATFORM_ROUTER_TLS_PORT: String(tlsPort) } });
    env = await createUserEnv();
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
    await (await certs).cleanup();
  });

  it('serves an uploaded certificate by SNI and redirects plain HTTP once redirect-https is enabled', async () => {
    const cli = (args: string[]) => platform([...args, '-a', app], { env });
    expect((await platform(['apps:create', app], { env })).code).toBe(0);
    expect((await cli(['domains:add', 'www.node-tls.test'])).code).toBe(0);
    const factory = await certs;
    const leaf = await factory.leaf(await factory.ca(), ['www.node-tls.test']);
    await writeFile(path.join(env.HOME!, 'www.crt'), leaf.cert);
    await writeFile(path.join(env.HOME!, 'www.key'), leaf.key);
    expect((await cli(['certs:add', path.join(env.HOME!, 'www.crt'), path.join(env.HOME!, 'www.key')])).code).toBe(0);
    // No dyno runs: the TLS side answers the app's 503 (H14) with the app's certificate.
    expect((await httpsGet(tlsPort, 'www.node-tls.test')).status).toBe(503);
    expect((await plainHttp(server.routerUrl, 'www.node-tls.test', 'GET', '/')).status).toBe(503);
    expect((await cli(['features:enable', 'redirect-https'])).code).toBe(0);
    expect(await plainHttp(server.routerUrl, 'www.node-tls.test', 'POST', '/form')).toEqual({ status: 308, location: `https://www.node-tls.test:${tlsPort}/form` });
  });
});
