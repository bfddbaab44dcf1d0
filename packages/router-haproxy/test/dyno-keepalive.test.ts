/**
 * Connections to dynos are kept alive and reused, whether the dyno's server line came from the config (declared
 * at a reload) or was added at run time (`add server`: a dyno started after the proxy, an app on a spare backend).
 * HAProxy 2.6 gives a server added at run time no idle-connection pool unless its line says so; without one every
 * request opened a new connection to the dyno. And every dyno added at run time gets requests (explicit server ids).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, startUpstream } from '../../../test/contracts/router-helpers.ts';
import { createHaproxyRouter, type HaproxyRouter } from '../src/index.ts';
import { freePort } from './free-port.ts';

const REQUESTS = 40;

/** A dyno that answers its name and counts the TCP connections it accepted. */
async function countingDyno(name: string) {
  let connections = 0;
  const up = await startUpstream((_req, res) => res.end(name));
  up.server.on('connection', () => connections++);
  return { up, name, connections: () => connections, target: { dyno: name, address: { host: '127.0.0.1', port: up.port } } };
}

/** `count` GETs one after another over one keep-alive client connection; resolves to the bodies. */
async function sequentialGets(port: number, host: string, count: number): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const bodies: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      bodies.push(
        await new Promise<string>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (body += c));
            res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${res.statusCode}: ${body}`))));
          });
          req.on('error', reject);
          req.end();
        }),
      );
    }
  } finally {
    agent.destroy();
  }
  return bodies;
}

describe.skipIf(!existsSync('/usr/sbin/haproxy'))('haproxy router: connections to dynos', () => {
  let router: HaproxyRouter | null = null;
  let dir = '';
  const dynos: Array<Awaited<ReturnType<typeof countingDyno>>> = [];
  afterEach(async () => {
    await router?.close();
    await router?.stopProxy();
    for (const d of dynos.splice(0)) await closeServer(d.up.server);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('are reused for a dyno declared at start and for dynos added at run time (a new app on a spare, a scaled app)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'router-haproxy-keepalive-'));
    const declared = await countingDyno('web.1');
    dynos.push(declared);
    router = createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port: await freePort() } });
    await router.start();
    await router.setRoutes('first', [declared.target]);
    // A restart of the proxy reads first's dyno from the config: a declared server line.
    await router.stopProxy();
    await router.close();
    router = createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port: router.port() } });
    await router.start();
    await router.setRoutes('first', [declared.target]);
    const fresh = await countingDyno('web.1');
    const scaled = await countingDyno('web.2');
    dynos.push(fresh, scaled);
    await router.setRoutes('second', [fresh.target]); // a new app after start: a spare, its server added at run time
    await router.setRoutes('first', [declared.target, scaled.target]); // web.2 added at run time
    const port = router.port();
    // Every app answers before counting (a change applied over the socket is live at once; wait for it anyway).
    expect(['web.1', 'web.2']).toContain((await sequentialGets(port, 'first.localhost', 1))[0]);
    expect(await sequentialGets(port, 'second.localhost', 1)).toEqual(['web.1']);
    const before = dynos.map((d) => d.connections());
    const first = await sequentialGets(port, 'first.localhost', REQUESTS);
    const second = await sequentialGets(port, 'second.localhost', REQUESTS);
    expect(new Set(first)).toEqual(new Set(['web.1', 'web.2']));
    expect(second.every((b) => b === 'web.1')).toBe(true);
    const opened = dynos.map((d, i) => d.connections() - before[i]!);
    // One client connection at a time: a dyno needs one connection to the proxy, two if one closed in between.
    // Without reuse each dyno would have seen one per request (about 20, 40 and 20).
    for (const n of opened) expect(n).toBeLessThanOrEqual(2);
  });

  it('spreads requests over every dyno of an app whose servers were all added at run time (an app on a spare)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'router-haproxy-spread-'));
    router = createHaproxyRouter({ dir, domain: 'localhost', listen: { host: '127.0.0.1', port: await freePort() } });
    await router.start();
    const three = await Promise.all(['web.1', 'web.2', 'web.3'].map((name) => countingDyno(name)));
    dynos.push(...three);
    await router.setRoutes('spread', three.map((d) => d.target));
    // One client connection per request (balancing happens per request either way). Random balancing misses one of
    // 3 dynos in 60 requests with a chance of 3·(2/3)^60, about 1e-10.
    const answered = new Set<string>();
    for (let i = 0; i < 60; i++) for (const body of await sequentialGets(router.port(), 'spread.localhost', 1)) answered.add(body);
    expect([...answered].sort()).toEqual(['web.1', 'web.2', 'web.3']);
  });
});
