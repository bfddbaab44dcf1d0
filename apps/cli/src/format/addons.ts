import type { Addon, AddonAttachment } from '../api-types.ts';
import { header, styledObject, table, type Style } from './style.ts';

/**
 * `platform addons`: one row per add-on of the app (its own, and those of other apps attached to it, "billed to"
 * their app), named with its attachments in this app; below it, ` └─ as NAME on OTHER app` for each attachment
 * in another app (`attachments`: every attachment known of these add-ons, in any app).
 */
export function formatAddons(app: string, addons: readonly Addon[], style: Style, attachments: readonly AddonAttachment[] = []): string[] {
  if (addons.length === 0) return [`No add-ons for app ${style.app(app)}.`];
  const rows: string[][] = [];
  for (const a of addons) {
    const mine = attachments.filter((t) => t.addon.id === a.id && t.app.name === app).map((t) => t.name);
    const here = mine.length > 0 ? mine : a.app.name === app ? a.config_vars.map((v) => v.replace(/_URL$/, '')) : [];
    rows.push([`${a.name} (${here.join(', ') || 'not attached'})`, a.plan.name, a.app.name === app ? 'free' : `(billed to ${a.app.name} app)`, a.state]);
    for (const t of attachments.filter((x) => x.addon.id === a.id && x.app.name !== app)) rows.push([` └─ as ${t.name} on ${t.app.name} app`]);
  }
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
