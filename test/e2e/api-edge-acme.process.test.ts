import { existsSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { eventually } from '../support/apps.ts';
import { httpsGet } from '../contracts/router-helpers.ts';
import { startPebble, type Pebble } from '../../apps/server/test/support/pebble.ts';

const HAPROXY = '/usr/sbin/haproxy';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** The certificate the edge presents for `servername` on `port`, or null when the handshake fails. */
function presented(port: number, servername: string): Promise<PeerCertificate | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert && Object.keys(cert).length > 0 ? cert : null);
    });
    socket.on('error', () => resolve(null));
  });
}

/**
 * The API hostname with an automatic certificate: PLATFORM_API_HOSTNAME and an ACME CA (Debian's pebble, validating
 * http-01 through the router), no PLATFORM_API_TLS_CERT. platformd serves the API on the edge once the CA issued the
 * certificate, keeps it (sealed) across a restart instead of asking again, and the API answers over https there.
 */
describe.skipIf(!existsSync(HAPROXY))('the API hostname with an automatic certificate (process runtime, pebble)', () => {
  let pebble: Pebble;
  let server: ServerHandle | undefined;
  let routerPort: number;
  let tlsPort: number;
  let dataDir: string;
  const env = () => ({
    PLATFORM_ROUTER: 'haproxy',
    PLATFORM_ROUTER_PORT: String(routerPort),
    PLATFORM_ROUTER_TLS_PORT: String(tlsPort),
    PLATFORM_API_HOSTNAME: 'localhost',
    PLATFORM_ACME_DIRECTORY_URL: pebble.directoryUrl,
    PLATFORM_ACME_CA_FILE: pebble.caFile,
    PLATFORM_ACME_EMAIL: 'ops@example.com',
  });

  beforeAll(async () => {
    [routerPort, tlsPort] = [await freePort(), await freePort()];
    pebble = await startPebble({ httpPort: routerPort });
  });
  afterAll(async () => {
    await server?.destroy();
    await pebble?.stop();
  });

  it('issues the certificate, serves the API over https with it, and keeps it across a restart', async () => {
    server = await startServer({ runtime: 'process', env: env() });
    dataDir = server.dataDir;
    expect(server.apiUrl).toBe(`https://localhost:${tlsPort}`);
    const cert = await eventually(async () => {
      const c = await presented(tlsPort, 'localhost');
      return c && /Pebble/i.test(String(c.issuer.CN ?? '')) ? c : null;
    }, 60_000, 'the edge to present the issued certificate for localhost');
    expect(cert.subjectaltname).toContain('DNS:localhost');
    const issuedLines = server.output.filter((line) => line.includes('platform certificate issued'));
    expect(issuedLines).toHaveLength(1);
    const api = await eventually(async () => {
      const r = await httpsGet(tlsPort, 'localhost', '/apps');
      return r.status === 401 ? r : null;
    }, 30_000, 'the API to answer through the edge');
    expect(api.body).toContain('unauthorized');

    // A restart serves the kept certificate at once: no new order at the CA.
    await server.stop();
    server = await startServer({ runtime: 'process', dataDir, env: env() });
    const again = await eventually(async () => {
      const c = await presented(tlsPort, 'localhost');
      return c && /Pebble/i.test(String(c.issuer.CN ?? '')) ? c : null;
    }, 30_000, 'the kept certificate after the restart');
    expect(again.serialNumber).toBe(cert.serialNumber);
    expect(server.output.some((line) => line.includes('platform certificate issued'))).toBe(false);
    expect((await httpsGet(tlsPort, 'localhost', '/apps')).status).toBe(401);
  });
});
