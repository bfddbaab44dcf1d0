import { isPlatformError, type BuildResult, type PlatformError } from '@platform/types';
import { BUILDPACK_NAME_FILE, RELEASE_OUT_NAME } from './runner.ts';
import { describeProcessTypes, resolveProcessTypes } from './process-types.ts';
import { createSlugIgnore, type SlugExclude } from './slugignore.ts';
import { formatSize, SlugTooLargeError, type StoredSlug } from './slug.ts';

/** Largest Procfile / `.slugignore` read from a pushed tree, in bytes. */
export const APP_FILE_MAX_BYTES = 1024 * 1024;

/**
 * Why a file of the pushed tree (`Procfile`, `.slugignore`) cannot be read, or null when it can: a symlink is
 * refused (never followed), so is anything but a regular file, and a file over `maxBytes`.
 *
 *   appFileProblem('Procfile', { kind: 'symlink', size: 9 })  // 'Procfile is a symlink; it must be a regular file.'
 */
export function appFileProblem(
  name: string,
  entry: { kind: 'file' | 'symlink' | 'other'; size: number },
  maxBytes = APP_FILE_MAX_BYTES,
): string | null {
  if (entry.kind === 'symlink') return `${name} is a symlink; it must be a regular file.`;
  if (entry.kind !== 'file') return `${name} must be a regular file.`;
  if (entry.size > maxBytes) return `${name} is larger than ${formatSize(maxBytes)}.`;
  return null;
}

/** A driver's view of a build the runner finished (exit 0): how to read it and pack it. */
export interface FinishedBuild {
  /**
   * A regular file at the top of the built app (`Procfile`, `.slugignore`), or null when absent. Throws
   * PLT_BUILD_FAILED with `appFileProblem`'s message for a symlink, a non-file or a file too large.
   */
  readAppFile(name: string): Promise<string | null>;
  /**
   * A file the runner wrote next to RELEASE_OUT_FILE (`release.yml`, `release.yml.buildpack`); null when absent,
   * unreadable, not a regular file or over `maxBytes` (never follows a symlink the build may have put there).
   */
  readRunnerOutput(name: string, maxBytes: number): Promise<string | null>;
  /** Packs the built app into a content-addressed slug without what `exclude` matches (see `packSlug`). */
  packSlug(exclude: SlugExclude | undefined): Promise<StoredSlug>;
}

/**
 * What every builder does once the buildpacks are done: process types (Procfile over the buildpack's
 * default_process_types), the `Discovering process types` lines, `.slugignore`, the slug, and the
 * `-----> Compressing...` / `Done: 12.3M` lines. Every failure is printed through `reject` and thrown as
 * PLT_BUILD_FAILED (a bad Procfile: `Procfile line N: …`; a slug too large: `Compiled slug is too large …`).
 * Resolves the result without `image` (a driver that builds one adds it).
 */
export async function finishBuild(
  build: FinishedBuild,
  output: (line: string) => void,
  reject: (message: string, cause?: unknown) => PlatformError,
): Promise<BuildResult & { slug: NonNullable<BuildResult['slug']> }> {
  const releaseYaml = await build.readRunnerOutput(RELEASE_OUT_NAME, APP_FILE_MAX_BYTES);
  const buildpack = ((await build.readRunnerOutput(BUILDPACK_NAME_FILE, 4096)) ?? '').trim() || 'unknown';
  let resolved;
  let exclude;
  try {
    resolved = resolveProcessTypes(await build.readAppFile('Procfile'), releaseYaml);
    exclude = createSlugIgnore(await build.readAppFile('.slugignore'));
  } catch (err) {
    throw reject((err as Error).message, err);
  }
  for (const line of describeProcessTypes(resolved)) output(line);
  output('');

  output('-----> Compressing...');
  let slug;
  try {
    slug = await build.packSlug(exclude);
  } catch (err) {
    const known = err instanceof SlugTooLargeError || isPlatformError(err);
    throw reject(known ? (err as Error).message : `Could not write the slug: ${(err as Error).message}`, err);
  }
  output(`       Done: ${formatSize(slug.size)}`);
  return { slug, processTypes: resolved.processTypes, buildpack };
}
