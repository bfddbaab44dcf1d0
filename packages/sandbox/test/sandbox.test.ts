import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { detectSandbox, sandboxedCommand } from '../src/sandbox.ts';

const NOBODY = { uid: 65534, gid: 65534 };

function run(argv: [string, ...string[]]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout }));
  });
}

/** Processes anywhere on the machine whose command line contains `marker`. */
async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) found.push(Number(pid));
  }
  return found;
}

describe('sandboxedCommand', () => {
  it('builds the unshare/setpriv argument array, with nothing for a shell', () => {
    expect(sandboxedCommand(['bash', 'x y'], { pidNamespace: true, user: { uid: 2000, gid: 3000 } })).toEqual([
      '/usr/bin/unshare', '--pid', '--fork', '--kill-child', '--mount-proc', '--',
      '/usr/bin/setpriv', '--reuid=2000', '--regid=3000', '--clear-groups', '--no-new-privs', '--', 'bash', 'x y',
    ]);
    expect(sandboxedCommand(['bash'], { pidNamespace: false, user: null })).toEqual(['bash']);
    expect(sandboxedCommand(['node', 'web.js'], { pidNamespace: true, init: true, user: { uid: 1, gid: 2 } }).slice(6)).toEqual([
      '/usr/bin/setpriv', '--reuid=1', '--regid=2', '--clear-groups', '--no-new-privs', '--', '/usr/bin/tini', '-g', '--', 'node', 'web.js',
    ]);
    expect(sandboxedCommand(['bash'], { pidNamespace: true })).toEqual(['/usr/bin/unshare', '--pid', '--fork', '--kill-child', '--mount-proc', '--', 'bash']);
  });
});

describe.runIf(process.getuid?.() === 0)('the sandbox, for real (as root)', () => {
  it('is supported here', async () => {
    expect(await detectSandbox()).toEqual({ pidNamespace: true });
  });

  it('leaves no process behind when its command ends, not even a setsid daemon', async () => {
    const marker = `sandbox-daemon-${randomBytes(4).toString('hex')}`;
    const script = `setsid bash -c 'exec -a ${marker} sleep 300' </dev/null >/dev/null 2>&1 & sleep 0.2; echo started`;
    const r = await run(sandboxedCommand(['bash', '-c', script], { pidNamespace: true, user: NOBODY }));
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('started');
    expect(await processesWith(marker)).toEqual([]);
  });

  it('runs as the given user with no groups, sees only its own processes and keeps the exit status', async () => {
    const r = await run(sandboxedCommand(['bash', '-c', 'id -u; id -g; id -G; ls /proc | grep -c "^[0-9]"; exit 7'], { pidNamespace: true, user: NOBODY }));
    expect(r.code).toBe(7);
    const [uid, gid, groups, count] = r.stdout.trim().split('\n');
    expect([uid, gid, groups]).toEqual(['65534', '65534', '65534']);
    // bash (PID 1), the subshell of the pipeline, ls and grep at most.
    expect(Number(count)).toBeLessThanOrEqual(4);
  });

  it('with an init, a command without a SIGTERM handler still stops on SIGTERM (status 143)', async () => {
    const argv = sandboxedCommand(['sleep', '300'], { pidNamespace: true, init: true, user: NOBODY });
    const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore', detached: true });
    await new Promise((resolve) => child.once('spawn', resolve));
    // Give tini a moment to start its child, then signal the whole group as the runtimes do.
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(-child.pid!, 'SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(143);
  });

  it('cannot signal a process outside', async () => {
    const r = await run(sandboxedCommand(['bash', '-c', `kill -0 ${process.pid} 2>/dev/null && echo reached || echo refused`], { pidNamespace: true, user: NOBODY }));
    expect(r.stdout.trim()).toBe('refused');
  });
});
