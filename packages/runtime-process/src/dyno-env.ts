import { dynoEnvironment } from '@platform/runtime-kit';

export interface DynoEnvInput {
  config: Readonly<Record<string, string>>;
  dyno: string;
  /** Set on web dynos only (as on Heroku). */
  port: number | null;
  home: string;
  path: string;
}

/**
 * The whole environment of a dyno: the app's config plus the platform variables, and nothing of
 * the server's own environment. Config may set PATH (as on Heroku); PORT, DYNO and HOME are ours
 * (the one list is runtime-kit's `DRIVER_VARIABLES`; the assembly is runtime-kit's `dynoEnvironment`).
 * Throws PLT_INVALID_PARAMS for a bad key or value.
 */
export function buildDynoEnv(input: DynoEnvInput): Record<string, string> {
  return dynoEnvironment(input.config, { dyno: input.dyno, port: input.port, home: input.home, defaults: { PATH: input.path } });
}
