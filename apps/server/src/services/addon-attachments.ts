import { ErrorCodes, PlatformError } from '@platform/types';
import type { AddonAttachmentRecord, AddonRecord, AppRecord, ReleaseRecord, User } from '@platform/store-postgres';
import type { ServiceDeps } from './deps.ts';
import { findApp, listApps } from './apps.ts';
import { applyConfigChanges } from './config.ts';
import { getAddon, providerFor, type AttachmentView } from './addons.ts';
import { findService, normalizeAttachmentName } from './addon-catalog.ts';

type AttachDeps = Pick<ServiceDeps, 'store' | 'deployer' | 'logger' | 'addonProviders'>;

/** An add-on's config change goes live without the release command (Heroku's release phase rule). */
const ADDON_RELEASE = { skipReleasePhase: true };

/** An attachment made or removed, with the config release it caused (null when the app has no release yet). */
export interface AttachmentChange extends AttachmentView {
  release: ReleaseRecord | null;
}

/** What `POST /addon-attachments` takes (Heroku's "Add-on Attachment Create"). */
export interface AttachRequest {
  /** The add-on: its id or globally unique name. */
  addon: string;
  /** The app to attach it to: its id or name. */
  app: string;
  /** The attachment name (`REPORTING` → `REPORTING_URL`); default: the name it has in its owning app. */
  name?: string | undefined;
  /** The attaching app's name, to replace an attachment of the same name there (Heroku's `confirm`). */
  confirm?: string | undefined;
}

const notFound = (ref: string) => new PlatformError(ErrorCodes.addonAttachmentNotFound, `Couldn't find that add-on attachment: ${ref}.`);

/** A stranger to an app gets "not found" for what is in it; a collaborator lacking the permission gets the 403. */
async function appOfAttachment(deps: Pick<ServiceDeps, 'store'>, user: User, attachment: AddonAttachmentRecord, need: 'view' | 'manage', ref: string): Promise<AppRecord> {
  try {
    return await findApp(deps.store, user, attachment.appId, need);
  } catch (err) {
    if ((err as { code?: string }).code === ErrorCodes.appNotFound) throw notFound(ref);
    throw err;
  }
}

async function viewOf(deps: Pick<ServiceDeps, 'store'>, attachment: AddonAttachmentRecord, app?: AppRecord): Promise<AttachmentView | null> {
  const addon = await deps.store.addons.find(attachment.addonId);
  const addonApp = addon && (await deps.store.apps.find(addon.appId));
  const attachedApp = app ?? (await deps.store.apps.find(attachment.appId));
  return addon && addonApp && attachedApp ? { attachment, addon, addonApp, app: attachedApp } : null;
}

/**
 * Whether removing `attachment` would leave its add-on with no attachment in the app that owns it (Heroku refuses
 * that: an add-on is destroyed from its billing app, not detached from it).
 */
async function isLastInOwningApp(deps: Pick<ServiceDeps, 'store'>, addon: AddonRecord, attachment: AddonAttachmentRecord): Promise<boolean> {
  if (attachment.appId !== addon.appId) return false;
  const inOwner = (await deps.store.addons.attachmentsOf(addon.id)).filter((a) => a.appId === addon.appId);
  return inOwner.length === 1;
}

/**
 * Attaches an existing add-on to an app (Heroku's `addons:attach ADDON -a APP [--as NAME] [--confirm APP]`,
 * POST /addon-attachments). Needs `manage` on both the add-on's owning app and the attaching app. The app gets
 * `<NAME>_URL` (the add-on's URL) in a new release and a rolling restart, without the release command. NAME
 * defaults to the name the add-on has in its owning app (`DATABASE`). Refused, with nothing changed, when: the
 * add-on is already attached there under that name; NAME is another add-on's attachment there (unless `confirm`
 * names the app: then that attachment is replaced in the same release, as Heroku's `--confirm` does); `<NAME>_URL`
 * is a var set by hand.
 *
 * @throws PLT_ADDON_NOT_FOUND; PLT_APP_NOT_FOUND; PLT_FORBIDDEN (no manage on one of the apps);
 *   PLT_CONFIRMATION_REQUIRED (422 `confirmation_required`: NAME is another add-on's attachment there, no `confirm`);
 *   PLT_INVALID_PARAMS (bad name, the add-on already there as NAME, a hand-set var, the owning app's last attachment,
 *   an add-on not provisioned yet, the config over 32 kB)
 */
export async function attachAddon(deps: AttachDeps, user: User, request: AttachRequest): Promise<AttachmentChange> {
  const { addon, app: addonApp } = await getAddon(deps, user, request.addon, undefined, 'manage');
  const app = await findApp(deps.store, user, request.app, 'manage');
  if (addon.state !== 'provisioned') {
    throw new PlatformError(ErrorCodes.invalidParams, `${addon.name} is ${addon.state}; it can be attached once it is provisioned.`);
  }
  const own = (await deps.store.addons.attachmentsOf(addon.id)).find((a) => a.appId === addon.appId);
  const name = request.name === undefined ? (own?.name ?? findService(addon.service)?.defaultAttachment ?? 'DATABASE') : normalizeAttachmentName(request.name);
  const configVar = `${name}_URL`;
  const existing = await deps.store.addons.attachmentNamed(app.id, name);
  let replaced: { attachment: AddonAttachmentRecord; addon: AddonRecord } | null = null;
  if (existing?.addonId === addon.id) {
    throw new PlatformError(ErrorCodes.invalidParams, `${addon.name} is already attached to ${app.name} as ${name}.`);
  }
  if (existing) {
    const other = await deps.store.addons.find(existing.addonId);
    if (request.confirm !== app.name) {
      throw new PlatformError(
        ErrorCodes.confirmationRequired,
        `${app.name} already has ${other?.name ?? 'another add-on'} attached as ${name}. Choose another name with --as NAME, or replace that attachment with --confirm ${app.name}.`,
        { details: { attachment: name, addon: other?.name } },
      );
    }
    if (other && (await isLastInOwningApp(deps, other, existing))) {
      throw new PlatformError(
        ErrorCodes.invalidParams,
        `${name} is the last attachment of ${other.name} to ${app.name}, the app that owns it, so it cannot be replaced: choose another name with --as NAME.`,
      );
    }
    if (other) replaced = { attachment: existing, addon: other };
  } else if (Object.hasOwn(await deps.store.config.get(app.id), configVar)) {
    throw new PlatformError(ErrorCodes.invalidParams, `${configVar} is already set on ${app.name} by hand; unset it first (platform config:unset ${configVar}) or choose another name with --as NAME.`);
  }
  const credentials = await deps.store.addons.credentials(addon.id);
  if (!credentials) throw new PlatformError(ErrorCodes.invalidParams, `${addon.name} has no credentials yet; it can be attached once it is provisioned.`);

  // A provider whose add-ons sit on their app's network only (docker) joins this app's network too.
  await reachFrom(deps, addon, app.id);
  if (replaced) await deps.store.addons.detach(replaced.attachment.id);
  const attachment = await deps.store.addons.attach({ addonId: addon.id, appId: app.id, name });
  if (!attachment) {
    if (replaced) await deps.store.addons.attach({ addonId: replaced.addon.id, appId: app.id, name });
    await unreachFromIfUnused(deps, addon, app.id);
    throw new PlatformError(ErrorCodes.invalidParams, `${app.name} already has an add-on attached as ${name}; try again.`);
  }
  let release: ReleaseRecord | null;
  try {
    ({ release } = await applyConfigChanges(deps, user, app, { [configVar]: credentials.url }, `Attach ${name} (@ref:${addon.name})`, ADDON_RELEASE));
  } catch (err) {
    await deps.store.addons.detach(attachment.id);
    if (replaced) await deps.store.addons.attach({ addonId: replaced.addon.id, appId: app.id, name });
    await unreachFromIfUnused(deps, addon, app.id);
    throw err;
  }
  if (replaced) await unreachFromIfUnused(deps, replaced.addon, app.id);
  deps.logger.info({ app: app.name, addon: addon.name, attachment: name, replaced: replaced?.addon.name, user: user.email }, 'add-on attached');
  return { attachment, addon, addonApp, app, release };
}

/**
 * Detaches an attachment (Heroku's `addons:detach ATTACHMENT -a APP`, DELETE /addon-attachments/{id}): needs
 * `manage` on the app it is in; `<NAME>_URL` goes in a new release with a rolling restart, without the release
 * command. The last attachment of an add-on to the app that owns it is refused, as on Heroku: destroy the add-on
 * instead (`addons:destroy`).
 *
 * @throws PLT_ADDON_ATTACHMENT_NOT_FOUND; PLT_FORBIDDEN; PLT_INVALID_PARAMS (the last one of the owning app)
 */
export async function detachAttachment(deps: AttachDeps, user: User, ref: string, appName?: string): Promise<AttachmentChange> {
  const view = await getAttachment(deps, user, ref, appName, 'manage');
  const { attachment, addon, app } = view;
  if (await isLastInOwningApp(deps, addon, attachment)) {
    throw new PlatformError(
      ErrorCodes.invalidParams,
      `${attachment.name} is the last attachment of ${addon.name} to ${app.name}, the app that owns it. Destroy the add-on instead: platform addons:destroy ${addon.name} -a ${app.name} --confirm ${app.name}.`,
    );
  }
  // The var first: if that change fails, the attachment (and its ownership of the var) stays as it was.
  const { release } = await applyConfigChanges(deps, user, app, { [`${attachment.name}_URL`]: null }, `Detach ${attachment.name} (@ref:${addon.name})`, ADDON_RELEASE);
  await deps.store.addons.detach(attachment.id);
  // After the release: the app's dynos stopped using the URL before the add-on leaves their network.
  await unreachFromIfUnused(deps, addon, app.id);
  deps.logger.info({ app: app.name, addon: addon.name, attachment: attachment.name, user: user.email }, 'add-on detached');
  return { ...view, release };
}

/**
 * One attachment by id, or by name within `appName` (`DATABASE`, `DATABASE_URL`), when `user` has `need` on the
 * app it is in.
 *
 * @throws PLT_ADDON_ATTACHMENT_NOT_FOUND (also for an app the user cannot see); PLT_APP_NOT_FOUND; PLT_FORBIDDEN
 */
export async function getAttachment(deps: Pick<ServiceDeps, 'store'>, user: User, ref: string, appName?: string, need: 'view' | 'manage' = 'view'): Promise<AttachmentView> {
  let attachment: AddonAttachmentRecord | null;
  if (appName !== undefined) {
    const app = await findApp(deps.store, user, appName, need);
    attachment = (await deps.store.addons.attachment(ref)) ?? (await deps.store.addons.attachmentNamed(app.id, ref.toUpperCase().replace(/_URL$/, '')));
    if (attachment && attachment.appId !== app.id) attachment = null;
  } else {
    attachment = await deps.store.addons.attachment(ref);
  }
  if (!attachment) throw notFound(ref);
  const app = await appOfAttachment(deps, user, attachment, need, ref);
  const view = await viewOf(deps, attachment, app);
  if (!view) throw notFound(ref);
  return view;
}

/**
 * The attachments of one add-on (GET /addons/{id}/addon-attachments), in every app, for a user who may view the
 * app that owns it.
 *
 * @throws PLT_ADDON_NOT_FOUND
 */
export async function listAddonAttachments(deps: Pick<ServiceDeps, 'store'>, user: User, addonRef: string): Promise<AttachmentView[]> {
  const { addon } = await getAddon(deps, user, addonRef);
  const views: AttachmentView[] = [];
  for (const attachment of await deps.store.addons.attachmentsOf(addon.id)) {
    const view = await viewOf(deps, attachment);
    if (view) views.push(view);
  }
  return views;
}

/** Every attachment in the apps `user` may see (GET /addon-attachments, Heroku's "Add-on Attachment List"). */
export async function listUserAttachments(deps: Pick<ServiceDeps, 'store'>, user: User): Promise<AttachmentView[]> {
  const views: AttachmentView[] = [];
  for (const app of await listApps(deps, user)) {
    for (const attachment of await deps.store.addons.attachments(app.id)) {
      const view = await viewOf(deps, attachment, app);
      if (view) views.push(view);
    }
  }
  return views;
}

/**
 * Before an app is destroyed: its add-ons' attachments to other apps are detached there, each a config release
 * that removes the var (the add-ons themselves go with the app, `destroyAppAddons`); other apps' add-ons attached
 * to it are detached and leave its network (docker), so that network can go with it.
 */
export async function detachFromOtherApps(deps: AttachDeps, user: User, app: AppRecord): Promise<void> {
  // Other apps' add-ons attached here leave this app's network (docker), which could not be removed otherwise.
  for (const attachment of await deps.store.addons.attachments(app.id)) {
    const foreign = await deps.store.addons.find(attachment.addonId);
    if (!foreign || foreign.appId === app.id) continue;
    await deps.store.addons.detach(attachment.id);
    await unreachFromIfUnused(deps, foreign, app.id);
  }
  for (const addon of await deps.store.addons.list(app.id)) {
    for (const attachment of await deps.store.addons.attachmentsOf(addon.id)) {
      if (attachment.appId === app.id) continue;
      const other = await deps.store.apps.find(attachment.appId);
      await deps.store.addons.detach(attachment.id);
      if (other) await applyConfigChanges(deps, user, other, { [`${attachment.name}_URL`]: null }, `Detach ${attachment.name} (@ref:${addon.name})`, ADDON_RELEASE);
    }
  }
}

/** Lets `appId`'s dynos reach the add-on (the provider's `connectApp`; nothing for the owning app). */
async function reachFrom(deps: AttachDeps, addon: AddonRecord, appId: string): Promise<void> {
  if (appId === addon.appId) return;
  await providerFor(deps, addon.service, addon.provider).connectApp?.({ addonId: addon.id, plan: addon.plan, appId: addon.appId }, appId);
}

/** Undoes `reachFrom` once no attachment of the add-on is left in `appId` (never for the owning app). */
async function unreachFromIfUnused(deps: AttachDeps, addon: AddonRecord, appId: string): Promise<void> {
  if (appId === addon.appId) return;
  if ((await deps.store.addons.attachmentsOf(addon.id)).some((a) => a.appId === appId)) return;
  await providerFor(deps, addon.service, addon.provider)
    .disconnectApp?.({ addonId: addon.id, plan: addon.plan, appId: addon.appId }, appId)
    .catch((err: unknown) => deps.logger.warn({ err, addon: addon.name }, 'could not take the add-on off the app\'s network'));
}
