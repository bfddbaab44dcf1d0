import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { gitEnv } from './git-spawn.ts';

/**
 * simple-git bound to one bare repository: `GIT_DIR` names it, and the environment is `gitEnv`'s whole (no
 * server secrets, no global or system config, no prompt). For the plumbing where a library helps — creating
 * the repository, its config, reading refs. The streaming parts (receive-pack, upload-pack, the archive of a
 * pushed commit) keep their own spawns: simple-git collects a command's whole output in memory before it
 * resolves, and an archive can be hundreds of megabytes.
 *
 *   await repoGit('/data/repos/shop.git', DEFAULT_GIT_PATH).addConfig('receive.fsckObjects', 'true');
 */
export function repoGit(repoDir: string, gitPath: string): SimpleGit {
  // The working directory is irrelevant with GIT_DIR set; simple-git only needs one that exists. Its guards
  // against caller-chosen templates and config paths are lifted for two fixed values of ours: `--template=`
  // (no template: no sample hooks) and GIT_CONFIG_GLOBAL=/dev/null (no host config). No request text reaches
  // either.
  return simpleGit({
    baseDir: path.dirname(repoDir),
    binary: 'git',
    trimmed: false,
    unsafe: { allowUnsafeTemplateDir: true, allowUnsafeConfigPaths: true },
  }).env(gitEnv(gitPath, { GIT_DIR: repoDir }));
}

/**
 * The commit a full ref name (`refs/heads/main`) points at, or null when the ref does not exist.
 * `ref` is one of the fixed deploy refs, never user text.
 */
export async function readRef(git: SimpleGit, ref: string): Promise<string | null> {
  const out = await git.raw(['for-each-ref', '--format=%(objectname) %(refname)', ref]);
  for (const line of out.split('\n')) {
    const [sha, name] = line.split(' ');
    if (name === ref && sha) return sha;
  }
  return null;
}
