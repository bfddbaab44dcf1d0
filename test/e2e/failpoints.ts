import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, eventually, fixtureRepo, getViaRouter, git } from '../support/apps.ts';
import { api } from '../support/api.ts';

/** What a build left on the runtime after the restart: stray processes, workspaces, build containers. */
export type BuildLeftovers = (server: ServerHandle) => Promise<string[]>;

/**
 * Issue 12: every crash point recovers. platformd is made to die (SIGKILL) at each named step of a deploy
 * (PLATFORM_FAILPOINT); the next start fails what was under way ("platform restarted"), removes workspaces
 * and stray build processes, keeps release versions unique and gap-free, runs exactly one release's
 * formation, and a re-push deploys.
 */
export function describeFailpoints(runtime: 'process' | 'docker', buildLeftovers: BuildLeftovers) {
  describe(`a platformd killed at any step of a deploy recovers on its next start (${runtime} runtime)`, () => {
    const app = `failpoint-${runtime}`;
    let server: ServerHandle;
    let env: Record<string, string>;
    let repo: string;
    let dataDir: string;
    let code = 0;
    const body = async () => (await getViaRouter(server.routerUrl, app)).body;
    /** Each start gets new ports: point the CLI and the git remote at the running server. */
    const restart = async (extra: Record<string, string> = {}) => {
      server = await startServer({ runtime, dataDir, env: { PLATFORM_HEALTH_WINDOW: '0', ...extra } });
      expect(
        (
          await run('git', ['remote', 'set-url', 'platform', `${server.apiUrl}/${app}.git`], {
            cwd: repo,
            env,
          })
        ).code,
      ).toBe(0);
      return { ...env, PLATFORM_SERVER: server.apiUrl };
    };

    beforeAll(async () => {
      server = await startServer({ runtime, env: { PLATFORM_HEALTH_WINDOW: '0' } });
      dataDir = server.dataDir;
      env = await createUserEnv();
      // A Procfile-only app: the subject is platformd's recovery, not the Node.js buildpack (see during-compile).
      repo = await fixtureRepo('web-app', env);
      // A release command whose output marks the release phase, and a body that says which commit runs.
      await commitFile(
        repo,
        env,
        'Procfile',
        'web: node server.js\nrelease: echo release phase running; sleep 1\n',
        'release phase',
      );
      expect(
        (
          await platform(
            ['login', '--server', server.apiUrl, '--token-file', path.join(dataDir, 'admin-token')],
            { env },
          )
        ).code,
      ).toBe(0);
      expect((await platform(['apps:create', app], { cwd: repo, env })).code).toBe(0);
      const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(push.code, push.stderr).toBe(0);
    });
    afterAll(async () => {
      await server?.destroy();
    });

    for (const step of [
      'after-receive',
      'during-compile',
      'after-slug',
      'after-image',
      'after-release-row',
      'during-release-phase',
      'mid-rollout',
    ]) {
      it(`dies at ${step}, then recovers`, async () => {
        const before = await body();
        // Restart with the failpoint armed, and push a change.
        await server.stop();
        let cli = await restart({ PLATFORM_FAILPOINT: step });
        const release = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`))
          .json as unknown[];
        const versionsBefore = release.length;
        // The build under way when platformd dies during the compile must last, so that the next start finds its
        // processes still running and ends them: for that push only, the app is a Node.js app (package.json → the
        // Node.js buildpack, which fetches and unpacks Node.js). The Procfile buildpack would be done at once.
        const longBuild = step === 'during-compile';
        if (longBuild) await writeFile(path.join(repo, 'package.json'), '{ "name": "web-app", "private": true }\n');
        await commitFile(
          repo,
          env,
          'server.js',
          (await readFile(path.join(repo, 'server.js'), 'utf8')).replace(
            /'hello'|'hello-\d+'/,
            `'hello-${++code}'`,
          ),
          `change ${code}`,
        );
        const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env: cli });
        expect(push.code).not.toBe(0);
        expect(
          await eventually(
            async () => (server.child.exitCode !== null || server.child.signalCode !== null ? true : null),
            60_000,
            'platformd to die',
          ),
        ).toBe(true);
        expect(server.output.join('\n')).toContain(`failpoint ${step} reached`);
        await server.stop();

        // The next start recovers.
        cli = await restart();
        const builds = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/builds`)).json as Array<{
          status: string;
        }>;
        expect(builds.filter((b) => b.status === 'pending')).toEqual([]);
        const releases = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`))
          .json as Array<{ version: number; status: string; current: boolean }>;
        expect(releases.filter((r) => r.status === 'pending')).toEqual([]);
        expect(releases.map((r) => r.version)).toEqual(releases.map((_, i) => i + 1)); // unique and gap-free
        expect(releases.filter((r) => r.current)).toHaveLength(1);
        if (releases.length > versionsBefore) expect(releases.at(-1)!.status).toBe('failed');
        expect(await buildLeftovers(server)).toEqual([]);
        // The previous release serves again, on one formation of one release.
        const served = await eventually(
          async () => {
            const r = await getViaRouter(server.routerUrl, app);
            return r.status === 200 ? r.body : null;
          },
          30_000,
          'the app to serve after the restart',
        );
        expect(served.split(' (')[0]).toBe(before.split(' (')[0]);
        const dynos = (await api(server.apiUrl, server.token, 'GET', `/apps/${app}/dynos`)).json as Array<{
          release: { version: number };
        }>;
        expect(new Set(dynos.map((d) => d.release.version)).size).toBe(1);
        const logs = await platform(['logs', '-n', '1500', '--source', 'platform'], { cwd: repo, env: cli });
        // What was under way ends failed, in the app's log: the build before it finished, the release after.
        const expected = ['after-receive', 'during-compile', 'after-slug'].includes(step)
          ? 'build'
          : step === 'after-image'
            ? null
            : 'release';
        if (expected === 'build') expect(logs.stdout).toMatch(/Build failed: platform restarted/);
        if (expected === 'release') expect(logs.stdout).toMatch(/Release v\d+ failed: platform restarted/);
        if (expected === null) expect(logs.stdout).not.toMatch(/failed: platform restarted/); // the build had finished

        // A re-push deploys (the Procfile-only app again).
        if (longBuild) {
          await git(repo, env, ['rm', '-q', 'package.json']);
          await git(repo, env, ['commit', '-q', '-m', `change ${code}: Procfile only`]);
        }
        const again = await run('git', ['push', 'platform', 'main'], { cwd: repo, env: cli });
        expect(again.code, again.stderr).toBe(0);
        expect(await body()).toMatch(new RegExp(`^hello-${code} from web-app`));
      });
    }
  });
}
