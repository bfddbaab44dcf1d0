import type { App, Dyno } from '../api-types.ts';
import { header, styledObject, type Style } from './style.ts';

/** `platform apps`: `=== Apps` then one name per line. */
export function formatApps(apps: readonly App[]): string[] {
  if (apps.length === 0) return ['You have no apps.'];
  return [header('Apps'), ...apps.map((a) => a.name).sort()];
}

/** `web: 2, worker: 1` from the dyno list. */
export function summarizeDynos(dynos: readonly Dyno[]): string {
  const counts = new Map<string, number>();
  for (const d of dynos) counts.set(d.type, (counts.get(d.type) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([t, n]) => `${t}: ${n}`)
    .join(', ');
}

/** What `apps:info` shows beside the app: each list is left out when the server did not answer it. */
export interface AppInfoSections {
  /** Collaborators' e-mails. */
  collaborators?: readonly string[] | undefined;
  /** Add-on names with their plan, e.g. `postgresql-shiny-1234 (postgresql:dev)`. */
  addons?: readonly string[] | undefined;
  /** Custom domains' hostnames (the default `<app>.<domain>` is the Web URL). */
  domains?: readonly string[] | undefined;
}

/** `platform apps:info`, in Heroku's order (alphabetical keys). Lines with nothing to show are left out. */
export function formatAppInfo(app: App, dynos: readonly Dyno[] | undefined, style: Style, sections: AppInfoSections = {}): string[] {
  const { collaborators, addons, domains } = sections;
  const pairs: Array<[string, string]> = [];
  const add = (k: string, v: string | null | undefined) => {
    if (v) pairs.push([k, v]);
  };
  if (addons) add('Addons', [...addons].sort().join(', '));
  if (collaborators) add('Collaborators', [...collaborators].sort().join(', '));
  if (domains) add('Domains', [...domains].sort().join(', '));
  if (dynos) add('Dynos', summarizeDynos(dynos));
  add('Git URL', app.git_url);
  if (app.maintenance) add('Maintenance', 'on');
  add('Owner', app.owner?.email);
  add('Region', app.region?.name);
  add('Stack', app.stack?.name);
  add('Web URL', app.web_url);
  return [header(style.app(app.name)), ...styledObject(pairs)];
}
