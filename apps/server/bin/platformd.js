#!/usr/bin/env node
// Entry point of platformd, the platform server. The sources are TypeScript run through tsx (no build
// step); tsx and the repo's tsconfig are resolved from this file's location, so it runs from any directory.
import { register } from 'tsx/esm/api';

register({ tsconfig: new URL('../../../tsconfig.json', import.meta.url).pathname });
await import(new URL('../src/main.ts', import.meta.url).href);
