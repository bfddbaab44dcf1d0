import { ErrorCodes, PlatformError, isValidConfigKey, type AttachOptions, type DynoSize } from '@platform/types';
import type { OneOff } from '@platform/process-manager';
import type { AppRecord, User } from '@platform/store-postgres';
import type { ServiceDeps } from './deps.ts';
import { findApp } from './apps.ts';
import { DEFAULT_DYNO_SIZE, DYNO_SIZES, dynoSizeNamed } from './dyno-sizes.ts';

/** Heroku's cap on a one-off's `time_to_live`, in seconds (Platform API, Dyno Create). */
export const MAX_TTL_S = 86_400;
const MAX_COMMAND_BYTES = 64 * 1024;
const MAX_ENV_BYTES = 32 * 1024;

/** A checked `POST /apps/{app}/dynos` body. */
export interface RunRequest {
  /** Trimmed, before Procfile substitution. */
  command: string;
  attach: boolean;
  /** Attached with a terminal (attach and not `force_no_tty`). */
  tty: boolean;
  /** Extra vars for this dyno (TERM, COLUMNS, LINES, …), over the release's config. */
  env: Record<string, string>;
  /** The limits of the requested size; undefined = the runtime's default (standard). */
  size: DynoSize | undefined;
  /** The size as requested (`Standard-2X`), or `standard`. */
  sizeName: string;
  ttlMs: number;
}

/**
 * Checks a one-off request as Heroku's Dyno Create takes it: `command` (required, ≤ 64 kB, no NUL), `attach`,
 * `force_no_tty`, `env` (valid names, scalar values, ≤ 32 kB), `size` (one of DYNO_SIZES, any case), `type`
 * (`run` only) and `time_to_live` (1–86 400 s, default 86 400).
 *
 * @throws PLT_INVALID_PARAMS naming the bad field.
 */
export function parseRunRequest(body: unknown): RunRequest {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const bad = (message: string) => new PlatformError(ErrorCodes.invalidParams, message);
  if (typeof b.command !== 'string' || b.command.trim() === '') throw bad('A command is required, e.g. platform run bash.');
  if (b.command.includes('\0') || Buffer.byteLength(b.command) > MAX_COMMAND_BYTES) throw bad('The command is too long or holds a NUL byte.');
  if (b.attach !== undefined && b.attach !== null && typeof b.attach !== 'boolean') throw bad('attach must be true or false.');
  if (b.type !== undefined && b.type !== null && b.type !== 'run') throw bad('type must be run.');
  const env: Record<string, string> = {};
  if (b.env !== undefined && b.env !== null) {
    if (typeof b.env !== 'object' || Array.isArray(b.env)) throw bad('env must be an object of KEY: value.');
    let bytes = 0;
    for (const [k, v] of Object.entries(b.env as Record<string, unknown>)) {
      if (!isValidConfigKey(k)) throw bad(`Invalid env var name ${JSON.stringify(k).slice(0, 80)}: use letters, digits and _.`);
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw bad(`env ${k} must be a string.`);
      const value = String(v);
      if (value.includes('\0')) throw bad(`env ${k} holds a NUL byte.`);
      bytes += Buffer.byteLength(k) + Buffer.byteLength(value);
      env[k] = value;
    }
    if (bytes > MAX_ENV_BYTES) throw bad('env is larger than 32 kB.');
  }
  let size: DynoSize | undefined;
  if (b.size !== undefined && b.size !== null && b.size !== '') {
    size = typeof b.size === 'string' ? dynoSizeNamed(b.size) : undefined;
    if (!size) throw bad(`Unknown dyno size ${JSON.stringify(b.size).slice(0, 40)}. Use one of: ${Object.keys(DYNO_SIZES).join(', ')}.`);
  }
  let ttl = MAX_TTL_S;
  if (b.time_to_live !== undefined && b.time_to_live !== null) {
    ttl = typeof b.time_to_live === 'string' && /^\d+$/.test(b.time_to_live) ? Number(b.time_to_live) : (b.time_to_live as number);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_S) throw bad(`time_to_live must be a whole number of seconds from 1 to ${MAX_TTL_S}.`);
  }
  const attach = b.attach === true;
  const sizeName = size ? (b.size as string) : DEFAULT_DYNO_SIZE;
  return { command: b.command.trim(), attach, tty: attach && b.force_no_tty !== true, env, size, sizeName, ttlMs: ttl * 1000 };
}

/**
 * Heroku's Procfile substitution: a first word naming a process type is replaced by its command and the rest is
 * appended (`run migrate --step 2` with `migrate: node migrate.js` runs `node migrate.js --step 2`; Dev Center
 * "One-off dynos").
 */
export function substituteProcessType(command: string, commands: Readonly<Record<string, string>>): string {
  const m = /^(\S+)(.*)$/s.exec(command)!;
  const first = m[1]!;
  return Object.hasOwn(commands, first) ? `${commands[first]}${m[2]}` : command;
}

const dimension = (raw: string | undefined, fallback: number) => {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 && n < 10_000 ? n : fallback;
};

/**
 * Starts a one-off dyno `run.N` (`platform run`) on the current release: same artifact and config, plus the
 * request's env, the command after Procfile substitution, the requested size, stopped after its time to live.
 * An attached one has a terminal of `COLUMNS`×`LINES` (default 80×24). Returns the running one-off and the size
 * name it reports.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_INVALID_PARAMS (see parseRunRequest); PLT_NO_RELEASE before the first deploy.
 */
export async function startOneOff(
  deps: Pick<ServiceDeps, 'store' | 'manager' | 'deployer' | 'oneOffSizes'>,
  user: User,
  appName: string,
  body: unknown,
): Promise<{ app: AppRecord; oneOff: OneOff; run: RunRequest }> {
  const app = await findApp(deps.store, user, appName, 'deploy');
  const run = parseRunRequest(body);
  const current = await deps.store.releases.currentWithBuild(app.id);
  if (!current) throw new PlatformError(ErrorCodes.noRelease, `${app.name} has no release to run on yet. Deploy it first: git push platform main.`);
  const release = await deps.deployer.releaseTarget(current.release, current.build);
  const attach: AttachOptions | null = run.attach ? { tty: run.tty, cols: dimension(run.env.COLUMNS, 80), rows: dimension(run.env.LINES, 24) } : null;
  const oneOff = await deps.manager.runOneOff({
    app: app.name,
    appId: app.id,
    release,
    command: substituteProcessType(run.command, release.commands),
    env: { ...release.env, ...run.env },
    size: run.size,
    attach,
    ttlMs: run.ttlMs,
    by: user.email,
  });
  deps.oneOffSizes.remember(oneOff, run.sizeName);
  return { app, oneOff, run };
}
