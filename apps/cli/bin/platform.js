#!/usr/bin/env node
// Entry point of the `platform` CLI in a checkout: runs the compiled, self-contained bundle that
// scripts/build.mjs writes (the installed package, apps/cli/dist packed, runs dist/platform.cjs directly).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/platform.cjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write(
    'platform: apps/cli/dist/platform.cjs is missing; build it with `node scripts/build.mjs`\n',
  );
  process.exit(1);
}
// require, not import(): importing CommonJS through the ES module loader scans the whole bundle for export names.
createRequire(import.meta.url)(fileURLToPath(bundle));
