import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, eventually, fixtureRepo, getViaRouter } from '../support/apps.ts';
import { api } from '../support/api.ts';

interface PsDyno { name: string; type: string; state: string; id: string }

/**
 * Factors VIII and IX: scaling by process type, crash recovery, graceful scale-down, zero-downtime deploys,
 * boot timeouts and the grace period, through the real server and CLI.
 */
export interface DynoProbe {
  /** Kills a dyno behind the platform's back (its pid as the app reports it, or its id for containers). */
  kill(dyno: PsDyno, pid: number): Promise<void>;
  alive(dyno: PsDyno, pid: number): Promise<boolean>;
}

export function describeFormation(runtime: 'process' | 'docker', probe: DynoProbe) {
  describe(`formation and process manager (${runtime} runtime)`, () => {
    let server: ServerHandle;
    let env: Record<string, string>;
    let repo: string;
    const app = `form-${runtime}`;
    const ps = async () => {
      const r = await platform(['ps', '--json'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as PsDyno[];
    };
    const upNames = async () => (await ps()).filter((d) => d.state === 'up').map((d) => d.name).sort();

    beforeAll(async () => {
      server = await startServer({ runtime, env: { PLATFORM_BOOT_TIMEOUT: '5', PLATFORM_GRACE_PERIOD: '3' } });
      env = await createUserEnv();
      repo = await fixtureRepo('formation-app', env);
      expect((await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env })).code).toBe(0);
      expect((await platform(['apps:create', app], { cwd: repo, env })).code).toBe(0);
      const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(push.code, push.stderr).toBe(0);
    });
    afterAll(async () => {
      await server?.destroy();
    });

    it('starts web=1 and worker=0 on the first deploy', async () => {
      expect(await upNames()).toEqual(['web.1']);
      const r = await platform(['ps:scale'], { cwd: repo, env });
      expect(r.stdout).toMatch(/web=1/);
      expect(r.stdout).toMatch(/worker=0/);
    });

    it('scales web to 3 and worker to 2, and routes to every web dyno', async () => {
      const r = await platform(['ps:scale', 'web=3', 'worker=2'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      await eventually(async () => (await upNames()).join() === 'web.1,web.2,web.3,worker.1,worker.2', 20_000, '5 dynos up');
      const seen = new Set<string>();
      await eventually(async () => {
        seen.add((await getViaRouter(server.routerUrl, app)).body.split(' ')[1]!);
        return seen.size === 3;
      }, 10_000, 'requests to reach web.1..3');
      const releases = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`)).json;
      expect(releases).toHaveLength(1); // scaling is not a release
    });

    it('accepts relative changes and refuses bad quantities without partial changes', async () => {
      expect((await platform(['ps:scale', 'worker-1'], { cwd: repo, env })).code).toBe(0);
      await eventually(async () => (await upNames()).join() === 'web.1,web.2,web.3,worker.1', 20_000, 'worker.2 gone');
      for (const [updates, pattern] of [
        [[{ type: 'web', quantity: 2 }, { type: 'nope', quantity: 1 }], /No such process type "nope"/],
        [[{ type: 'web', quantity: -1 }], /Invalid quantity|below 0/],
        [[{ type: 'web', quantity: 1.5 }], /Invalid quantity/],
        [[{ type: 'web', quantity: '-9' }], /below 0/],
        [[{ type: 'web', quantity: 101 }], /above 100/],
      ] as const) {
        const r = await api(server.apiUrl, server.token, 'PATCH', `/apps/${app}/formation`, { updates });
        expect(r.status, JSON.stringify(updates)).toBe(422);
        expect(r.json.message).toMatch(pattern);
      }
      const formation = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/formation`)).json;
      expect(Object.fromEntries(formation.map((f: { type: string; quantity: number }) => [f.type, f.quantity]))).toEqual({ web: 3, worker: 1 });
      const cli = await platform(['ps:scale', 'web=abc'], { cwd: repo, env });
      expect(cli.code).toBe(1);
    });

    it('restarts a dyno killed from outside', async () => {
      const before = await ps();
      const target = before.find((d) => d.name === 'web.2')!;
      let pid = 0;
      await eventually(async () => {
        const [, dyno, p] = (await getViaRouter(server.routerUrl, app)).body.trim().split(' ');
        if (dyno === 'web.2') pid = Number(p);
        return pid > 0;
      }, 10_000, 'a request to web.2');
      await probe.kill(target, pid);
      await eventually(async () => {
        const now = (await ps()).find((d) => d.name === 'web.2');
        return now && now.state === 'up' && now.id !== target.id;
      }, 20_000, 'web.2 to come back');
    });

    it('scales down gracefully: in-flight requests complete', async () => {
      const slow = Array.from({ length: 6 }, () => getViaRouter(server.routerUrl, app, '/slow'));
      await new Promise((r) => setTimeout(r, 300)); // let the requests reach their dynos
      const r = await platform(['ps:scale', 'web=1'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      const results = await Promise.all(slow);
      expect(results.map((x) => x.status)).toEqual([200, 200, 200, 200, 200, 200]);
      await eventually(async () => (await upNames()).join() === 'web.1,worker.1', 20_000, 'scaled down');
    });

    it('deploys without dropping a request under continuous load, switching to the new code', async () => {
      await platform(['ps:scale', 'web=2'], { cwd: repo, env });
      await eventually(async () => (await upNames()).filter((n) => n.startsWith('web')).length === 2, 20_000, 'web=2');
      const source = await readFile(path.join(repo, 'server.js'), 'utf8');
      await commitFile(repo, env, 'server.js', source.replace("'code-a'", "'code-b'"), 'code b');
      let pushing = true;
      const statuses = new Map<number, number>();
      const codes = new Set<string>();
      const load = (async () => {
        while (pushing) {
          const res = await getViaRouter(server.routerUrl, app).catch(() => ({ status: 0, body: '' }));
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          codes.add(res.body.split(' ')[0]!);
        }
      })();
      const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      await eventually(async () => (await getViaRouter(server.routerUrl, app)).body.startsWith('code-b'), 10_000, 'code-b');
      await new Promise((r) => setTimeout(r, 200));
      pushing = false;
      await load;
      expect(push.code, push.stderr).toBe(0);
      expect([...statuses.keys()]).toEqual([200]);
      expect(statuses.get(200)).toBeGreaterThan(20);
      expect(codes).toEqual(new Set(['code-a', 'code-b']));
    });

    it('fails a deploy whose web process never binds $PORT, and keeps the old release serving', async () => {
      await commitFile(repo, env, 'Procfile', 'web: sleep 600\nworker: node worker.js\n', 'never binds');
      const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(push.code).not.toBe(0);
      expect(push.stderr).toMatch(/failed to bind to \$PORT within 5 seconds/);
      const res = await getViaRouter(server.routerUrl, app);
      expect(res.status).toBe(200);
      expect(res.body).toMatch(/^code-b/);
      const releases = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`)).json;
      expect(releases.at(-1)).toMatchObject({ status: 'failed', current: false });
      await run('git', ['reset', '-q', '--hard', 'HEAD~1'], { cwd: repo, env });
    });

    it('fails a deploy whose web binds $PORT and crashes within the health window, dropping no request', async () => {
      await commitFile(repo, env, 'Procfile', 'web: CRASH_AFTER_MS=700 node server.js\nworker: node worker.js\n', 'binds then crashes');
      let pushing = true;
      const statuses = new Map<number, number>();
      const load = (async () => {
        while (pushing) {
          const res = await getViaRouter(server.routerUrl, app).catch(() => ({ status: 0, body: '' }));
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      })();
      const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      pushing = false;
      await load;
      expect(push.code).not.toBe(0);
      expect(push.stderr).toMatch(/web\.\d crashed \(status 1\) within 2 seconds of binding to \$PORT/);
      expect([...statuses.keys()]).toEqual([200]);
      expect((await getViaRouter(server.routerUrl, app)).body).toMatch(/^code-b/);
      const releases = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`)).json;
      expect(releases.at(-1)).toMatchObject({ status: 'failed', current: false });
      expect((await ps()).filter((d) => d.name.startsWith('web') && d.state === 'up')).toHaveLength(2);
      await run('git', ['reset', '-q', '--hard', 'HEAD~1'], { cwd: repo, env });
    });

    it('exits non-zero when a config change makes a release that fails, and the app keeps serving', async () => {
      const failing = await platform(['config:set', 'CRASH_AFTER_MS=700'], { cwd: repo, env });
      expect(failing.code).toBe(1);
      expect(failing.stderr).toMatch(/Release v\d+ of form-\w+ failed; the app still runs its previous release\./);
      expect((await getViaRouter(server.routerUrl, app)).body).toMatch(/^code-b/);
      const fixed = await platform(['config:unset', 'CRASH_AFTER_MS'], { cwd: repo, env });
      expect(fixed.code, fixed.stderr).toBe(0);
      expect(fixed.stdout).toMatch(/done, v\d+/);
    });

    it("holds a deploy to the health check the app declares in app.json (Dokku's format)", async () => {
      const appJson = JSON.stringify({ healthchecks: { web: [{ type: 'startup', path: '/health', attempts: 2, wait: 0.2, timeout: 2 }] } });
      await commitFile(repo, env, 'app.json', appJson, 'health check');
      await commitFile(repo, env, 'Procfile', 'web: HEALTH_STATUS=503 node server.js\nworker: node worker.js\n', 'unhealthy');
      const failed = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toMatch(/web\.\d failed its health check: GET \/health answered 503 \(2 attempts\)/);
      expect((await getViaRouter(server.routerUrl, app)).body).toMatch(/^code-b/);
      // Healthy: the same check passes and the deploy goes through.
      await commitFile(repo, env, 'Procfile', 'web: node server.js\nworker: node worker.js\n', 'healthy');
      const passed = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(passed.code, passed.stderr).toBe(0);
      expect((await getViaRouter(server.routerUrl, app)).status).toBe(200);
    });

    it('kills a dyno that ignores SIGTERM after the grace period', async () => {
      await platform(['config:set', 'IGNORE_SIGTERM=1'], { cwd: repo, env });
      await eventually(async () => (await upNames()).filter((n) => n.startsWith('web')).length === 2, 20_000, 'web=2 on new config');
      const web2 = (await ps()).find((d) => d.name === 'web.2')!;
      let pid = 0;
      await eventually(async () => {
        const [, dyno, p] = (await getViaRouter(server.routerUrl, app)).body.trim().split(' ');
        if (dyno === 'web.2') pid = Number(p);
        return pid > 0;
      }, 10_000, 'a request to web.2');
      const r = await platform(['ps:scale', 'web=1'], { cwd: repo, env });
      expect(r.code).toBe(0);
      // Removed from routing at once…
      for (let i = 0; i < 5; i++) expect((await getViaRouter(server.routerUrl, app)).body).toMatch(/ web\.1 /);
      // …and gone once the grace period has passed.
      await eventually(async () => !(await probe.alive(web2, pid)), 20_000, 'web.2 to be killed');
      // The server's own event times (µs, RFC 5424) say how long it waited: SIGTERM, R12 after the 3 s grace
      // period, SIGKILL, exit. A slow test client cannot change these.
      const events = await eventually(async () => {
        const logs = await platform(['logs', '-n', '1500', '--dyno', 'web.2', '--source', 'platform'], { cwd: repo, env });
        const lines = logs.stdout.split('\n');
        const term = lines.findLastIndex((l) => l.endsWith('Stopping all processes with SIGTERM'));
        const exit = lines.findIndex((l, i) => i > term && / Process exited (on SIGKILL|with status 137)$/.test(l));
        return term >= 0 && exit > term ? lines.slice(term, exit + 1) : null;
      }, 10_000, 'the stop events of web.2');
      const at = (line: string) => Date.parse(line.slice(0, line.indexOf(' ')));
      expect(events.find((l) => l.includes('Error R12 (Exit timeout) -> Process failed to exit within 3 seconds of SIGTERM'))).toBeDefined();
      expect(events.find((l) => l.endsWith('Stopping all processes with SIGKILL'))).toBeDefined();
      expect(at(events.at(-1)!) - at(events[0]!)).toBeGreaterThanOrEqual(2_990);
    });

    it('ps shows dynos grouped by type, Heroku style', async () => {
      const r = await platform(['ps'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/=== web \(.*\): node server\.js \(1\)/);
      expect(r.stdout).toMatch(/web\.1: up /);
      expect(r.stdout).toMatch(/=== worker .*\(1\)/);
    });
  });
}
