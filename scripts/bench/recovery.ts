import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { startServer, type ServerHandle } from '../../test/support/platform.ts';
import { createUserEnv, platform, run } from '../../test/support/cli.ts';
import { fixtureRepo } from '../../test/support/apps.ts';
import { api } from '../../test/support/api.ts';
import type { Report } from './report.ts';
import { until } from './wait.ts';

export interface RecoveryOptions {
  /** Apps deployed before the kill, each scaled to `web` web dynos. */
  apps: number;
  web: number;
  reps: number;
  log: (line: string) => void;
}

/** One GET through the router as `<app>.localhost`, fresh connection, 2 s limit; the status or 0. */
function routerStatus(server: ServerHandle, app: string): Promise<number> {
  const url = new URL(server.routerUrl);
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path: '/', headers: { host: `${app}.localhost:${url.port}` }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(2_000, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/**
 * The time from a `kill -9` of platformd to every app's formation converged again: `apps` apps with `web` web
 * dynos each are deployed, platformd is SIGKILLed (its dynos, builds and embedded Postgres orphaned), started
 * again on the same data dir, and timed until it is ready, then until every app answers 200 through the router
 * with all its web dynos up. Issue 12's figure; one row per stage.
 */
export async function benchRecovery(runtime: 'process' | 'docker', report: Report, options: RecoveryOptions): Promise<void> {
  let server = await startServer({ runtime, env: { PLATFORM_LOG_LEVEL: 'info' } });
  const env = await createUserEnv();
  const repo = await fixtureRepo('bench-app', env);
  const apps = Array.from({ length: options.apps }, (_, i) => `recover-${runtime}-${i + 1}`);
  try {
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    if (login.code !== 0) throw new Error(`platform login failed: ${login.stderr}`);
    for (const app of apps) {
      if ((await api(server.apiUrl, server.token, 'POST', '/apps', { name: app })).status !== 201) throw new Error(`creating ${app} failed`);
      const pushed = await run('git', ['push', `${server.apiUrl}/${app}.git`, 'main'], { cwd: repo, env });
      if (pushed.code !== 0) throw new Error(`pushing ${app} failed: ${pushed.stderr}`);
      const scaled = await platform(['ps:scale', `web=${options.web}`, '-a', app], { cwd: repo, env });
      if (scaled.code !== 0) throw new Error(`scaling ${app} failed: ${scaled.stderr}`);
    }
    const converged = async () => {
      for (const app of apps) {
        if ((await routerStatus(server, app)) !== 200) return false;
        const dynos = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/dynos`)).json as Array<{ type: string; state: string }>;
        if (dynos.filter((d) => d.type === 'web' && d.state === 'up').length !== options.web) return false;
      }
      return true;
    };
    await until(converged, { timeoutMs: 120_000, what: 'the apps to run before the first kill' });

    const ready: number[] = [];
    const total: number[] = [];
    for (let rep = 1; rep <= options.reps; rep++) {
      options.log(`recovery (${runtime}): kill -9, rep ${rep}/${options.reps}`);
      server.child.kill('SIGKILL');
      await server.stop();
      const killedAt = performance.now();
      server = await startServer({ runtime, dataDir: server.dataDir, env: { PLATFORM_LOG_LEVEL: 'info' } });
      ready.push(performance.now() - killedAt);
      total.push((await until(converged, { timeoutMs: 180_000, what: 'every formation to converge after the restart' })) - killedAt);
    }
    const note = `${options.apps} apps × web=${options.web}, ${runtime} runtime`;
    report.add({ bench: 'kill -9 → platformd ready again', runtime, unit: 'ms', values: ready, note });
    report.add({ bench: 'kill -9 → all formations converged', runtime, unit: 'ms', values: total, note });
  } finally {
    await server.destroy().catch(() => undefined);
    await rm(repo, { recursive: true, force: true });
    await rm(env.HOME!, { recursive: true, force: true });
  }
}
