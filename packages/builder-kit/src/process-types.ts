import { parse as parseYaml } from 'yaml';
import { PlatformError, ErrorCodes, isValidProcessType } from '@platform/types';
import { parseProcfile } from '@platform/procfile';

export interface ResolvedProcessTypes {
  /** Procfile entries over the buildpack's default_process_types. */
  processTypes: Record<string, string>;
  /** Types declared by the Procfile, in file order (null: no Procfile). */
  procfileTypes: string[] | null;
  /** Types from the buildpack's `bin/release` default_process_types. */
  defaultTypes: string[];
}

function buildFailed(message: string, cause?: unknown): PlatformError {
  return new PlatformError(ErrorCodes.buildFailed, message, cause === undefined ? {} : { cause });
}

/** default_process_types from `bin/release` YAML (empty or null YAML → {}). */
export function parseReleaseYaml(releaseYaml: string | null): Record<string, string> {
  if (releaseYaml === null || releaseYaml.trim() === '') return {};
  let doc: unknown;
  try {
    doc = parseYaml(releaseYaml);
  } catch (err) {
    throw buildFailed(`The buildpack's bin/release printed invalid YAML: ${(err as Error).message}`, err);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw buildFailed(`The buildpack's bin/release did not print a YAML map.`);
  const defaults = (doc as Record<string, unknown>).default_process_types;
  if (defaults === null || defaults === undefined) return {};
  if (typeof defaults !== 'object' || Array.isArray(defaults)) {
    throw buildFailed(`The buildpack's default_process_types is not a map.`);
  }
  const out: Record<string, string> = {};
  for (const [type, command] of Object.entries(defaults as Record<string, unknown>)) {
    if (!isValidProcessType(type) || typeof command !== 'string' || command.trim() === '') {
      throw buildFailed(
        `The buildpack's default_process_types has an invalid entry ${JSON.stringify(type)}.`,
      );
    }
    out[type] = command.trim();
  }
  return out;
}

/**
 * Procfile entries override the buildpack's default_process_types (Heroku rule). A bad
 * Procfile throws PLT_PROCFILE_INVALID ("Procfile line N: …"); bad YAML throws PLT_BUILD_FAILED.
 *
 *   resolveProcessTypes('web: node s.js\n', '---\ndefault_process_types:\n  web: npm start\n')
 *   // { processTypes: { web: 'node s.js' }, procfileTypes: ['web'], defaultTypes: ['web'] }
 */
export function resolveProcessTypes(
  procfileText: string | null,
  releaseYaml: string | null,
): ResolvedProcessTypes {
  const defaults = parseReleaseYaml(releaseYaml);
  const procfile = procfileText === null ? null : parseProcfile(procfileText);
  return {
    processTypes: { ...defaults, ...(procfile ?? {}) },
    procfileTypes: procfile === null ? null : Object.keys(procfile),
    defaultTypes: Object.keys(defaults),
  };
}

/** The `Discovering process types` block of the build output. */
export function describeProcessTypes(resolved: ResolvedProcessTypes): string[] {
  const list = (types: string[] | null): string => (types && types.length > 0 ? types.join(', ') : '(none)');
  return [
    '-----> Discovering process types',
    `       Procfile declares types     -> ${list(resolved.procfileTypes)}`,
    `       Default types for buildpack -> ${list(resolved.defaultTypes)}`,
  ];
}
