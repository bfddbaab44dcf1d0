import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, eventually, fixtureRepo } from '../support/apps.ts';

/** What is left of an app on the runtime: a list of descriptions (processes, containers, images, volumes). */
export type Leftovers = (server: ServerHandle, app: string) => Promise<string[]>;

/**
 * Issues 12 and 20: destroying an app leaves nothing of it (dynos, images, cache, slug), even while it crash-loops (the process manager
 * keeps restarting it) and across a server restart. Runs the destroy in a loop against a fresh crash-looping
 * app each time.
 */
export function describeDestroyLoop(runtime: 'process' | 'docker', leftovers: Leftovers) {
  describe(`apps:destroy of a crash-looping app leaves nothing behind (${runtime} runtime)`, () => {
    const app = `doomed-${runtime}`;
    let server: ServerHandle;
    let env: Record<string, string>;
    let repo: string;

    beforeAll(async () => {
      // A 1 s health window: the web dyno passes it, then crashes 1.5 s after binding, again and again.
      server = await startServer({ runtime, env: { PLATFORM_HEALTH_WINDOW: '1', PLATFORM_GRACE_PERIOD: '2' } });
      env = await createUserEnv();
      repo = await fixtureRepo('formation-app', env);
      await commitFile(repo, env, 'Procfile', 'web: CRASH_AFTER_MS=1500 node server.js\n', 'crash loop');
      expect((await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env })).code).toBe(0);
    });
    afterAll(async () => {
      await server?.destroy();
    });

    for (let round = 1; round <= 3; round++) {
      it(`round ${round}: create, deploy, crash-loop, destroy`, async () => {
        expect((await platform(['apps:create', app], { cwd: repo, env })).code).toBe(0);
        const push = await run('git', ['push', '-f', 'platform', 'main'], { cwd: repo, env });
        expect(push.code, push.stderr).toBe(0);
        // Crash-looping: the manager has restarted the web dyno at least once.
        await eventually(async () => {
          const logs = await platform(['logs', '-n', '1500', '--source', 'platform'], { cwd: repo, env });
          return (logs.stdout.match(/Process exited with status 1/g) ?? []).length >= 2;
        }, 60_000, 'the app to crash twice');
        const destroyed = await platform(['apps:destroy', '--confirm', app], { cwd: repo, env });
        expect(destroyed.code, destroyed.stderr).toBe(0);
        expect(await leftovers(server, app)).toEqual([]);
        // Its slug too (the only app on this server: the slug store is empty again).
        expect((await readdir(path.join(server.dataDir, 'slugs'))).filter((f) => f.endsWith('.tgz'))).toEqual([]);
        // Still nothing once any crash restart that was pending would have fired.
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        expect(await leftovers(server, app)).toEqual([]);
      });
    }

    it('and a restarted server brings none of it back', async () => {
      await server.stop();
      server = await startServer({ runtime, dataDir: server.dataDir, env: { PLATFORM_HEALTH_WINDOW: '1' } });
      expect(await leftovers(server, app)).toEqual([]);
    });
  });
}
