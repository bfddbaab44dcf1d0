import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appFromGitUrl, resolveApp } from '../src/resolve-app.ts';

const server = 'http://127.0.0.1:5000';

describe('appFromGitUrl', () => {
  it.each([
    ['http://127.0.0.1:5000/my-app.git', server, 'my-app'],
    ['http://user@127.0.0.1:5000/my-app.git', server, 'my-app'],
    ['http://127.0.0.1:5000/my-app.git', 'http://127.0.0.1:5000/', 'my-app'],
    ['https://paas.example.com/git/app-2.git', 'https://paas.example.com/git', 'app-2'],
    ['http://127.0.0.1:5001/my-app.git', server, undefined],
    ['https://127.0.0.1:5000/my-app.git', server, undefined],
    ['http://127.0.0.1:5000/my-app', server, undefined],
    ['http://127.0.0.1:5000/a/my-app.git', server, undefined],
    ['http://127.0.0.1:5000/My_App.git', server, undefined],
    ['git@127.0.0.1:my-app.git', server, undefined],
    ['/srv/repos/my-app.git', server, undefined],
  ])('%s on %s → %s', (url, base, app) => {
    expect(appFromGitUrl(url, base)).toBe(app);
  });
});

describe('resolveApp in a real git repository', () => {
  let dir: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  const env = () => ({ PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' });
  const resolve = (flags: { app?: string; remote?: string } = {}, extraEnv: Record<string, string> = {}) =>
    resolveApp(flags, { env: { ...env(), ...extraEnv }, cwd: dir, server });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'platform-cli-git-'));
    git('init', '-q');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fails with what to do when no remote matches', async () => {
    git('remote', 'add', 'origin', 'https://github.com/x/y.git');
    await expect(resolve()).rejects.toMatchObject({ code: 'PLT_CLI_NO_APP', message: 'No app specified.' });
  });

  it('fails outside a git repository too', async () => {
    await rm(join(dir, '.git'), { recursive: true });
    await expect(resolve()).rejects.toMatchObject({ code: 'PLT_CLI_NO_APP' });
  });

  it('uses the one matching remote, whatever its name', async () => {
    git('remote', 'add', 'origin', 'https://github.com/x/y.git');
    git('remote', 'add', 'prod', `${server}/my-app.git`);
    expect(await resolve()).toBe('my-app');
  });

  it('treats two remotes for the same app as one match', async () => {
    git('remote', 'add', 'platform', `${server}/my-app.git`);
    git('remote', 'add', 'again', `http://me@127.0.0.1:5000/my-app.git`);
    expect(await resolve()).toBe('my-app');
  });

  it('asks for --app or --remote when several apps match, and --remote narrows', async () => {
    git('remote', 'add', 'platform', `${server}/my-app.git`);
    git('remote', 'add', 'staging', `${server}/my-app-staging.git`);
    const err = await resolve().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'PLT_CLI_MULTIPLE_APPS',
      details: { hint: 'Specify the app you want with --app or --remote.' },
    });
    expect((err as Error).message).toContain('my-app (platform)');
    expect((err as Error).message).toContain('my-app-staging (staging)');
    expect(await resolve({ remote: 'staging' })).toBe('my-app-staging');
    git('config', 'platform.remote', 'platform');
    expect(await resolve()).toBe('my-app');
    await expect(resolve({ remote: 'nope' })).rejects.toThrow('No git remote named nope.');
  });

  it('prefers --app, then PLATFORM_APP, over git remotes', async () => {
    git('remote', 'add', 'platform', `${server}/my-app.git`);
    expect(await resolve({ app: 'flag-app' }, { PLATFORM_APP: 'env-app' })).toBe('flag-app');
    expect(await resolve({}, { PLATFORM_APP: 'env-app' })).toBe('env-app');
  });
});
