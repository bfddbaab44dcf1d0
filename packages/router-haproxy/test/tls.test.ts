import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { connect as http2Connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, get, logRecorder, startEchoUpstream } from '../../../test/contracts/router-helpers.ts';
import { createHaproxyRouter, type HaproxyRouter } from '../src/index.ts';
import { freePort } from './free-port.ts';

const BINARY = '/usr/sbin/haproxy';

/** A self-signed certificate for `name` and `*.name` (openssl, from the `test` prerequisites). */
async function selfSigned(dir: string, name: string): Promise<{ chainPem: string; keyPem: string }> {
  const [key, crt] = [join(dir, `${name}.key`), join(dir, `${name}.crt`)];
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name},DNS:*.${name}`]);
  return { chainPem: await readFile(crt, 'utf8'), keyPem: await readFile(key, 'utf8') };
}

function httpsGet(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, servername: host, headers: { host }, rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!existsSync(BINARY))('haproxy router: TLS termination', () => {
  let dir: string;
  let router: HaproxyRouter;
  let up: Awaited<ReturnType<typeof startEchoUpstream>>;
  const logs = logRecorder();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'router-haproxy-tls-'));
    router = createHaproxyRouter({ dir: join(dir, 'router'), domain: 'localhost', listen: { host: '127.0.0.1', port: await freePort() }, tlsPort: 0, onLog: logs.onLog });
    await router.start();
    up = await startEchoUpstream('web.1');
    await router.setRoutes('shop', [up.target]);
    await router.setDomains('shop', ['www.tls.test']);
  });
  afterAll(async () => {
    await router.close();
    await router.stopProxy();
    await closeServer(up.server);
    await rm(dir, { recursive: true, force: true });
  });

  it('serves HTTPS once a certificate is set, with X-Forwarded-Proto https and protocol=https in the log', async () => {
    await router.setCertificates([{ id: 'sni-1', app: 'shop', hostnames: ['tls.test', '*.tls.test'], ...(await selfSigned(dir, 'tls.test')) }]);
    const res = await httpsGet(router.tlsPort()!, 'www.tls.test');
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body) as { headers: Record<string, string> };
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(seen.headers['x-forwarded-port']).toBe(String(router.tlsPort()));
    const entries = await logs.waitFor(1);
    expect(entries.at(-1)).toMatchObject({ app: 'shop', protocol: 'https', path: '/', status: 200 });
  });

  it('speaks HTTP/2 on the TLS side (ALPN h2) and logs the path, not the absolute URI', async () => {
    const session = http2Connect(`https://127.0.0.1:${router.tlsPort()}`, { servername: 'www.tls.test', rejectUnauthorized: false });
    const status = await new Promise<number>((resolve, reject) => {
      const req = session.request({ ':path': '/h2?x=1', ':authority': 'www.tls.test' });
      req.on('response', (h) => resolve(Number(h[':status'])));
      req.on('error', reject);
      req.resume();
      req.end();
    });
    session.close();
    expect(status).toBe(200);
    const entries = await logs.waitFor(2);
    expect(entries.at(-1)).toMatchObject({ path: '/h2?x=1', protocol: 'https' });
  });

  it('redirects plain HTTP to HTTPS when the app asks, for hostnames a certificate covers: 301 for GET, 308 otherwise', async () => {
    await router.setSettings('shop', { maintenance: false, redirectHttps: true });
    const res = await get(router.port(), 'www.tls.test', '/a?b=1');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe(`https://www.tls.test:${router.tlsPort()}/a?b=1`);
    expect((await get(router.port(), 'www.tls.test', '/form', {}, 'POST', 'x')).status).toBe(308);
    // ACME http-01 challenges stay on plain HTTP (the CA does not follow them to a certificate it is issuing).
    await router.setChallenge('tok-r', 'tok-r.thumb');
    const challenge = await get(router.port(), 'www.tls.test', '/.well-known/acme-challenge/tok-r');
    expect({ status: challenge.status, body: challenge.body }).toEqual({ status: 200, body: 'tok-r.thumb' });
    await router.setChallenge('tok-r', null);
    // A hostname no certificate covers stays on plain HTTP.
    expect((await get(router.port(), 'shop.localhost')).status).toBe(200);
    expect((await httpsGet(router.tlsPort()!, 'www.tls.test')).status).toBe(200);
    await router.setSettings('shop', { maintenance: false, redirectHttps: false });
    expect((await get(router.port(), 'www.tls.test')).status).toBe(200);
  });

  it('refuses a certificate HAProxy cannot load and keeps serving the previous one', async () => {
    const bad = { id: 'bad', app: 'shop', hostnames: ['x.test'], chainPem: '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n', keyPem: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n' };
    await expect(router.setCertificates([bad])).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    await expect(router.setCertificates([{ ...bad, id: '../x' }])).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    expect((await httpsGet(router.tlsPort()!, 'www.tls.test')).status).toBe(200);
  });
});
