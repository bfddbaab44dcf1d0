import { spawn } from 'node:child_process';

/** A numeric Unix user and group. */
export interface UnixUser {
  uid: number;
  gid: number;
}

/**
 * How a sandboxed command runs. `pidNamespace`: in a PID namespace of its own (with its own /proc), so that
 * every process it starts — a `setsid` daemon included — is killed by the kernel when it ends, and it sees
 * and can signal no process outside. `user`: as this uid/gid with no supplementary groups and
 * `no_new_privs` (a setuid binary cannot raise it again).
 */
export interface SandboxOptions {
  pidNamespace: boolean;
  user?: UnixUser | null | undefined;
}

const UNSHARE = 'unshare';
const SETPRIV = 'setpriv';

/**
 * The argument array that runs `command` in the sandbox (util-linux's `unshare` and `setpriv`; no shell):
 *
 *   sandboxedCommand(['bash', 'build'], { pidNamespace: true, user: { uid: 2000, gid: 2000 } })
 *   → ['unshare', '--pid', '--fork', '--kill-child', '--mount-proc', '--',
 *      'setpriv', '--reuid=2000', '--regid=2000', '--clear-groups', '--no-new-privs', '--', 'bash', 'build']
 *
 * In a PID namespace the command is its PID 1: the kernel ignores signals PID 1 has no handler for, and once
 * PID 1 exits it kills (SIGKILL) and reaps every other process of the namespace before `unshare` returns, so
 * when the spawned process has exited nothing of the sandbox is left. `unshare` itself outlives a SIGTERM
 * (it passes on nothing and waits for PID 1) and a SIGKILL of it kills the whole namespace (`--kill-child`).
 * Exit status: PID 1's (a signal death is re-raised by `unshare`).
 * Spawn the result with `uid`/`gid` unset: it must start as root to create the namespace and switch user.
 */
export function sandboxedCommand(command: readonly [string, ...string[]], options: SandboxOptions): [string, ...string[]] {
  const user = options.user;
  const inner: string[] = user
    ? [SETPRIV, `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--no-new-privs', '--', ...command]
    : [...command];
  if (!options.pidNamespace) return inner as [string, ...string[]];
  return [UNSHARE, '--pid', '--fork', '--kill-child', '--mount-proc', '--', ...inner];
}

/** What this machine allows: the result of one real try. */
export interface SandboxSupport {
  pidNamespace: boolean;
  /** Why not, when `pidNamespace` is false (the command's error output, or the reason). */
  reason?: string | undefined;
}

/**
 * Tries `unshare --pid --fork --kill-child --mount-proc true` once (needs root, or CAP_SYS_ADMIN, and a
 * kernel with PID namespaces). Never throws; resolves within `timeoutMs` (default 5000 ms).
 */
export function detectSandbox(timeoutMs = 5_000): Promise<SandboxSupport> {
  return new Promise((resolve) => {
    if (process.getuid?.() !== 0) {
      resolve({ pidNamespace: false, reason: 'the server does not run as root' });
      return;
    }
    const argv = sandboxedCommand(['true'], { pidNamespace: true });
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ pidNamespace: false, reason: `${UNSHARE}: ${err.message} (apt-get install util-linux)` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? { pidNamespace: true } : { pidNamespace: false, reason: stderr.trim() || `${UNSHARE} exited with ${code}` });
    });
  });
}
