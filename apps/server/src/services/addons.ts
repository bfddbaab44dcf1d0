import { randomInt } from 'node:crypto';
import { ErrorCodes, PlatformError, type AddonProvider, type AddonStatus } from '@platform/types';
import type { AddonAttachmentRecord, AddonRecord, AppRecord, User } from '@platform/store-postgres';
import type { ServiceDeps } from './deps.ts';
import { findApp, type AppNeed } from './apps.ts';
import { applyConfigChanges } from './config.ts';
import { findService, nextAttachmentName, normalizeAttachmentName, resolvePlan, type AddonService } from './addon-catalog.ts';
import { removeAddonBackups } from './addon-backups.ts';

type AddonDeps = Pick<ServiceDeps, 'store' | 'deployer' | 'logger' | 'addonProviders' | 'pgBackups'>;

/** An add-on's config change goes live without the release command (Heroku's release phase rule). */
const ADDON_RELEASE = { skipReleasePhase: true };

/** An add-on with what the API shows of it: its app and the config vars its attachments set. */
export interface AddonView {
  addon: AddonRecord;
  app: AppRecord;
  service: AddonService;
  configVars: string[];
}

/** An attachment with its add-on and both apps. */
export interface AttachmentView {
  attachment: AddonAttachmentRecord;
  addon: AddonRecord;
  addonApp: AppRecord;
  app: AppRecord;
}

const ADJECTIVES = ['angular', 'clear', 'curved', 'deep', 'fluffy', 'graceful', 'opaque', 'round', 'silky', 'solid', 'spherical', 'tapered'];

function randomAddonName(service: string): string {
  return `${service}-${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${randomInt(10000, 100000)}`;
}

/**
 * The provider that runs `service` here (a new add-on), or that ran an existing add-on (`name`).
 * @throws PLT_ADDON_SERVICE_NOT_FOUND (422) when none does.
 */
export function providerFor(deps: Pick<ServiceDeps, 'addonProviders'>, service: string, name?: string): AddonProvider {
  const provider = deps.addonProviders.find((p) => p.service === service && (name === undefined || p.name === name));
  if (!provider) {
    throw new PlatformError(
      ErrorCodes.addonServiceNotFound,
      name === undefined
        ? `${service} add-ons are not available on this platform: no provider for this runtime.`
        : `This ${service} add-on was made by the ${name} provider, which this platform does not run now.`,
    );
  }
  return provider;
}

async function view(deps: Pick<ServiceDeps, 'store'>, addon: AddonRecord, app?: AppRecord): Promise<AddonView> {
  const owner = app ?? (await deps.store.apps.find(addon.appId));
  const service = findService(addon.service);
  if (!owner || !service) throw new PlatformError(ErrorCodes.addonNotFound, "Couldn't find that add-on.");
  const configVars = (await deps.store.addons.attachmentsOf(addon.id)).map((a) => `${a.name}_URL`);
  return { addon, app: owner, service, configVars };
}

/**
 * The add-ons of an app (GET /apps/{app}/addons): those it owns, then those other apps own that are attached to
 * it (Heroku lists both; `app` in each says which app owns it). @throws PLT_APP_NOT_FOUND
 */
export async function listAddons(deps: Pick<ServiceDeps, 'store'>, user: User, appName: string): Promise<AddonView[]> {
  const app = await findApp(deps.store, user, appName);
  const owned = await deps.store.addons.list(app.id);
  const foreign: AddonRecord[] = [];
  for (const attachment of await deps.store.addons.attachments(app.id)) {
    if (owned.some((a) => a.id === attachment.addonId) || foreign.some((a) => a.id === attachment.addonId)) continue;
    const addon = await deps.store.addons.find(attachment.addonId);
    if (addon) foreign.push(addon);
  }
  return Promise.all([...owned.map((a) => view(deps, a, app)), ...foreign.map((a) => view(deps, a))]);
}

/**
 * An add-on by id or name, when `user` may act on its app; with `appName`, it must belong to that app.
 *
 * @throws PLT_ADDON_NOT_FOUND (also for an add-on of an app the user cannot see); PLT_APP_NOT_FOUND
 */
export async function getAddon(deps: Pick<ServiceDeps, 'store'>, user: User, nameOrId: string, appName?: string, need: AppNeed = 'view'): Promise<AddonView> {
  const app = appName === undefined ? null : await findApp(deps.store, user, appName, need);
  const addon = await deps.store.addons.find(nameOrId);
  const notFound = new PlatformError(ErrorCodes.addonNotFound, `Couldn't find that add-on: ${nameOrId}.`);
  if (!addon || (app && addon.appId !== app.id)) throw notFound;
  // A stranger gets "not found"; a collaborator lacking `need` gets the 403.
  const owner = app ?? (await findApp(deps.store, user, addon.appId, need).catch((err: unknown) => {
    if ((err as { code?: string }).code === ErrorCodes.forbidden) throw err;
    return null;
  }));
  if (!owner) throw notFound;
  return view(deps, addon, owner);
}

/**
 * An add-on with its provider's view of it (`available`, `unavailable`: the server does not answer, `missing`:
 * its database is gone), for `addons:info` and `pg:info`.
 *
 * @throws PLT_ADDON_NOT_FOUND; PLT_APP_NOT_FOUND
 */
export async function getAddonStatus(
  deps: Pick<ServiceDeps, 'store' | 'addonProviders'>,
  user: User,
  nameOrId: string,
  appName?: string,
): Promise<AddonView & { status: AddonStatus }> {
  const found = await getAddon(deps, user, nameOrId, appName, 'manage');
  const provider = deps.addonProviders.find((p) => p.service === found.addon.service && p.name === found.addon.provider);
  const status = provider ? await provider.status({ addonId: found.addon.id, plan: found.addon.plan, appId: found.addon.appId }) : 'unavailable';
  return { ...found, status };
}

/**
 * Creates an add-on for an app (Heroku's `addons:create`, POST /apps/{app}/addons): checks everything first
 * (service and plan, attachment name free, its `<NAME>_URL` not set by hand), then provisions it with its
 * service's provider and attaches it, which is a config change: a new release and a rolling restart with
 * `<NAME>_URL` (`DATABASE_URL` for an app's first database, `HEROKU_POSTGRESQL_<COLOUR>_URL` for the next).
 * A failed provisioning leaves nothing behind.
 *
 * @throws PLT_APP_NOT_FOUND; PLT_ADDON_SERVICE_NOT_FOUND (unknown service or plan, none here); PLT_INVALID_PARAMS
 *   (a bad or taken attachment name); PLT_ADDON_PROVISION_FAILED
 */
export async function createAddon(
  deps: AddonDeps,
  user: User,
  appName: string,
  body: { plan?: unknown; attachment?: unknown },
): Promise<AddonView> {
  const app = await findApp(deps.store, user, appName, 'manage');
  const { service, plan } = resolvePlan(body.plan);
  const provider = providerFor(deps, service.name);
  const taken = new Set((await deps.store.addons.attachments(app.id)).map((a) => a.name));
  const requested = (body.attachment as { name?: unknown } | undefined)?.name;
  const attachmentName = requested === undefined || requested === null ? nextAttachmentName(service, taken) : normalizeAttachmentName(requested);
  const configVar = `${attachmentName}_URL`;
  if (taken.has(attachmentName)) {
    throw new PlatformError(ErrorCodes.invalidParams, `This app already has an add-on attached as ${attachmentName}; choose another name with --as NAME.`);
  }
  if (Object.hasOwn(await deps.store.config.get(app.id), configVar)) {
    throw new PlatformError(ErrorCodes.invalidParams, `${configVar} is already set on this app; unset it first or choose another name with --as NAME.`);
  }

  let addon: AddonRecord | null = null;
  for (let i = 0; i < 10 && !addon; i++) {
    addon = await deps.store.addons.create({ name: randomAddonName(service.name), appId: app.id, service: service.name, plan: plan.name, provider: provider.name });
  }
  if (!addon) throw new PlatformError(ErrorCodes.conflict, 'Could not find a free add-on name; try again.');
  const request = { addonId: addon.id, plan: plan.name, appId: app.id };
  let attachment: AddonAttachmentRecord | null = null;
  try {
    const credentials = await provider.provision(request);
    await deps.store.addons.setCredentials(addon.id, credentials);
    attachment = await deps.store.addons.attach({ addonId: addon.id, appId: app.id, name: attachmentName });
    if (!attachment) throw new PlatformError(ErrorCodes.invalidParams, `This app already has an add-on attached as ${attachmentName}.`);
    await applyConfigChanges(deps, user, app, { [configVar]: credentials.url }, `Attach ${attachmentName} (@ref:${addon.name})`, ADDON_RELEASE);
  } catch (err) {
    await provider.deprovision(request).catch((e: unknown) => deps.logger.warn({ err: e, addon: addon.name }, 'undoing a failed add-on left its resources'));
    await deps.store.addons.remove(addon.id);
    if ((err as { code?: string }).code?.startsWith('PLT_')) throw err;
    throw new PlatformError(ErrorCodes.addonProvisionFailed, `Could not provision ${service.name}: ${(err as Error).message}`, { cause: err });
  }
  deps.logger.info({ app: app.name, addon: addon.name, attachment: attachmentName, user: user.email }, 'add-on created');
  return view(deps, (await deps.store.addons.find(addon.id)) ?? addon, app);
}

/**
 * Destroys an add-on (Heroku's `addons:destroy`): each attachment's var is removed as a config change (a release
 * and a restart per app), then the provider removes its resources (the database and role: data gone), then the
 * rows go.
 *
 * @throws PLT_ADDON_NOT_FOUND; PLT_APP_NOT_FOUND
 */
export async function destroyAddon(deps: AddonDeps, user: User, nameOrId: string, appName?: string): Promise<AddonView> {
  const found = await getAddon(deps, user, nameOrId, appName, 'manage');
  const { addon } = found;
  const provider = providerFor(deps, addon.service, addon.provider);
  await deps.store.addons.setState(addon.id, 'deprovisioning');
  for (const attachment of await deps.store.addons.attachmentsOf(addon.id)) {
    const app = await deps.store.apps.find(attachment.appId);
    await deps.store.addons.detach(attachment.id);
    if (app) await applyConfigChanges(deps, user, app, { [`${attachment.name}_URL`]: null }, `Detach ${attachment.name} (@ref:${addon.name})`, ADDON_RELEASE);
  }
  await provider.deprovision({ addonId: addon.id, plan: addon.plan, appId: addon.appId });
  await removeAddonBackups(deps, addon.id);
  await deps.store.addons.remove(addon.id);
  deps.logger.info({ app: found.app.name, addon: addon.name, user: user.email }, 'add-on destroyed');
  return { ...found, addon: { ...addon, state: 'deprovisioning' } };
}

/**
 * New credentials for an add-on (`pg:credentials:rotate`): the provider sets a new random password and ends the
 * old one's sessions; every attachment's var gets the new URL as a config release, so the apps restart with it.
 *
 * @throws PLT_ADDON_NOT_FOUND; PLT_APP_NOT_FOUND
 */
export async function rotateAddonCredentials(deps: AddonDeps, user: User, nameOrId: string, appName?: string): Promise<AddonView> {
  const found = await getAddon(deps, user, nameOrId, appName, 'manage');
  const { addon } = found;
  const credentials = await providerFor(deps, addon.service, addon.provider).rotateCredentials({ addonId: addon.id, plan: addon.plan, appId: addon.appId });
  await deps.store.addons.setCredentials(addon.id, credentials);
  for (const attachment of await deps.store.addons.attachmentsOf(addon.id)) {
    const app = await deps.store.apps.find(attachment.appId);
    if (app) await applyConfigChanges(deps, user, app, { [`${attachment.name}_URL`]: credentials.url }, `Rotate ${attachment.name} credentials (@ref:${addon.name})`, ADDON_RELEASE);
  }
  deps.logger.info({ app: found.app.name, addon: addon.name, user: user.email }, 'add-on credentials rotated');
  return view(deps, (await deps.store.addons.find(addon.id)) ?? addon, found.app);
}

/**
 * Removes every add-on an app owns, for `destroyApp`: no config change (the app is going), the resources first.
 * An add-on whose provider fails stays (and so does the app: the store refuses to drop an app with add-ons).
 */
export async function destroyAppAddons(deps: Pick<ServiceDeps, 'store' | 'addonProviders' | 'logger' | 'pgBackups'>, app: AppRecord): Promise<void> {
  for (const addon of await deps.store.addons.list(app.id)) {
    await deps.store.addons.setState(addon.id, 'deprovisioning');
    await providerFor(deps, addon.service, addon.provider).deprovision({ addonId: addon.id, plan: addon.plan, appId: addon.appId });
    await removeAddonBackups(deps, addon.id);
    await deps.store.addons.remove(addon.id);
    deps.logger.info({ app: app.name, addon: addon.name }, 'add-on destroyed with its app');
  }
}

/** The attachments in an app. @throws PLT_APP_NOT_FOUND */
export async function listAttachments(deps: Pick<ServiceDeps, 'store'>, user: User, appName: string): Promise<AttachmentView[]> {
  const app = await findApp(deps.store, user, appName);
  const views: AttachmentView[] = [];
  for (const attachment of await deps.store.addons.attachments(app.id)) {
    const addon = await deps.store.addons.find(attachment.addonId);
    const addonApp = addon && (await deps.store.apps.find(addon.appId));
    if (addon && addonApp) views.push({ attachment, addon, addonApp, app });
  }
  return views;
}

/** Role names of add-on credentials (addon-kit's `addonResourceName`): what marks a URL as an add-on's. */
const ADDON_ROLE_RE = /^addon_([0-9a-f]{32})$/;

/** The add-on id (32 hex digits, no dashes) whose role a URL names, or null for any other URL. */
function addonIdOfUrl(value: string): string | null {
  try {
    return ADDON_ROLE_RE.exec(decodeURIComponent(new URL(value).username))?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * What a rollback does with add-on vars (Heroku: "Rollback affects code and config vars; it doesn't add or remove
 * addons"). The rule: a rollback never brings add-on credentials back. The vars of the app's attachments keep
 * their current values (never old, rotated credentials); an add-on URL in the target's config that no attachment
 * of the app owns now is dropped, whether its add-on was destroyed or only detached from this app. The note says
 * what was kept and what was left out and why, for the release's description (which the CLI prints).
 */
export async function rollbackAddonAdjuster(
  store: ServiceDeps['store'],
  appId: string,
): Promise<(config: Record<string, string>) => { config: Record<string, string>; note?: string }> {
  const attached = (await store.addons.attachments(appId)).map((a) => `${a.name}_URL`);
  const current = await store.config.get(appId);
  const living = new Set((await store.addons.all()).map((a) => a.id.replaceAll('-', '')));
  return (target) => {
    const config = { ...target };
    const kept: string[] = [];
    const destroyed: string[] = [];
    const detached: string[] = [];
    for (const key of attached) {
      if (current[key] === undefined) continue;
      if (config[key] !== current[key]) kept.push(key);
      config[key] = current[key];
    }
    for (const [key, value] of Object.entries(target)) {
      const id = attached.includes(key) ? null : addonIdOfUrl(value);
      if (id === null) continue;
      delete config[key];
      (living.has(id) ? detached : destroyed).push(key);
    }
    const notes = [
      ...(kept.length ? [`add-on vars kept as they are: ${kept.join(', ')}`] : []),
      ...(destroyed.length ? [`not restored, their add-ons are gone: ${destroyed.join(', ')}`] : []),
      ...(detached.length ? [`not restored, detached from this app: ${detached.join(', ')}`] : []),
    ];
    return notes.length ? { config, note: notes.join('; ') } : { config };
  };
}
