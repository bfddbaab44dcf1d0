export { createLocalBuilder } from './local-builder.ts';
export type { LocalBuilderOptions, BuilderLogger } from './local-builder.ts';
export { resolveProcessTypes, parseReleaseYaml, describeProcessTypes } from './process-types.ts';
export type { ResolvedProcessTypes } from './process-types.ts';
export { storeSlug, packSlug, formatSize, SLUG_MTIME, SlugTooLargeError } from './slug.ts';
export type { StoredSlug } from './slug.ts';
export { createSlugIgnore } from './slugignore.ts';
export { runScript } from './run-script.ts';
export type { RunScriptOptions, RunScriptResult } from './run-script.ts';
