import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { openRouter } from '../src/start/router.ts';
import { createCleanupStack } from '../src/start/cleanup-stack.ts';
import { appUrls } from '../src/urls.ts';
import { apiCertificateHolder, withApiCertificate } from '../src/start/api-edge.ts';
import { certificateFactory, type Pem } from './support/certs.ts';

/** PLATFORM_API_HOSTNAME, PLATFORM_API_TLS_CERT/_KEY (or _FILE): the API and git served over TLS by the edge. */
describe('the API on the edge: settings', () => {
  const base = { PLATFORM_DATA_DIR: '/tmp/platform-config-test', PLATFORM_BUILD_CA_FILE: 'none', PLATFORM_ROUTER_TLS_PORT: '8443' };
  let certs: Awaited<ReturnType<typeof certificateFactory>>;
  let leaf: Pem;
  let other: Pem;
  let files: { cert: string; key: string };

  beforeAll(async () => {
    certs = await certificateFactory();
    const ca = await certs.ca();
    leaf = await certs.leaf(ca, ['paas.example.com', '*.apps.example.com']);
    other = await certs.leaf(ca, ['other.example.com']);
    files = { cert: path.join(certs.dir, 'api.crt'), key: path.join(certs.dir, 'api.key') };
    await writeFile(files.cert, leaf.cert);
    await writeFile(files.key, leaf.key);
  });
  afterAll(() => certs?.cleanup());

  it('is off by default, and on with a certificate from files and the hostname of an https public URL', () => {
    expect(loadConfig(base).apiEdge).toBeNull();
    const config = loadConfig({ ...base, PLATFORM_PUBLIC_URL: 'https://paas.example.com', PLATFORM_API_TLS_CERT_FILE: files.cert, PLATFORM_API_TLS_KEY_FILE: files.key });
    expect(config.apiEdge).toMatchObject({ hostname: 'paas.example.com', certHostnames: ['paas.example.com', '*.apps.example.com'] });
    expect(loadConfig({ ...base, PLATFORM_API_HOSTNAME: 'PaaS.example.com', PLATFORM_API_TLS_CERT: leaf.cert, PLATFORM_API_TLS_KEY: leaf.key }).apiEdge?.hostname).toBe('paas.example.com');
  });

  it('takes an automatic certificate from the ACME CA when the hostname comes without one', () => {
    const acme = { PLATFORM_ACME_DIRECTORY_URL: 'https://acme.example.net/dir' };
    expect(loadConfig({ ...base, ...acme, PLATFORM_API_HOSTNAME: 'PaaS.example.com' }).apiEdge).toEqual({
      hostname: 'paas.example.com',
      certPem: null,
      keyPem: null,
      certHostnames: ['paas.example.com'],
      automatic: true,
    });
    // An uploaded certificate wins over the CA; no hostname, no API on the edge.
    expect(loadConfig({ ...base, ...acme, PLATFORM_API_HOSTNAME: 'paas.example.com', PLATFORM_API_TLS_CERT: leaf.cert, PLATFORM_API_TLS_KEY: leaf.key }).apiEdge?.automatic).toBe(false);
    expect(loadConfig({ ...base, ...acme }).apiEdge).toBeNull();
    for (const [env, message] of [
      [{ PLATFORM_API_HOSTNAME: 'paas..example.com' }, /must be a DNS name/],
      [{ PLATFORM_API_HOSTNAME: 'paas.example.com', PLATFORM_ROUTER_TLS_PORT: '' }, /needs PLATFORM_ROUTER_TLS_PORT/],
      [{ PLATFORM_API_HOSTNAME: 'paas.example.com', PLATFORM_ROUTER: 'node' }, /needs the HAProxy router/],
      [{ PLATFORM_API_HOSTNAME: 'paas.example.com', PLATFORM_PUBLIC_URL: 'https://other.example.com' }, /PLATFORM_PUBLIC_URL must be https:\/\/paas\.example\.com/],
    ] as const) {
      expect(() => loadConfig({ ...base, ...acme, ...env })).toThrow(message);
    }
  });

  it('serves no API certificate before an automatic one is issued, then the issued one', async () => {
    const config = loadConfig({ ...base, PLATFORM_ACME_DIRECTORY_URL: 'https://acme.example.net/dir', PLATFORM_API_HOSTNAME: 'paas.example.com' });
    const holder = apiCertificateHolder(config.apiEdge!);
    const sets: string[][] = [];
    const edge = withApiCertificate({ setCertificates: async (c) => void sets.push(c.map((x) => x.id)) } as Parameters<typeof withApiCertificate>[0], holder);
    await edge.setCertificates([{ id: 'sni-1', app: 'shop', chainPem: '', keyPem: '', hostnames: [] }]);
    holder.set({ chainPem: leaf.cert, keyPem: leaf.key });
    await edge.setCertificates([{ id: 'sni-1', app: 'shop', chainPem: '', keyPem: '', hostnames: [] }]);
    expect(sets).toEqual([['sni-1'], ['sni-1', 'platform-api']]);
    expect(holder.current()).toMatchObject({ chainPem: leaf.cert, hostnames: ['paas.example.com'] });
  });

  it.each([
    [{ PLATFORM_API_TLS_CERT: 'x' }, /set both PLATFORM_API_TLS_CERT and PLATFORM_API_TLS_KEY/],
    [{ PLATFORM_API_HOSTNAME: 'paas.example.com' }, /PLATFORM_API_HOSTNAME needs PLATFORM_API_TLS_CERT/],
    [{ cert: true }, /set PLATFORM_API_HOSTNAME, or PLATFORM_PUBLIC_URL=https/],
    [{ cert: true, PLATFORM_API_HOSTNAME: 'other.example.com' }, /does not cover other\.example\.com/],
    [{ cert: true, PLATFORM_API_HOSTNAME: 'paas.example.com', PLATFORM_ROUTER_TLS_PORT: '' }, /needs PLATFORM_ROUTER_TLS_PORT/],
    [{ cert: true, PLATFORM_API_HOSTNAME: 'paas.example.com', PLATFORM_ROUTER: 'node' }, /needs the HAProxy router/],
    [{ cert: true, PLATFORM_API_HOSTNAME: 'paas.example.com', PLATFORM_PUBLIC_URL: 'http://paas.example.com' }, /PLATFORM_PUBLIC_URL must be https:\/\/paas\.example\.com/],
    [{ cert: true, PLATFORM_API_HOSTNAME: 'paas.example.com', wrongKey: true }, /is not the key of PLATFORM_API_TLS_CERT/],
  ])('refuses %j, saying why', (settings, message) => {
    const { cert, wrongKey, ...env } = settings as Record<string, string | boolean>;
    const pair = cert ? { PLATFORM_API_TLS_CERT: leaf.cert, PLATFORM_API_TLS_KEY: wrongKey ? other.key : leaf.key } : {};
    const run = () => loadConfig({ ...base, ...pair, ...(env as Record<string, string>) });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });

  it('refuses to start on the Node router (no HAProxy installed) instead of serving the API in clear', async () => {
    const config = { ...loadConfig({ ...base, PLATFORM_API_HOSTNAME: 'paas.example.com', PLATFORM_API_TLS_CERT: leaf.cert, PLATFORM_API_TLS_KEY: leaf.key }), haproxyBin: '/nonexistent/haproxy' };
    const logger = pino({ level: 'silent' });
    const cleanups = createCleanupStack(logger);
    await expect(openRouter(config, { logger, cleanups, onLog: () => undefined })).rejects.toMatchObject({ code: 'PLT_ROUTER_UNAVAILABLE', message: expect.stringContaining("does not serve the platform's API") });
    await cleanups.run();
  });

  it('adds its certificate to every set the edge gets, and gives https URLs', async () => {
    const config = loadConfig({ ...base, PLATFORM_API_HOSTNAME: 'paas.example.com', PLATFORM_API_TLS_CERT: leaf.cert, PLATFORM_API_TLS_KEY: leaf.key, PLATFORM_DOMAIN: 'apps.example.com' });
    const sets: string[][] = [];
    const edge = withApiCertificate({ setCertificates: async (c) => void sets.push(c.map((x) => x.id)) } as Parameters<typeof withApiCertificate>[0], apiCertificateHolder(config.apiEdge!));
    await edge.setCertificates([]);
    await edge.setCertificates([{ id: 'sni-1', app: 'shop', chainPem: '', keyPem: '', hostnames: [] }]);
    expect(sets).toEqual([['platform-api'], ['sni-1', 'platform-api']]);
    const urls = appUrls({ ...config, publicUrl: 'https://paas.example.com:8443' }, () => 5000, () => 8080, () => null, { tlsPort: 8443, coversAppHosts: true });
    expect([urls.api(), urls.git('shop'), urls.web('shop')]).toEqual(['https://paas.example.com:8443', 'https://paas.example.com:8443/shop.git', 'https://shop.apps.example.com:8443/']);
    const plainApps = appUrls({ ...config, publicUrl: 'https://paas.example.com' }, () => 5000, () => 8080, () => null, { tlsPort: 443, coversAppHosts: false });
    expect(plainApps.web('shop')).toBe('http://shop.apps.example.com:8080/');
  });
});
