import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform } from '../support/cli.ts';
import { startPebble, type Pebble } from '../../apps/server/test/support/pebble.ts';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/**
 * Automatic certificates through the real platformd and CLI, against Debian's pebble validating via the router:
 * the default one (PLATFORM_ROUTER=auto: HAProxy answers the challenges where it is installed), and the Node router.
 */
describe.each(['auto', 'node'])('certs:auto (pebble, PLATFORM_ROUTER=%s)', (routerChoice) => {
  let server: ServerHandle;
  let pebble: Pebble;
  let env: Record<string, string>;
  const app = 'acme-e2e';
  const cli = (args: string[]) => platform([...args, '-a', app], { env });

  beforeAll(async () => {
    const routerPort = await freePort();
    pebble = await startPebble({ httpPort: routerPort });
    server = await startServer({
      runtime: 'process',
      env: {
        PLATFORM_ROUTER: routerChoice,
        PLATFORM_ROUTER_PORT: String(routerPort),
        PLATFORM_ACME_DIRECTORY_URL: pebble.directoryUrl,
        PLATFORM_ACME_CA_FILE: pebble.caFile,
        PLATFORM_ACME_EMAIL: 'ops@example.com',
      },
    });
    env = await createUserEnv();
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    expect((await platform(['apps:create', app, '--no-remote'], { env })).code).toBe(0);
  });
  afterAll(async () => {
    await server?.destroy();
    await pebble?.stop();
  });

  it('issues a certificate when a domain is added on an ACM app; a domain the CA cannot reach is shown failing with why', async () => {
    expect(await server.proxyPid()).toEqual(routerChoice === 'auto' && existsSync('/usr/sbin/haproxy') ? expect.any(Number) : null);
    expect((await cli(['certs:auto'])).stdout).toContain(`Automatic Certificate Management is disabled on ${app}`);
    const enable = await cli(['certs:auto:enable']);
    expect(enable.stdout, enable.stderr).toBe(`Enabling Automatic Certificate Management for ${app}... done\n`);
    expect((await cli(['domains:add', 'www.acme-e2e.test'])).code).toBe(0);
    const wait = await cli(['domains:wait', 'www.acme-e2e.test', '--timeout', '60']);
    expect(wait.code, wait.stderr + pebble.output.join('')).toBe(0);
    const auto = await cli(['certs:auto']);
    expect(auto.stdout).toMatch(/=== Automatic Certificate Management is enabled on acme-e2e\n\nDomain +Status +Reason +Last Updated\nwww\.acme-e2e\.test +OK +\d{4}-/);
    expect((await cli(['domains'])).stdout).toMatch(/www\.acme-e2e\.test +CNAME +acme-e2e\.localhost +cert issued/);

    await pebble.setAddress('down.acme-e2e.test', '127.0.0.2');
    expect((await cli(['domains:add', 'down.acme-e2e.test'])).code).toBe(0);
    const failed = await cli(['domains:wait', 'down.acme-e2e.test', '--timeout', '5']);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/Timed out after 5s waiting for:\n.*down\.acme-e2e\.test: failing: The ACME server refused down\.acme-e2e\.test/);
    expect((await cli(['certs:auto'])).stdout).toMatch(/down\.acme-e2e\.test +Failing +The ACME server refused/);
  });
});
