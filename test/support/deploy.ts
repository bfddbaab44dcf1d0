import path from 'node:path';
import type { ServerHandle } from './platform.ts';
import { createUserEnv, platform, run } from './cli.ts';
import { fixtureRepo } from './apps.ts';

/**
 * The usual first steps of an end-to-end test: a user logged in to `server` (admin token), a clone of `fixture`,
 * `prepare` (e.g. a Procfile change) committed in it, the app created (git remote `platform`) and pushed, so its
 * first release runs. Throws with the CLI's or git's output when a step fails. Resolves `{ env, repo }`.
 */
export async function deployFixture(
  server: ServerHandle,
  fixture: string,
  app: string,
  prepare?: (repo: string, env: Record<string, string>) => Promise<void>,
): Promise<{ env: Record<string, string>; repo: string }> {
  const env = await createUserEnv();
  const repo = await fixtureRepo(fixture, env);
  await prepare?.(repo, env);
  const steps: Array<() => ReturnType<typeof run>> = [
    () => platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env }),
    () => platform(['apps:create', app], { cwd: repo, env }),
    () => run('git', ['push', 'platform', 'main'], { cwd: repo, env }),
  ];
  for (const step of steps) {
    const r = await step();
    if (r.code !== 0) throw new Error(`deploying ${fixture} as ${app} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { env, repo };
}
