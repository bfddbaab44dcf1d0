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
  /**
   * In a PID namespace, run the command under an init (`tini -g`) instead of as PID 1 itself: the kernel
   * ignores every signal PID 1 has no handler for, so an app without a SIGTERM handler would never stop on
   * SIGTERM. tini forwards signals to the command's process group, reaps orphans and exits with the
   * command's status (128 + n for a death by signal n, as in Docker). Needs `tini` (Debian package tini).
   */
  init?: boolean | undefined;
}

// Absolute paths: these run as root with the sandboxed program's environment, whose PATH may name the app's
// own directories (a slug's bin/unshare must never run as root). Debian: util-linux and tini.
const UNSHARE = '/usr/bin/unshare';
const SETPRIV = '/usr/bin/setpriv';
const TINI = '/usr/bin/tini';

/**
 * The argument array that runs `command` in the sandbox (util-linux's `unshare` and `setpriv`; no shell):
 *
 *   sandboxedCommand(['bash', 'build'], { pidNamespace: true, user: { uid: 2000, gid: 2000 } })
 *   → ['/usr/bin/unshare', '--pid', '--fork', '--kill-child', '--mount-proc', '--',
 *      '/usr/bin/setpriv', '--reuid=2000', '--regid=2000', '--clear-groups', '--no-new-privs', '--', 'bash', 'build']
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
  const program = options.pidNamespace && options.init ? [TINI, '-g', '--', ...command] : [...command];
  const inner: string[] = user
    ? [SETPRIV, `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--no-new-privs', '--', ...program]
    : program;
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
