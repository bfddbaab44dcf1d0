#!/usr/bin/env node
// Compiles the two deployables to plain JavaScript with esbuild, so nothing is transpiled at start-up:
//   apps/server/dist/platformd.js  platformd: our workspace packages inlined, npm dependencies left external
//                                  (native modules, embedded Postgres binaries and their assets stay in node_modules)
//   apps/cli/dist/platform.js      the `platform` CLI: self-contained, every dependency inlined (installable alone)
//
//   node scripts/build.mjs            build both (skips a target whose inputs are older than its output)
//   node scripts/build.mjs --force    rebuild regardless
//
// Modules keep their own `import.meta.url`: the bundler rewrites it to the URL the source file would have,
// relative to the bundle, so package assets found next to a source file (the git hook, SQL migrations, the
// buildpacks) resolve exactly as they do when the sources run unbundled, wherever the checkout is copied.
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');

/** Node's `require` for the CommonJS dependencies inlined into an ES module bundle (ws, commander). */
const requireShim = "import { createRequire as __platformCreateRequire } from 'node:module';\nconst require = __platformCreateRequire(import.meta.url);";

const targets = [
  { name: 'server', entry: 'apps/server/src/main.ts', outfile: 'apps/server/dist/platformd.js', inlineNpm: false },
  { name: 'cli', entry: 'apps/cli/src/main.ts', outfile: 'apps/cli/dist/platform.js', inlineNpm: true },
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

/** The newest modification time (ms) of the sources a bundle is made from. */
function newestSource() {
  let newest = statSync(path.join(root, 'package-lock.json')).mtimeMs;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name === 'test') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  for (const top of ['apps', 'packages']) walk(path.join(root, top));
  newest = Math.max(newest, statSync(fileURLToPath(import.meta.url)).mtimeMs);
  return newest;
}

const newest = force ? Infinity : newestSource();
for (const target of targets) {
  const outfile = path.join(root, target.outfile);
  let built = 0;
  try {
    built = statSync(outfile).mtimeMs;
  } catch {
    // not built yet
  }
  if (built > newest) continue;
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [target.entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    sourcemap: target.inlineNpm ? false : 'linked',
    legalComments: target.inlineNpm ? 'linked' : 'none',
    banner: { js: `#!/usr/bin/env node\n${target.inlineNpm ? requireShim : ''}` },
    // ws loads these optional native helpers only when they are installed.
    external: ['bufferutil', 'utf-8-validate'],
    plugins: [sourceMetaUrl(target.outfile), ...(target.inlineNpm ? [] : [externalNpm])],
    logLevel: 'warning',
  });
}
