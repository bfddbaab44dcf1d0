import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { commitFile, eventually, fixtureRepo, getViaRouter } from '../support/apps.ts';

/** Host pids whose command line contains `marker`. */
async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(marker)) found.push(Number(pid));
  }
  return found;
}

/**
 * Issue 12, apps apart on the process runtime (as root, the quick start's setup): each app's dynos run as a
 * uid of their own, in a PID namespace of their own, so a one-off of one app cannot see or read another
 * app's processes or config, and whatever a dyno daemonises ends with it.
 */
describe.runIf(process.getuid?.() === 0)('apps are isolated from each other (process runtime, as root)', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repoA: string;
  let repoB: string;
  const SECRET = `secret-${randomBytes(8).toString('hex')}`;
  const MARKER = `daemon-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    server = await startServer({ runtime: 'process' });
    env = await createUserEnv();
    const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
    expect(login.code, login.stderr).toBe(0);
    repoA = await fixtureRepo('web-app', env);
    repoB = await fixtureRepo('web-app', env);
    // App A's web process daemonises a child into a session of its own before it starts serving.
    await commitFile(repoA, env, 'Procfile', `web: setsid bash -c 'exec -a ${MARKER} sleep 1000' </dev/null >/dev/null 2>&1 & exec node server.js\n`, 'daemon');
    for (const [repo, app] of [[repoA, 'iso-a'], [repoB, 'iso-b']] as const) {
      expect((await platform(['apps:create', app], { cwd: repo, env })).code).toBe(0);
    }
    expect((await platform(['config:set', `SECRET=${SECRET}`], { cwd: repoA, env })).code).toBe(0);
    for (const repo of [repoA, repoB]) {
      const push = await run('git', ['push', 'platform', 'main'], { cwd: repo, env });
      expect(push.code, push.stderr).toBe(0);
    }
    expect((await getViaRouter(server.routerUrl, 'iso-a')).status).toBe(200);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it("runs each app's dynos as a uid of its own, never root", async () => {
    const uidOf = async (repo: string) => {
      const r = await platform(['run', 'id', '-u'], { cwd: repo, env });
      expect(r.code, r.stderr).toBe(0);
      return Number(r.stdout.trim());
    };
    const [a, b] = [await uidOf(repoA), await uidOf(repoB)];
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    expect(a).not.toBe(b);
  });

  it("gives a one-off of app B no sight of app A's processes or config", async () => {
    const probe = 'ls /proc | grep -c "^[0-9]"; cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n" | grep -c SECRET= || true; ls "$HOME/../.." 2>&1 | head -3';
    const r = await platform(['run', 'bash', '-c', probe], { cwd: repoB, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(SECRET);
    const [count, secrets] = r.stdout.trim().split('\n');
    expect(Number(count)).toBeLessThan(10); // its own few processes only
    expect(secrets).toBe('0');
    expect(r.stdout).toMatch(/Permission denied/); // the dynos directory cannot be listed
  });

  it('ends what a dyno daemonised when the dyno stops', async () => {
    const daemons = await eventually(async () => {
      const found = await processesWith(MARKER);
      return found.length > 0 ? found : null;
    }, 10_000, 'the daemon to run');
    // It runs as app A's user, in app A's namespace: its working directory is app A's dyno directory.
    expect(await readlink(`/proc/${daemons[0]}/cwd`)).toMatch(/\/dynos\/[0-9a-f-]+\/app$/);
    const scaled = await platform(['ps:scale', 'web=0'], { cwd: repoA, env });
    expect(scaled.code, scaled.stderr).toBe(0);
    await eventually(async () => (await processesWith(MARKER)).length === 0, 40_000, 'the daemon to end with its dyno');
  });
});
