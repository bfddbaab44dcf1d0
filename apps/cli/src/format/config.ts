import type { ConfigVars } from '../api-types.ts';
import { header, styledObject, type Style } from './style.ts';

/** `KEY: value` lines, sorted, keys padded so the values line up. */
export function formatConfigVars(vars: Readonly<ConfigVars>): string[] {
  return styledObject(
    Object.keys(vars)
      .sort()
      .map((k) => [k, vars[k]!] as const),
  );
}

/** `platform config`: `=== ⬢ my-app Config Vars` then the padded listing. */
export function formatConfig(app: string, vars: Readonly<ConfigVars>, style: Style): string[] {
  return [header(`${style.app(app)} Config Vars`), ...formatConfigVars(vars)];
}

/** `A, B, C` — as in `Setting A, B, C and restarting …` (Heroku joins with commas). */
export function listKeys(keys: readonly string[]): string {
  return keys.join(', ');
}
