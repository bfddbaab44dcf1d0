import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRef, repoGit } from './repo-git.ts';

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
  const pending = new Map<string, Promise<void>>();
  const hookText = hookFileText(options.nodePath, HOOK_SCRIPT);

  async function create(dir: string): Promise<void> {
    const exists = await fs.stat(path.join(dir, 'HEAD')).then(() => true, () => false);
    const git = repoGit(dir, options.gitPath);
    if (!exists) {
      await fs.mkdir(path.dirname(dir), { recursive: true });
      // --template= : no sample hooks; HEAD → main. (GIT_DIR names the repository to create.)
      await git.init(true, ['--quiet', '--template=', '--initial-branch=main']);
      await git.addConfig('receive.fsckObjects', 'true');
      await git.addConfig('receive.denyNonFastForwards', 'false');
      await git.addConfig('core.logAllRefUpdates', 'false');
    }
    // Pushes from shallow clones (CI checkouts with depth 1) are taken: the build needs only the pushed tree.
    // Without this, receive-pack refuses the ref update after the pre-receive hook has already deployed.
    const shallow = await git.getConfig('receive.shallowUpdate', 'local');
    if (shallow.value !== 'true') await git.addConfig('receive.shallowUpdate', 'true');
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
      const git = repoGit(dir, options.gitPath);
      const branches = ['refs/heads/main', 'refs/heads/master'];
      const present = (await Promise.all(branches.map(async (b) => ((await readRef(git, b)) ? b : null)))).filter((b) => b !== null);
      // A bare repository's HEAD is always symbolic (it names a branch, born or not).
      const head = (await git.raw(['symbolic-ref', 'HEAD'])).trim();
      if (present.includes(head) || present.length === 0) return;
      await git.raw(['symbolic-ref', 'HEAD', present.includes('refs/heads/main') ? 'refs/heads/main' : 'refs/heads/master']);
    },
  };
}
