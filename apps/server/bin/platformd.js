#!/usr/bin/env node
// Entry point of platformd, the platform server: runs the compiled bundle (scripts/build.mjs writes it;
// scripts/setup.sh and scripts/start.sh run that build), so nothing is transpiled at start-up.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/platformd.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('platformd: apps/server/dist/platformd.js is missing; build it with `node scripts/build.mjs` (or run `bash scripts/start.sh`)\n');
  process.exit(1);
}
// Stack traces point at the TypeScript sources (the bundle carries a source map).
process.setSourceMapsEnabled(true);
await import(bundle.href);
