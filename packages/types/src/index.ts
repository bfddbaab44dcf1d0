export * from './errors.ts';
export * from './names.ts';
export * from './artifact.ts';
export type * from './runtime.ts';
export type * from './build.ts';
export type * from './router.ts';
export type * from './addon.ts';
