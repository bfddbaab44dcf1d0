import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './platform.ts';
import { run } from './cli.ts';

/** Copies a fixture app into a fresh git repo with one commit on main. */
export function fixtureRepo(fixture: string, env: Record<string, string>): Promise<string> {
  return repoFrom(path.join(REPO_ROOT, 'test', 'fixtures', fixture), env);
}

/** Copies an app directory (dotfiles and a checked-in node_modules included) into a fresh git repo with one commit on main. */
export async function repoFrom(source: string, env: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `platform-${path.basename(source)}-`));
  await cp(source, dir, { recursive: true });
  await git(dir, env, ['init', '-q', '-b', 'main']);
  await git(dir, env, ['add', '-A']);
  await git(dir, env, ['commit', '-q', '-m', 'initial']);
  return dir;
}

export async function git(cwd: string, env: Record<string, string>, args: string[]) {
  const r = await run('git', args, { cwd, env });
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Commits a change to one file. */
export async function commitFile(cwd: string, env: Record<string, string>, file: string, content: string, message: string) {
  await writeFile(path.join(cwd, file), content);
  await git(cwd, env, ['add', '-A']);
  await git(cwd, env, ['commit', '-q', '-m', message]);
}

export interface HttpResult {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** GET through the router with the app's Host header (`<app>.localhost`). */
export function getViaRouter(routerUrl: string, app: string, urlPath = '/', headers: Record<string, string> = {}): Promise<HttpResult> {
  const url = new URL(urlPath, routerUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'GET', headers: { host: `${app}.localhost:${url.port}`, ...headers }, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('router request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Polls until fn returns a truthy value or the deadline passes (a condition, not a sleep). */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
