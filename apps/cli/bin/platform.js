#!/usr/bin/env node
// Entry point of the `platform` CLI. The sources are TypeScript run through tsx (no build
// step); tsx and the repo's tsconfig are resolved from this file's location, so the CLI
// works from any working directory (including other projects with their own tsconfig).
import { register } from 'tsx/esm/api';

register({ tsconfig: new URL('../../../tsconfig.json', import.meta.url).pathname });
await import(new URL('../src/main.ts', import.meta.url).href);
