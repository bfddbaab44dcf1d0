import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gitEnv, runGit } from './git-spawn.ts';

/** The plain-JS hook shipped with this package (run by node directly: no tsx, fast start-up). */
export const HOOK_SCRIPT = fileURLToPath(new URL('../hook/pre-receive.mjs', import.meta.url));

function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The repo's hook file: fixed paths only, nothing from the request. */
export function hookFileText(nodePath: string, scriptPath: string): string {
  return `#!/bin/sh\n# Installed by @platform/git-http.\nexec ${shQuote(nodePath)} ${shQuote(scriptPath)}\n`;
}

export interface RepoManager {
  /** Creates the bare repo on first use (idempotent, race-free within this process) and (re)writes its hook. */
  ensure(dir: string): Promise<void>;
  /** Points HEAD at main (else master) when HEAD names a branch that does not exist, so clones check out. */
  fixHead(dir: string): Promise<void>;
}

export function createRepoManager(options: { gitPath: string; nodePath: string }): RepoManager {
  const env = gitEnv(options.gitPath);
  const pending = new Map<string, Promise<void>>();
  const hookText = hookFileText(options.nodePath, HOOK_SCRIPT);

  async function create(dir: string): Promise<void> {
    const exists = await fs.stat(path.join(dir, 'HEAD')).then(() => true, () => false);
    if (!exists) {
      await fs.mkdir(path.dirname(dir), { recursive: true });
      // --template= : no sample hooks; HEAD → main.
      await runGit(['init', '--bare', '--quiet', '--template=', '--initial-branch=main', dir], { env });
      const git = (...args: string[]) => runGit(['--git-dir', dir, ...args], { env });
      await git('config', 'receive.fsckObjects', 'true');
      await git('config', 'receive.denyNonFastForwards', 'false');
      await git('config', 'core.logAllRefUpdates', 'false');
    }
    // Pushes from shallow clones (CI checkouts with depth 1) are taken: the build needs only the pushed tree.
    // Without this, receive-pack refuses the ref update after the pre-receive hook has already deployed.
    const config = await fs.readFile(path.join(dir, 'config'), 'utf8').catch(() => '');
    if (!/shallowUpdate\s*=\s*true/i.test(config)) await runGit(['--git-dir', dir, 'config', 'receive.shallowUpdate', 'true'], { env });
    const hookPath = path.join(dir, 'hooks', 'pre-receive');
    const current = await fs.readFile(hookPath, 'utf8').catch(() => null);
    if (current !== hookText) {
      await fs.mkdir(path.join(dir, 'hooks'), { recursive: true });
      const tmp = `${hookPath}.${process.pid}.tmp`;
      await fs.writeFile(tmp, hookText, { mode: 0o755 });
      await fs.rename(tmp, hookPath);
    }
  }

  return {
    ensure(dir) {
      let p = pending.get(dir);
      if (!p) {
        p = create(dir).finally(() => pending.delete(dir));
        pending.set(dir, p);
      }
      return p;
    },
    async fixHead(dir) {
      const git = (args: string[], allowExit?: number[]) => runGit(['--git-dir', dir, ...args], { env, allowExit });
      const { stdout } = await git(['for-each-ref', '--format=%(refname)', 'refs/heads/main', 'refs/heads/master']);
      const branches = stdout.split('\n').filter(Boolean);
      const head = (await git(['symbolic-ref', '--quiet', 'HEAD'], [1])).stdout.trim();
      if (branches.includes(head) || branches.length === 0) return;
      const target = branches.includes('refs/heads/main') ? 'refs/heads/main' : 'refs/heads/master';
      await git(['symbolic-ref', 'HEAD', target]);
    },
  };
}
