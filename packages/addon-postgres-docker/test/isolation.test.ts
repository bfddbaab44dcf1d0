import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { AddonRequest } from '@platform/types';
import { addonObjects, createDockerPostgresProvider, reachableUrl } from '../src/index.ts';
import { POSTGRES_IMAGE, requireEngine, testProvider } from './support.ts';

/** The image the probe containers run (any image with bash and getent does). */
const PROBE_IMAGE = 'platform/stack:bookworm-4';

/**
 * What a container on `network` sees of `host:5432`: `unresolved` (no such name there), `open` (a TCP connection
 * was accepted) or `closed` (refused or no answer within 3 s). The target reaches bash as an argument, never code.
 */
async function probe(docker: Docker, network: string, host: string): Promise<string> {
  const script = [
    'if [[ ! "$1" =~ ^[0-9.]+$ ]] && ! getent hosts "$1" >/dev/null; then printf unresolved; exit 0; fi',
    'if timeout 3 bash -c \'exec 3<>"/dev/tcp/$1/5432"\' _ "$1" 2>/dev/null; then printf open; else printf closed; fi',
  ].join('\n');
  const container = await docker.createContainer({
    Image: PROBE_IMAGE,
    Entrypoint: ['bash', '-c', script, 'probe', host],
    Cmd: [],
    HostConfig: { NetworkMode: network },
    Labels: { 'platform.test': 'addon-postgres-docker-probe' },
  });
  try {
    await container.start();
    await container.wait();
    const raw = (await container.logs({ stdout: true, stderr: false })) as unknown as Buffer;
    return raw.length > 8 ? raw.subarray(8).toString('utf8').trim() : '';
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

async function canConnect(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'connected';
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('docker PostgreSQL add-ons are isolated', () => {
  let docker: Docker;
  let t: Awaited<ReturnType<typeof testProvider>>;
  let platformDb: TestDatabase;
  const appX = randomUUID();
  const appY = randomUUID();
  const a: AddonRequest = { addonId: randomUUID(), plan: 'dev', appId: appX };
  const b: AddonRequest = { addonId: randomUUID(), plan: 'dev', appId: appY };
  let urlA = '';
  let urlB = '';

  beforeAll(async () => {
    docker = await requireEngine();
    t = await testProvider(docker);
    platformDb = await startTestDatabase({ maxConnections: 2 });
    const [ca, cb] = await Promise.all([t.provider.provision(a), t.provider.provision(b)]);
    urlA = ca.url;
    urlB = cb.url;
  }, 240_000);
  afterAll(async () => {
    await t?.provider.deprovision(a).catch(() => undefined);
    await t?.provider.deprovision(b).catch(() => undefined);
    await t?.cleanup();
    await platformDb?.stop();
  });

  it("refuses add-on A's credentials on add-on B's server and on the platform's own PostgreSQL", async () => {
    expect(await canConnect(await reachableUrl(docker, urlA))).toBe('connected');
    // A's user and password against B's server, with A's database name and with B's.
    for (const database of [new URL(urlA).pathname, new URL(urlB).pathname]) {
      const crossed = new URL(await reachableUrl(docker, urlB));
      crossed.username = new URL(urlA).username;
      crossed.password = new URL(urlA).password;
      crossed.pathname = database;
      expect(await canConnect(crossed.toString())).toMatch(/authentication failed|does not exist/);
    }
    // A's user and password against the platform's own database server.
    const own = new URL(String((platformDb.pool as unknown as { options: { connectionString: string } }).options.connectionString));
    for (const database of ['platform', 'postgres', new URL(urlA).pathname.slice(1)]) {
      const crossed = new URL(own);
      crossed.username = new URL(urlA).username;
      crossed.password = new URL(urlA).password;
      crossed.pathname = `/${database}`;
      expect(await canConnect(crossed.toString())).toMatch(/authentication failed|does not exist|password/);
    }
  });

  it("is reachable by name from its own app's network only; connectApp lets another app in, disconnectApp out", async () => {
    const name = addonObjects(a.addonId).container;
    const ipA = new URL(await reachableUrl(docker, urlA)).hostname;
    const [netX, netY] = [await t.networkFor(appX), await t.networkFor(appY)];
    expect(await probe(docker, netX, name)).toBe('open');
    expect(await probe(docker, netY, name)).toBe('unresolved');
    expect(await probe(docker, netY, ipA)).toBe('closed');
    await t.provider.connectApp(a, appY);
    await t.provider.connectApp(a, appY); // idempotent
    expect(await probe(docker, netY, name)).toBe('open');
    await t.provider.disconnectApp(a, appY);
    expect(await probe(docker, netY, name)).toBe('unresolved');
    await t.provider.disconnectApp(a, appX); // never the owner's
    expect(await probe(docker, netX, name)).toBe('open');
  });

  it('reconcileNetworks repairs what a crash left: joins the attached apps’ networks, leaves the others, keeps the owner’s', async () => {
    const name = addonObjects(a.addonId).container;
    const appZ = randomUUID();
    const [netX, netY, netZ] = [await t.networkFor(appX), await t.networkFor(appY), await t.networkFor(appZ)];
    // On Y's network with no attachment there (a platformd that died between connectApp and the attachment's row,
    // or a detach whose disconnect failed); attached to Z with its container not on Z's network.
    await t.provider.connectApp(a, appY);
    expect(await t.provider.reconcileNetworks(new Map([[a.addonId, [appZ]]]))).toEqual([{ addonId: a.addonId, joined: [netZ], left: [netY] }]);
    expect(await probe(docker, netZ, name)).toBe('open');
    expect(await probe(docker, netY, name)).toBe('unresolved');
    expect(await probe(docker, netX, name)).toBe('open');
    expect(await t.provider.reconcileNetworks(new Map([[a.addonId, [appZ]]]))).toEqual([]);
    expect(await t.provider.reconcileNetworks(new Map([[a.addonId, []], [randomUUID(), [appY]]]))).toEqual([{ addonId: a.addonId, joined: [], left: [netZ] }]);
  });

  it('publishes no port, holds no secret in what `docker inspect` shows, and restarts with the engine', async () => {
    const names = addonObjects(a.addonId);
    const info = await docker.getContainer(names.container).inspect();
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([await t.networkFor(appX)]);
    expect(Object.values(info.NetworkSettings.Ports ?? {}).filter(Boolean)).toEqual([]);
    expect(info.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    expect(info.Mounts.map((m) => [m.Type, m.Name])).toEqual([['volume', names.volume]]);
    expect(info.Config.Labels).toMatchObject({ 'platform.addon.id': a.addonId, 'platform.addon.app-id': appX, 'platform.addon.instance': t.instance });
    const secret = (await readFile(join(t.secretsDir, `${names.resource}.password`), 'utf8')).trim();
    expect((await stat(join(t.secretsDir, `${names.resource}.password`))).mode & 0o777).toBe(0o600);
    const shown = JSON.stringify(info);
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain(new URL(urlA).password);
    // The password file initdb read is gone from the container's filesystem.
    const exec = await docker.getContainer(names.container).exec({ Cmd: ['test', '-e', '/tmp/platform-superuser-password'], AttachStdout: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    await new Promise((resolve) => stream.on('end', resolve).resume());
    expect((await exec.inspect()).ExitCode).toBe(1);
  });

  it('is adopted by a new provider (platformd restarted): same URL, status, rotation', async () => {
    const again = createDockerPostgresProvider({ docker, instance: t.instance, image: POSTGRES_IMAGE, secretsDir: t.secretsDir, networkFor: t.networkFor });
    try {
      expect(await again.status(a)).toBe('available');
      expect(await canConnect(await reachableUrl(docker, urlA))).toBe('connected');
      const { url } = await again.rotateCredentials(a);
      expect(await canConnect(await reachableUrl(docker, url))).toBe('connected');
      expect(await canConnect(await reachableUrl(docker, urlA))).toMatch(/authentication failed/);
      urlA = url;
    } finally {
      await again.close();
    }
  });
});
