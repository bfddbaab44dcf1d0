import { appPath, type Context } from '../../context.ts';
import type { ApiClient } from '../../http.ts';
import { cliError, CliErrorCodes } from '../../errors.ts';

/** One buildpack installation as the API returns it (Heroku's shape). */
export interface BuildpackInstallationJson {
  buildpack: { name: string; url: string };
  ordinal: number;
}

/** The app's chosen buildpacks, in order. */
export async function readBuildpacks(api: ApiClient, app: string): Promise<string[]> {
  const list = await api.get<BuildpackInstallationJson[]>(appPath(app, '/buildpack-installations'));
  return [...list].sort((a, b) => a.ordinal - b.ordinal).map((i) => i.buildpack.name);
}

/** Replaces the app's chosen buildpacks; returns the list as stored. */
export async function writeBuildpacks(api: ApiClient, app: string, names: readonly string[]): Promise<string[]> {
  const list = await api.request<BuildpackInstallationJson[]>('PUT', appPath(app, '/buildpack-installations'), {
    body: { updates: names.map((buildpack) => ({ buildpack })) },
  });
  return list.map((i) => i.buildpack.name);
}

/** `=== <app> Buildpacks` and the numbered list, or what happens without one. */
export function printBuildpacks(ctx: Context, app: string, names: readonly string[]): void {
  if (names.length === 0) {
    ctx.out(`${ctx.style.app(app)} has no buildpack set: each build uses the first installed buildpack that detects the app.`);
    return;
  }
  if (names.length === 1) return ctx.out(`=== ${ctx.style.app(app)} Buildpack`, names[0]!);
  ctx.out(`=== ${ctx.style.app(app)} Buildpacks`, ...names.map((n, i) => `${i + 1}. ${n}`));
}

/** A 1-based `--index` as a 0-based position from 0 to `length` (one past the end appends). */
export function parseIndex(raw: string, length: number): number {
  const n = /^[0-9]{1,3}$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= length + 1)) {
    throw cliError(CliErrorCodes.badArgs, `Invalid --index ${JSON.stringify(raw)}.`, `Use a position from 1 to ${length + 1}.`);
  }
  return n - 1;
}
