import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, get, logRecorder, startUpstream, webSocketAccept } from '../../../test/contracts/router-helpers.ts';
import { createHaproxyRouter, type HaproxyRouter } from '../src/index.ts';
import { freePort } from './free-port.ts';

const BINARY = '/usr/sbin/haproxy';
const HOST = 'api.platform.test';
/** The data path's own timeouts, short here: the API's exchanges must outlast them. */
const SHORT_MS = 800;

async function selfSigned(dir: string, name: string): Promise<{ chainPem: string; keyPem: string }> {
  const [key, crt] = [join(dir, `${name}.key`), join(dir, `${name}.crt`)];
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`]);
  return { chainPem: await readFile(crt, 'utf8'), keyPem: await readFile(key, 'utf8') };
}

function httpsCall(port: number, method: string, path: string, body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, method, path, servername: HOST, headers: { host: HOST }, rejectUnauthorized: false, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The platform's own API through the proxy (router-haproxy `setPlatformApi`): TLS, redirects, no idle limits. */
describe.skipIf(!existsSync(BINARY))('haproxy router: the platform API at its own hostname', () => {
  let dir: string;
  let router: HaproxyRouter;
  let api: Awaited<ReturnType<typeof startUpstream>>;
  const seen: Array<{ method: string; url: string; proto: string; bytes: number }> = [];
  const logs = logRecorder();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'router-haproxy-api-'));
    router = createHaproxyRouter({
      dir: join(dir, 'router'),
      domain: 'localhost',
      listen: { host: '127.0.0.1', port: await freePort() },
      tlsPort: 0,
      onLog: logs.onLog,
      timeouts: { requestMs: SHORT_MS, clientMs: SHORT_MS, keepAliveMs: SHORT_MS, headersMs: SHORT_MS, tunnelMs: SHORT_MS },
    });
    await router.start();
    api = await startUpstream((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', proto: String(req.headers['x-forwarded-proto']), bytes });
        if (req.url === '/quiet') {
          // A log tail or a build that says nothing for a while: silent for three times the data path's timeouts.
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('started;');
          setTimeout(() => res.end('done'), 3 * SHORT_MS);
        } else res.end(`api ${req.method} ${req.url} ${bytes}`);
      });
    });
    // An attach or log-tail WebSocket: answers `late` three timeouts after it was asked, on a socket silent meanwhile.
    api.server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${webSocketAccept(String(req.headers['sec-websocket-key']))}\r\n\r\n`);
      socket.on('data', () => setTimeout(() => socket.write('late'), 3 * SHORT_MS));
    });
    await router.setPlatformApi({ hostname: HOST, address: { host: '127.0.0.1', port: api.port } });
    await router.setCertificates([{ id: 'platform-api', app: '', hostnames: [HOST], ...(await selfSigned(dir, HOST)) }]);
  });
  afterAll(async () => {
    await router.close();
    await router.stopProxy();
    await closeServer(api.server);
    await rm(dir, { recursive: true, force: true });
  });

  it('forwards HTTPS requests for the hostname to the API, with X-Forwarded-Proto https, and no app log line', async () => {
    expect(await httpsCall(router.tlsPort()!, 'GET', '/apps')).toEqual({ status: 200, body: 'api GET /apps 0' });
    expect(seen.at(-1)).toMatchObject({ url: '/apps', proto: 'https' });
    await router.setRoutes('shop', []);
    await get(router.port(), 'shop.localhost');
    const entries = await logs.waitFor(1);
    expect(entries.map((e) => e.app)).toEqual(['shop']);
  });

  it('streams a large request body (a git push) and a response silent for longer than the apps\' timeouts', async () => {
    const size = 24 << 20;
    expect(await httpsCall(router.tlsPort()!, 'POST', '/shop.git/git-receive-pack', Buffer.alloc(size, 7))).toEqual({ status: 200, body: `api POST /shop.git/git-receive-pack ${size}` });
    expect(await httpsCall(router.tlsPort()!, 'GET', '/quiet')).toEqual({ status: 200, body: 'started;done' });
  });

  it('redirects plain HTTP to HTTPS: 301 for GET and HEAD, 308 (body resent) otherwise; ACME challenges stay on HTTP', async () => {
    const location = `https://${HOST}:${router.tlsPort()}/apps?x=1`;
    const getRes = await get(router.port(), HOST, '/apps?x=1');
    expect({ status: getRes.status, location: getRes.headers.location }).toEqual({ status: 301, location });
    const postRes = await get(router.port(), HOST, '/apps?x=1', {}, 'POST', '{}');
    expect({ status: postRes.status, location: postRes.headers.location }).toEqual({ status: 308, location });
    await router.setChallenge('tok-1', 'tok-1.thumb');
    expect((await get(router.port(), HOST, '/.well-known/acme-challenge/tok-1')).body).toBe('tok-1.thumb');
    await router.setChallenge('tok-1', null);
  });

  it('keeps a WebSocket to the API open while it is silent for longer than the apps\' tunnel timeout', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: router.tlsPort()!, servername: HOST, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () =>
        socket.write(`GET /attach HTTP/1.1\r\nHost: ${HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`),
      );
      let received = '';
      socket.on('data', (c: Buffer) => {
        received += c.toString();
        if (received.includes('\r\n\r\n') && !received.includes('hello')) {
          received += 'hello';
          socket.write('hello');
        }
        if (received.endsWith('late')) {
          socket.destroy();
          resolve(received);
        }
      });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    expect(text).toMatch(/^HTTP\/1\.1 101 /);
    expect(text.endsWith('late')).toBe(true);
  });

  it('stops serving the hostname once unset', async () => {
    await router.setPlatformApi(null);
    expect((await httpsCall(router.tlsPort()!, 'GET', '/apps')).status).toBe(404);
    await expect(router.setPlatformApi({ hostname: 'bad host\n', address: { host: '127.0.0.1', port: 1 } })).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
  });
});
