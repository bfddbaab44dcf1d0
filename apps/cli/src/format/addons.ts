import type { Addon, AddonAttachment } from '../api-types.ts';
import { header, styledObject, table, type Style } from './style.ts';

/** `platform addons`: one row per add-on with the names it is attached as. */
export function formatAddons(app: string, addons: readonly Addon[], style: Style): string[] {
  if (addons.length === 0) return [`No add-ons for app ${style.app(app)}.`];
  const rows = addons.map((a) => [
    `${a.name} (${a.config_vars.map((v) => v.replace(/_URL$/, '')).join(', ') || 'not attached'})`,
    a.plan.name,
    'free',
    a.state,
  ]);
  return table([['Add-on', 'Plan', 'Price', 'State'], ...rows]);
}

/** `platform addons:info`: Heroku's `=== <name>` block. */
export function formatAddonInfo(addon: Addon, attachments: readonly AddonAttachment[]): string[] {
  const attachedAs = attachments.filter((a) => a.addon.id === addon.id).map((a) => `${a.app.name}::${a.name}`);
  return [
    header(addon.name),
    ...styledObject([
      ['Attachments', attachedAs.join(', ')],
      ['Config vars', addon.config_vars.join(', ')],
      ['Installed at', addon.created_at],
      ['Owning app', addon.app.name],
      ['Plan', addon.plan.name],
      ['Price', 'free'],
      ['State', addon.state],
      ...(addon.status ? ([['Status', addon.status]] as const) : []),
    ]),
  ];
}

/** `platform pg:info`: Heroku's `=== DATABASE_URL` block for one database. */
export function formatPgInfo(addon: Addon): string[] {
  const status = addon.status === 'available' ? 'Available' : addon.status === 'missing' ? 'Missing (its database is gone)' : 'Unavailable';
  return [
    header(addon.config_vars.join(', ') || addon.name),
    ...styledObject([
      ['Plan', addon.plan.name],
      ['Status', status],
      ['Created', addon.created_at],
      ['Add-on', addon.name],
    ]),
  ];
}
