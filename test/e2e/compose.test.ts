import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../support/platform.ts';
import { createUserEnv, platform, run, type RunResult } from '../support/cli.ts';
import { eventually, fixtureRepo, getViaRouter } from '../support/apps.ts';
import { api } from '../support/api.ts';
import { requireDocker, STACK_IMAGE } from '../support/docker.ts';

/**
 * docker-compose.yml runs the platform itself: the file is valid, its images are built from the local stack
 * image (scripts/prepare-docker-host.sh, run by scripts/test.sh), and `up` gives a server that takes a
 * `git push`, builds in a sibling container and routes to the dyno on the `platform` network.
 */
const docker = requireDocker();
const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');
const project = `plt-e2e-${randomBytes(4).toString('hex')}`;
const password = randomBytes(16).toString('hex');
const adminToken = randomBytes(24).toString('hex');
/** A port free on 127.0.0.1 now, for the API: the URLs the server hands out (log sessions) name it. */
const apiPort = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as AddressInfo;
    probe.close(() => resolve(port));
  });
});
const composeEnv = {
  PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  HOME: process.env.HOME ?? '/root',
  PLATFORM_DB_PASSWORD: password,
  PLATFORM_ADMIN_TOKEN: adminToken,
  PLATFORM_API_PUBLISH: `127.0.0.1:${apiPort}`,
  PLATFORM_PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
  PLATFORM_ROUTER_PUBLISH: '127.0.0.1:0',
  PLATFORM_ROUTER_TLS_PUBLISH: '127.0.0.1:0',
};

/** Docker's Compose plugin when present, else Debian's docker-compose. */
let composeCommand: string[] = [];
const compose = (args: string[], env: Record<string, string> = composeEnv): Promise<RunResult> =>
  run(composeCommand[0]!, [...composeCommand.slice(1), '-f', COMPOSE_FILE, '-p', project, ...args], { env, cwd: REPO_ROOT });

const serviceImage = async (service: string) => {
  const text = await readFile(COMPOSE_FILE, 'utf8');
  const match = new RegExp(`\\n  ${service}:\\n    image: (\\S+)`).exec(text);
  expect(match, `docker-compose.yml names an image for ${service}`).not.toBeNull();
  return match![1]!;
};

beforeAll(async () => {
  const plugin = await run('docker', ['compose', 'version']).catch(() => null);
  composeCommand = plugin?.code === 0 ? ['docker', 'compose'] : ['docker-compose'];
  const version = await run(composeCommand[0]!, [...composeCommand.slice(1), 'version']).catch((err: unknown) => {
    throw new Error(`docker-compose is missing (${String(err)}): run \`bash scripts/prepare-docker-host.sh\``);
  });
  expect(version.code, version.stderr).toBe(0);
});

describe('docker-compose.yml', () => {
  it('is a valid compose file, and refuses to start without a database password', async () => {
    const ok = await compose(['config', '-q']);
    expect(ok.code, ok.stderr).toBe(0);
    const { PLATFORM_DB_PASSWORD: _omit, ...withoutPassword } = composeEnv;
    const refused = await compose(['config', '-q'], withoutPassword);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('set PLATFORM_DB_PASSWORD in .env');
  });

  it('runs images built from the local stack image, with no secret inside them', async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const serverImage = await serviceImage('server');
    expect(serverImage).toBe(`platform/server:${pkg.version}`);
    // The router service is the same image, run as the data path.
    expect(await serviceImage('router')).toBe(serverImage);
    const stackLayers = (await docker.getImage(STACK_IMAGE).inspect()).RootFS.Layers ?? [];
    expect(stackLayers.length).toBeGreaterThan(0);
    for (const image of [serverImage, await serviceImage('postgres')]) {
      const info = await docker.getImage(image).inspect().catch(() => {
        throw new Error(`${image} is missing: run \`bash scripts/prepare-docker-host.sh\``);
      });
      // Built on the stack image: its layers come first, then the image's own.
      expect(info.RootFS.Layers!.slice(0, stackLayers.length)).toEqual(stackLayers);
      expect(info.RootFS.Layers!.length).toBeGreaterThan(stackLayers.length);
      expect((info.Config.Env ?? []).join('\n')).not.toMatch(/DATABASE_URL|PASSWORD|SECRET|TOKEN/);
    }
  });

  describe('up', () => {
    let apiUrl = '';
    let routerUrl = '';
    beforeAll(async () => {
      const up = await compose(['up', '-d']);
      expect(up.code, up.stderr).toBe(0);
      const port = async (service: string, p: number) => {
        const r = await compose(['port', service, String(p)]);
        expect(r.code, r.stderr).toBe(0);
        return `http://${r.stdout.trim()}`;
      };
      apiUrl = await port('server', 5000);
      routerUrl = await port('router', 80);
    });
    afterAll(async () => {
      // Dynos outlive the server by design: destroy the app first and let the server stop its dynos, then take
      // the project down with its volumes. Whatever of the app is still there after that (the server died, the
      // destroy failed) is removed here, so a failed run leaves nothing behind.
      const ofApp = { filters: { label: ['platform.app=compose-e2e'] } };
      if (apiUrl) {
        await api(apiUrl, adminToken, 'DELETE', '/apps/compose-e2e').catch(() => undefined);
        await eventually(async () => (await docker.listContainers({ all: true, ...ofApp })).length === 0, 60_000, 'the app\'s dynos to stop').catch(() => undefined);
      }
      const down = await compose(['down', '-v', '--remove-orphans']);
      if (down.code !== 0) process.stderr.write(`compose down failed: ${down.stderr}\n`);
      for (const c of await docker.listContainers({ all: true, ...ofApp })) await docker.getContainer(c.Id).remove({ force: true });
      for (const i of await docker.listImages(ofApp)) await docker.getImage(i.Id).remove({ force: true }).catch(() => undefined);
      for (const v of (await docker.listVolumes(ofApp)).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
    });

    it('serves the API with the configured admin token and deploys an app by git push', async () => {
      const account = await eventually(async () => {
        const res = await fetch(`${apiUrl}/account`, {
          headers: { authorization: `Bearer ${adminToken}`, accept: 'application/vnd.heroku+json; version=3' },
          signal: AbortSignal.timeout(5_000),
        }).catch(() => null);
        return res?.ok ? ((await res.json()) as { email: string }) : null;
      }, 90_000, 'the server in compose to answer');
      expect(account.email).toBe('admin@platform.local');
      const env = await createUserEnv();
      const tokenFile = path.join(env.HOME!, 'token');
      await writeFile(tokenFile, adminToken, { mode: 0o600 });
      expect((await platform(['login', '--server', apiUrl, '--token-file', tokenFile], { env })).code).toBe(0);
      const repo = await fixtureRepo('web-app', env);
      const created = await platform(['apps:create', 'compose-e2e'], { cwd: repo, env });
      expect(created.code, created.stderr).toBe(0);
      const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(push.code, push.stderr).toBe(0);
      expect(push.stderr).toMatch(/remote:\s+Released v1/);
      const res = await getViaRouter(routerUrl, 'compose-e2e');
      expect(res.status).toBe(200);
      expect(res.body).toContain('hello from web-app');
      // The platform's state is in the compose Postgres, not an embedded one.
      const logs = await compose(['logs', '--no-color', 'server']);
      expect(logs.stdout).not.toContain('started embedded PostgreSQL');
    });

    it('keeps serving while the server restarts or is killed, and the next server adopts the router service', async () => {
      // Requests one after another, as a user's traffic, for as long as the server is down and coming back.
      const failures: string[] = [];
      let served = 0;
      let stop = false;
      const traffic = (async () => {
        while (!stop) {
          const res = await getViaRouter(routerUrl, 'compose-e2e').catch((err: unknown) => ({ status: 0, body: String(err) }));
          if (res.status === 200) served++;
          else failures.push(`${res.status} ${res.body.slice(0, 120)}`);
        }
      })();
      const serverAnswers = () =>
        eventually(async () => {
          const res = await fetch(`${apiUrl}/apps/compose-e2e`, {
            headers: { authorization: `Bearer ${adminToken}`, accept: 'application/vnd.heroku+json; version=3' },
            signal: AbortSignal.timeout(5_000),
          }).catch(() => null);
          return res?.ok ? true : null;
        }, 120_000, 'the server to answer again');
      try {
        const restarted = await compose(['restart', 'server']);
        expect(restarted.code, restarted.stderr).toBe(0);
        await serverAnswers();
        const killed = await compose(['kill', '-s', 'SIGKILL', 'server']);
        expect(killed.code, killed.stderr).toBe(0);
        const started = await compose(['start', 'server']);
        expect(started.code, started.stderr).toBe(0);
        await serverAnswers();
      } finally {
        stop = true;
        await traffic;
      }
      expect(failures).toEqual([]);
      expect(served).toBeGreaterThan(10);
      const logs = await compose(['logs', '--no-color', 'server']);
      expect(logs.stdout).toMatch(/adopted the running HAProxy/);

      // The adopted proxy is driven: a config change rolls the dyno, and the new one is served.
      const env = await createUserEnv();
      const tokenFile = path.join(env.HOME!, 'token');
      await writeFile(tokenFile, adminToken, { mode: 0o600 });
      expect((await platform(['login', '--server', apiUrl, '--token-file', tokenFile], { env })).code).toBe(0);
      const set = await platform(['config:set', 'GREETING=after-restart', '-a', 'compose-e2e'], { env });
      expect(set.code, set.stderr).toBe(0);
      await eventually(async () => ((await getViaRouter(routerUrl, 'compose-e2e')).body.includes('after-restart') ? true : null), 120_000, 'the new release to be served');
      // The router's access log reaches the app's log stream through the shared volume's socket.
      expect((await getViaRouter(routerUrl, 'compose-e2e', '/logged-after-restart')).status).toBe(200);
      await eventually(async () => {
        const appLogs = await platform(['logs', '-n', '300', '-a', 'compose-e2e'], { env });
        return appLogs.stdout.includes('platform[router]: at=info method=GET path="/logged-after-restart"') ? true : null;
      }, 30_000, 'the router line in the app\'s log');
    });
  });
});
