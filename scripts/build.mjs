#!/usr/bin/env node
// Compiles the two deployables to plain JavaScript with esbuild, so nothing is transpiled at start-up:
//   apps/server/dist/platformd.js  platformd: our workspace packages inlined, npm dependencies left external
//                                  (native modules, embedded Postgres binaries and their assets stay in node_modules)
//   apps/cli/dist/platform.cjs     the `platform` CLI: self-contained, every dependency inlined, CommonJS (Node starts
//                                  it faster than an ES module); scripts/pack-cli.mjs then makes apps/cli/dist an npm
//                                  package around it and packs apps/cli/dist/platform-cli.tgz (platformd serves it)
//
//   node scripts/build.mjs            build both (skips a target whose inputs are older than its output)
//   node scripts/build.mjs --force    rebuild regardless
//
// Modules keep their own `import.meta.url`: the bundler rewrites it to the URL the source file would have,
// relative to the bundle, so package assets found next to a source file (the git hook, SQL migrations, the
// buildpacks) resolve exactly as they do when the sources run unbundled, wherever the checkout is copied.
// The CLI bundle is CommonJS, where there is no import.meta: its sources must not use it (esbuild warns if they do).
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { CLI_TARBALL, packCli, removeStale } from './pack-cli.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');

const targets = [
  { name: 'server', entry: 'apps/server/src/main.ts', outfile: 'apps/server/dist/platformd.js', inlineNpm: false },
  { name: 'cli', entry: 'apps/cli/src/main.ts', outfile: 'apps/cli/dist/platform.cjs', inlineNpm: true },
];

/** Keeps each module's import.meta.url equal to its source file's URL, expressed relative to the bundle. */
function sourceMetaUrl(outfile) {
  return {
    name: 'source-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        let text = await readFile(args.path, 'utf8');
        if (text.includes('import.meta.url')) {
          const rel = path.relative(path.dirname(path.join(root, outfile)), args.path).split(path.sep).join('/');
          text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
        }
        return { contents: text, loader: 'ts' };
      });
    },
  };
}

/** Leaves every npm dependency to node_modules; only our own `@platform/*` workspace packages are inlined. */
const externalNpm = {
  name: 'external-npm',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@platform/') ? undefined : { path: args.path, external: true }));
  },
};

/** A file's modification time in ms, 0 when it does not exist. */
function mtimeOf(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * commander requires node:child_process as it loads, for executable subcommands, which the CLI has none of: load it
 * on first use instead (~10 ms of every CLI start). A commander that no longer has that line is left as it is.
 */
const commanderLazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(build) {
    build.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!text.includes(eager)) return undefined;
      const lazy = "const childProcess = { get spawn() { return require('node:child_process').spawn; } };";
      return { contents: text.replace(eager, lazy), loader: 'js' };
    });
  },
};

/** The newest modification time (ms) of the sources a bundle is made from. */
function newestSource() {
  // The root package.json holds the version both deployables report.
  let newest = Math.max(statSync(path.join(root, 'package-lock.json')).mtimeMs, statSync(path.join(root, 'package.json')).mtimeMs);
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name === 'test') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  for (const top of ['apps', 'packages']) walk(path.join(root, top));
  for (const script of ['build.mjs', 'pack-cli.mjs']) newest = Math.max(newest, statSync(path.join(root, 'scripts', script)).mtimeMs);
  return newest;
}

const newest = force ? Infinity : newestSource();
for (const target of targets) {
  const outfile = path.join(root, target.outfile);
  const built = mtimeOf(outfile);
  // The CLI is rebuilt (and packed) too when its package is missing.
  const packed = target.name === 'cli' ? mtimeOf(path.join(path.dirname(outfile), CLI_TARBALL)) : Infinity;
  if (Math.min(built, packed) > newest) continue;
  const cli = target.name === 'cli';
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [target.entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: cli ? 'cjs' : 'esm',
    target: 'node20.19',
    sourcemap: target.inlineNpm ? false : 'linked',
    // The CLI package carries its inlined packages' licences in full (THIRD-PARTY-NOTICES.txt).
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    // ws loads these optional native helpers only when they are installed.
    external: ['bufferutil', 'utf-8-validate'],
    plugins: [sourceMetaUrl(target.outfile), ...(target.inlineNpm ? [] : [externalNpm]), ...(cli ? [commanderLazyChildProcess] : [])],
    logLevel: 'warning',
    metafile: cli,
  });
  if (cli) {
    const distDir = path.dirname(outfile);
    await removeStale(distDir, ['platform.js', 'platform.js.LEGAL.txt']); // the ES module bundle of earlier builds
    await packCli({ root, distDir, bin: path.basename(outfile), metafile: result.metafile });
  }
}
