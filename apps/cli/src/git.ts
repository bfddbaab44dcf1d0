/** Minimal git plumbing for the CLI: argument arrays only, never a shell. */

export interface GitRemote {
  name: string;
  url: string;
}

export interface GitOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
}

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function git(args: string[], options: GitOptions): Promise<GitResult> {
  // Loaded on first use, not at start-up: node:child_process (with node:net) is ~7 ms of a CLI start.
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd: options.cwd, env: options.env as NodeJS.ProcessEnv | undefined },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT')
          return resolve({ code: 127, stdout: '', stderr: 'git not found' });
        if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

export async function isGitRepo(options: GitOptions): Promise<boolean> {
  return (await git(['rev-parse', '--git-dir'], options)).code === 0;
}

/** Fetch URLs of the remotes; [] outside a repository or without git. */
export async function listRemotes(options: GitOptions): Promise<GitRemote[]> {
  const res = await git(['remote', '-v'], options);
  if (res.code !== 0) return [];
  const remotes: GitRemote[] = [];
  for (const line of res.stdout.split('\n')) {
    const m = /^(\S+)\t(.+) \(fetch\)$/.exec(line);
    if (m) remotes.push({ name: m[1]!, url: m[2]! });
  }
  return remotes;
}

export async function getGitConfig(key: string, options: GitOptions): Promise<string | undefined> {
  const res = await git(['config', '--get', '--end-of-options', key], options);
  const value = res.stdout.trim();
  return res.code === 0 && value ? value : undefined;
}

export async function addRemote(name: string, url: string, options: GitOptions): Promise<void> {
  const res = await git(['remote', 'add', '--end-of-options', name, url], options);
  if (res.code !== 0)
    throw new Error(`git remote add ${name} failed (exit ${res.code}): ${res.stderr.trim()}`);
}

export async function removeRemote(name: string, options: GitOptions): Promise<void> {
  const res = await git(['remote', 'remove', '--end-of-options', name], options);
  if (res.code !== 0)
    throw new Error(`git remote remove ${name} failed (exit ${res.code}): ${res.stderr.trim()}`);
}
