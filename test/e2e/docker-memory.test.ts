import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { platform } from '../support/cli.ts';
import { commitFile, eventually } from '../support/apps.ts';
import { deployFixture } from '../support/deploy.ts';
import { requireDocker } from '../support/docker.ts';

requireDocker();

/** Issue 20: a dyno killed for its memory is named as Heroku names it (R15), with the size's limit. */
describe('a docker dyno that exceeds its memory', () => {
  let server: ServerHandle;
  let env: Record<string, string>;
  let repo: string;

  beforeAll(async () => {
    server = await startServer({ runtime: 'docker', env: { PLATFORM_MEMORY_SAMPLE_INTERVAL: '1' } });
    // The worker grows by 64 MB every 50 ms, past the standard size's 512 MB; the slow one by 32 MB a second.
    const procfile = [
      'web: node server.js',
      'worker: node -e "const a = []; setInterval(() => a.push(Buffer.alloc(64 * 1024 * 1024, 1)), 50)"',
      'slow: node -e "const a = []; setInterval(() => a.push(Buffer.alloc(32 * 1024 * 1024, 1)), 1000)"',
    ];
    ({ env, repo } = await deployFixture(server, 'web-app', 'hungry', (dir, userEnv) => commitFile(dir, userEnv, 'Procfile', `${procfile.join('\n')}\n`, 'hungry workers')));
  });
  afterAll(async () => {
    await platform(['apps:destroy', '--confirm', 'hungry'], { cwd: repo, env }).catch(() => undefined);
    await server?.destroy();
  });

  it('logs Error R15 with the limit, then the SIGKILL exit', async () => {
    expect((await platform(['ps:scale', 'worker=1'], { cwd: repo, env })).code).toBe(0);
    const lines = await eventually(async () => {
      const logs = await platform(['logs', '-n', '1500', '--dyno', 'worker.1', '--source', 'platform'], { cwd: repo, env });
      const all = logs.stdout.split('\n');
      const r15 = all.findIndex((l) => l.includes('Error R15 (Memory quota vastly exceeded) -> the process used more than its 512 MB and was killed'));
      return r15 >= 0 && /Process exited (on SIGKILL|with status 137)$/.test(all[r15 + 1] ?? '') ? all : null;
    }, 60_000, 'the OOM kill to be logged');
    expect(lines.length).toBeGreaterThan(1);
    expect((await platform(['ps:scale', 'worker=0'], { cwd: repo, env })).code).toBe(0);
  });

  it("shows usage approaching the quota (Heroku's runtime-metrics line) before the R15 kill", async () => {
    expect((await platform(['ps:scale', 'slow=1'], { cwd: repo, env })).code).toBe(0);
    const lines = await eventually(async () => {
      const logs = await platform(['logs', '-n', '1500', '--dyno', 'slow.1', '--source', 'platform'], { cwd: repo, env });
      const all = logs.stdout.split('\n');
      return all.some((l) => l.includes('Error R15')) ? all : null;
    }, 90_000, 'the slow worker to be killed');
    const sample = lines.findIndex((l) => /source=slow\.1 sample#memory_total=\d+\.\d\dMB sample#memory_quota=512\.00MB$/.test(l));
    const r15 = lines.findIndex((l) => l.includes('Error R15'));
    expect(sample, lines.join('\n')).toBeGreaterThanOrEqual(0);
    expect(sample).toBeLessThan(r15);
    const used = Number(/memory_total=(\d+\.\d\d)MB/.exec(lines[sample]!)![1]);
    expect(used).toBeGreaterThanOrEqual(0.8 * 512);
    expect((await platform(['ps:scale', 'slow=0'], { cwd: repo, env })).code).toBe(0);
  });
});
