export { extractTar, symlinkProblem } from './extract.ts';
export type { ExtractOptions, ExtractResult } from './extract.ts';
export { packDirectory } from './pack.ts';
export type { PackOptions } from './pack.ts';
export { safeJoin, isInside } from './safe-join.ts';
export { readTarEntry } from './read-entry.ts';
