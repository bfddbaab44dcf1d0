import type { Release } from '../api-types.ts';
import { header, styledObject, table, type Style } from './style.ts';
import { formatAgo, type TimeOptions } from './time.ts';

/**
 * Heroku's status-helper: the suffix shown after a release's description, or undefined. A failed release says why
 * when the server tells (`failure`, platformd only): `release command failed` only when it was the release command,
 * `deploy failed: web.1 exited during boot (status 3)` when a dyno did not boot, `deploy interrupted: …` when the
 * server stopped mid-deploy. Without `failure` (Heroku, older servers) it is Heroku's `release command failed`.
 */
export function releaseStatusLabel(status: string | null | undefined, style: Style, failure?: Release['failure']): string | undefined {
  switch (status) {
    case 'pending':
      return style.yellow('release command executing');
    case 'failed':
      if (failure?.kind === 'boot' || failure?.kind === 'other') return style.red(`deploy failed: ${failure.message}`);
      if (failure?.kind === 'interrupted') return style.red(`deploy interrupted: ${failure.message}`);
      return style.red('release command failed');
    case 'expired':
      return style.gray('release expired');
    default:
      return undefined;
  }
}

export function describeRelease(release: Release, style: Style): string {
  const label = releaseStatusLabel(release.status, style, release.failure);
  const description = release.description ?? '';
  return label ? `${description} ${label}`.trim() : description;
}

/**
 * `platform releases`:
 *   === ⬢ my-app Releases - Current: v3
 *   v3  Deploy 8c930156  u@x.com  2020/02/28 13:53:58 +0000 (~ 1m ago)
 */
export function formatReleases(
  app: string,
  releases: readonly Release[],
  style: Style,
  time: TimeOptions,
): string[] {
  if (releases.length === 0) return [`No releases on ${style.app(app)}`];
  const current = releases.find((r) => r.current);
  const title = `${style.app(app)} Releases${current ? ` - ${style.cyan(`Current: v${current.version}`)}` : ''}`;
  const rows = releases.map((r) => [
    style.green(`v${r.version}`),
    describeRelease(r, style),
    style.magenta(r.user?.email ?? ''),
    r.created_at ? formatAgo(new Date(r.created_at), time.now, time.offsetMinutes) : '',
  ]);
  return [header(title), ...table(rows)];
}

/**
 * `platform releases:info`:
 *   === Release v24
 *   By:                     jim@example.com
 *   Change:                 Deploy 575bfa8
 *   Eligible for Rollback?: Yes
 *   When:                   2024-01-01T12:00:00Z
 *
 *   === v24 Config vars
 *   RACK_ENV: production
 */
export function formatReleaseInfo(release: Release, configLines: readonly string[], style: Style): string[] {
  const pairs: Array<[string, string]> = [];
  const addons = release.addon_plan_names ?? [];
  if (addons.length > 0) pairs.push(['Add-ons', addons.join(', ')]);
  pairs.push(['Build', release.slug?.id ?? '(none)']);
  pairs.push(['By', release.user?.email ?? '']);
  pairs.push(['Change', describeRelease(release, style)]);
  pairs.push(['Eligible for Rollback?', release.eligible_for_rollback ? 'Yes' : 'No']);
  pairs.push(['When', release.created_at ?? '']);
  return [
    header(`Release ${style.green(`v${release.version}`)}`),
    ...styledObject(pairs),
    '',
    header(`v${release.version} Config vars`),
    ...configLines,
  ];
}
