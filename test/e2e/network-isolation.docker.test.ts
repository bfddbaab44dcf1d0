import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { requireDocker } from '../support/docker.ts';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { platform, run } from '../support/cli.ts';
import { commitFile, getViaRouter } from '../support/apps.ts';
import { deployFixture } from '../support/deploy.ts';

const docker = requireDocker();

/** The container of an app's dyno and its network: IP, gateway (the host's side of the bridge), bridge name. */
async function dynoNetwork(app: string, dyno: string) {
  const [info] = await docker.listContainers({ filters: { label: [`platform.app=${app}`, `platform.dyno=${dyno}`] } });
  const full = await docker.getContainer(info!.Id).inspect();
  const [name, net] = Object.entries(full.NetworkSettings.Networks)[0]!;
  const network = await docker.getNetwork(name).inspect();
  return { name, ip: net.IPAddress, gateway: net.Gateway, bridge: network.Options?.['com.docker.network.bridge.name'] };
}

/** `probe <target> <result>` lines → { target: result }. */
const probes = (text: string) => Object.fromEntries([...text.matchAll(/probe (\S+) (\S+)/g)].map((m) => [m[1], m[2]]));

/** This host's first non-internal IPv4 address (what a dyno would use to reach the host from outside the bridge). */
const hostAddress = () =>
  Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal && !a.address.startsWith('172.'))?.address;

describe('network isolation between apps (docker runtime)', () => {
  let server: ServerHandle;
  let apiPort: number;
  let postgresPort: number;
  let victim: Awaited<ReturnType<typeof dynoNetwork>>;
  let attacker: { env: Record<string, string>; repo: string };

  beforeAll(async () => {
    // The API listens on every address, so only the firewall stands between a dyno and it.
    server = await startServer({ runtime: 'docker', env: { PLATFORM_HOST: '0.0.0.0' } });
    apiPort = Number(new URL(server.apiUrl).port);
    postgresPort = Number((await readFile(path.join(server.dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[3]);
    await deployFixture(server, 'probe-app', 'iso-victim');
    victim = await dynoNetwork('iso-victim', 'web.1');
    attacker = await deployFixture(server, 'probe-app', 'iso-attacker');
  }, 300_000);

  afterAll(async () => {
    await server?.destroy();
  });

  it('gives each app a network of its own, and the router still reaches every app', async () => {
    const other = await dynoNetwork('iso-attacker', 'web.1');
    expect(other.name).not.toBe(victim.name);
    expect(victim.bridge).toMatch(/^plt-[0-9a-f]{11}$/);
    for (const app of ['iso-victim', 'iso-attacker']) {
      const res = await getViaRouter(server.routerUrl, app);
      expect(res.status).toBe(200);
      expect(res.body).toContain('probe-app web.1');
    }
  });

  it("refuses a dyno's connections to another app's dyno, the host (API, Postgres), and link-local metadata; the internet stays reachable", async () => {
    const own = await dynoNetwork('iso-attacker', 'web.1');
    const host = hostAddress();
    const targets = [
      `${victim.ip}:5000`,
      `${own.gateway}:${apiPort}`,
      `${own.gateway}:${postgresPort}`,
      ...(host ? [`${host}:${apiPort}`] : []),
      '169.254.169.254:80',
      'registry.npmjs.org:443',
    ];
    const r = await platform(['run', '--no-tty', 'node', 'probe.js', ...targets], { cwd: attacker.repo, env: attacker.env });
    expect(r.code, r.stderr).toBe(0);
    const seen = probes(r.stdout);
    expect(seen[`${victim.ip}:5000`]).not.toBe('open');
    expect(seen[`${own.gateway}:${apiPort}`]).toBe('refused');
    expect(seen[`${own.gateway}:${postgresPort}`]).toBe('refused');
    if (host) expect(seen[`${host}:${apiPort}`]).toBe('refused');
    expect(seen['169.254.169.254:80']).toBe('refused');
    expect(seen['registry.npmjs.org:443']).toBe('open');
  });

  it('refuses the same from a build', async () => {
    const builds = await docker.getNetwork('platform-builds').inspect();
    const gateway = builds.IPAM?.Config?.[0]?.Gateway;
    expect(builds.Options?.['com.docker.network.bridge.name']).toBe('plt-builds');
    const targets = [`${victim.ip}:5000`, `${gateway}:${apiPort}`, '169.254.169.254:80', 'registry.npmjs.org:443'];
    await commitFile(attacker.repo, attacker.env, 'targets.txt', `${targets.join('\n')}\n`, 'probe from the build');
    const push = await run('git', ['push', 'platform', 'main'], { cwd: attacker.repo, env: attacker.env });
    expect(push.code, push.stderr).toBe(0);
    const seen = probes(push.stderr);
    expect(seen[`${victim.ip}:5000`]).not.toBe('open');
    expect(seen[`${gateway}:${apiPort}`]).toBe('refused');
    expect(seen['169.254.169.254:80']).toBe('refused');
    expect(seen['registry.npmjs.org:443']).toBe('open');
  });

  it("removes an app's network when the app is destroyed", async () => {
    const { name } = await dynoNetwork('iso-victim', 'web.1');
    const r = await platform(['apps:destroy', '--app', 'iso-victim', '--confirm', 'iso-victim'], { env: attacker.env });
    expect(r.code, r.stderr).toBe(0);
    expect((await docker.listNetworks({ filters: { name: [name] } })).filter((n) => n.Name === name)).toEqual([]);
  });
});
