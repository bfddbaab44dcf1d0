import { ErrorCodes, PlatformError, isValidProcessType } from '@platform/types';
import type { AppRecord, FormationRecord, Store, User } from '@platform/store-postgres';
import type { ServiceDeps } from './deps.ts';
import { findApp } from './apps.ts';
import { DYNO_SIZES, dynoSizeNamed } from './dyno-sizes.ts';

/** A formation row with its command from the current release's process types. */
export interface FormationEntry {
  formation: FormationRecord;
  command: string;
}

/**
 * One requested change: `quantity` as the API got it (`3`, `"3"`, `"+1"`, `"-2"`; absent: unchanged) and `size`, a
 * dyno size name from DYNO_SIZES in any case (`Standard-2X`; absent: unchanged).
 */
export interface ScaleUpdate {
  type: string;
  quantity: unknown;
  size?: unknown;
}

/**
 * A formation size as stored: the known name in lowercase.
 *
 * @throws PLT_INVALID_PARAMS naming the sizes this platform offers.
 */
export function parseFormationSize(type: string, raw: unknown): string {
  if (typeof raw !== 'string' || !dynoSizeNamed(raw)) {
    throw new PlatformError(ErrorCodes.invalidParams, `Unknown dyno size ${JSON.stringify(raw)} for ${type}. Sizes: ${Object.keys(DYNO_SIZES).join(', ')}.`);
  }
  return raw.toLowerCase();
}

/**
 * The process types of the app's current release (`{"web": "npm start"}`), `{}` before the first deploy: the slug's
 * `process_types` are what a formation may run (Heroku Platform API, Formation).
 */
export async function processTypes(store: Pick<Store, 'releases'>, appId: string): Promise<Record<string, string>> {
  return (await store.releases.currentWithBuild(appId))?.build?.processTypes ?? {};
}

/**
 * Resolves `3`, `"3"`, `"+1"`, `"-2"` against the current quantity: numbers are absolute, strings may be relative
 * (the Heroku CLI sends `ps:scale web+1` as `"+1"`). Returns a dyno count from 0 to `max`.
 *
 * @throws PLT_INVALID_PARAMS for anything else, a result below 0 or above `max` (the per-app limit).
 */
export function resolveQuantity(type: string, raw: unknown, current: number, max: number): number {
  if (typeof raw === 'number' && (!Number.isInteger(raw) || raw < 0)) {
    throw new PlatformError(ErrorCodes.invalidParams, `Invalid quantity for ${type}: ${raw}. Use a whole number from 0.`);
  }
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const m = /^([+-]?)([0-9]{1,6})$/.exec(text);
  if (!m) throw new PlatformError(ErrorCodes.invalidParams, `Invalid quantity for ${type}: ${JSON.stringify(raw)}. Use a whole number, or +N / -N.`);
  const n = Number(m[2]);
  const quantity = m[1] === '+' ? current + n : m[1] === '-' ? current - n : n;
  if (quantity < 0) throw new PlatformError(ErrorCodes.invalidParams, `${type} cannot be scaled below 0 (it runs ${current}).`);
  if (quantity > max) throw new PlatformError(ErrorCodes.invalidParams, `${type} cannot be scaled above ${max} dynos (the per-app limit).`);
  return quantity;
}

const entries = (rows: FormationRecord[], commands: Record<string, string>): FormationEntry[] =>
  rows.filter((f) => commands[f.type] !== undefined).map((f) => ({ formation: f, command: commands[f.type]! }));

/**
 * The app's formation: one entry per process type of the current release (the release phase's type included once
 * it ran, as on Heroku), by type. Empty before the first deploy.
 *
 * @throws PLT_APP_NOT_FOUND
 */
export async function listFormation(deps: Pick<ServiceDeps, 'store'>, user: User, appName: string): Promise<{ app: AppRecord; formation: FormationEntry[] }> {
  const app = await findApp(deps.store, user, appName);
  const commands = await processTypes(deps.store, app.id);
  return { app, formation: entries(await deps.store.formations.list(app.id), commands) };
}

/**
 * One process type's formation entry.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_NOT_FOUND "No <type> process type." when the current release has no such type.
 */
export async function getFormation(deps: Pick<ServiceDeps, 'store'>, user: User, appName: string, type: string): Promise<{ app: AppRecord; entry: FormationEntry }> {
  const { app, formation } = await listFormation(deps, user, appName);
  const entry = formation.find((e) => e.formation.type === type);
  if (!entry) throw new PlatformError(ErrorCodes.notFound, `No ${type} process type.`);
  return { app, entry };
}

/**
 * Scales process types (`ps:scale web=2 worker+1`), all or nothing: each type must be one of the current release's
 * (never `release` or `run`), each quantity resolves as `resolveQuantity`, and the app's total stays within
 * `config.maxDynosPerApp`. Records `Scaled to web@2:standard … by user <email>` (Heroku's log line; scaling is no
 * release) and converges the app. Returns the entries of the updated types.
 *
 * A changed size replaces the type's running dynos (a rolling restart) so they run at it.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_FORBIDDEN (no operate permission); PLT_NO_RELEASE before the first deploy;
 *   PLT_INVALID_PARAMS for an unknown type or size, a bad quantity or a total over the per-app limit.
 */
export async function scaleFormation(
  deps: Pick<ServiceDeps, 'store' | 'manager' | 'deployer' | 'config'>,
  user: User,
  appName: string,
  updates: readonly ScaleUpdate[],
): Promise<{ app: AppRecord; formation: FormationEntry[] }> {
  const app = await findApp(deps.store, user, appName, 'operate');
  const max = deps.config.maxDynosPerApp;
  const commands = await processTypes(deps.store, app.id);
  if (Object.keys(commands).length === 0) throw new PlatformError(ErrorCodes.noRelease, `${app.name} has no release yet: push code first.`);
  const rows = await deps.store.formations.list(app.id);
  const quantities = Object.fromEntries(rows.map((f) => [f.type, f.quantity]));
  const sizesBefore = Object.fromEntries(rows.map((f) => [f.type, f.size]));
  const resolved: Array<{ type: string; quantity: number; size?: string }> = [];
  for (const u of updates) {
    if (!isValidProcessType(u.type) || commands[u.type] === undefined || u.type === 'release' || u.type === 'run') {
      const known = Object.keys(commands).filter((t) => t !== 'release').join(', ');
      throw new PlatformError(ErrorCodes.invalidParams, `No such process type ${JSON.stringify(u.type)} for ${app.name}. Types: ${known}.`);
    }
    const quantity = u.quantity === undefined && u.size !== undefined ? (quantities[u.type] ?? 0) : resolveQuantity(u.type, u.quantity, quantities[u.type] ?? 0, max);
    resolved.push({ type: u.type, quantity, ...(u.size === undefined || u.size === null ? {} : { size: parseFormationSize(u.type, u.size) }) });
  }
  const total = Object.values({ ...quantities, ...Object.fromEntries(resolved.map((r) => [r.type, r.quantity])) }).reduce((a, b) => a + b, 0);
  if (total > max) throw new PlatformError(ErrorCodes.invalidParams, `That would run ${total} dynos; the per-app limit is ${max}.`);
  const after = await deps.store.formations.setQuantities(app.id, resolved);
  const scaled = after.filter((f) => commands[f.type] !== undefined).map((f) => `${f.type}@${f.quantity}:${f.size}`);
  deps.deployer.event(app.id, `Scaled to ${scaled.join(' ')} by user ${user.email}`);
  await deps.manager.reconcile(app.id);
  // Running dynos keep their size: those of a resized type are replaced, one by one, at the new one.
  for (const r of resolved) if (r.size !== undefined && r.size !== (sizesBefore[r.type] ?? 'standard')) await deps.manager.restart(app.id, { type: r.type });
  return { app, formation: entries(after.filter((f) => resolved.some((r) => r.type === f.type)), commands) };
}
