import type { FastifyInstance } from 'fastify';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { ApiContext } from '../context.ts';
import { addonAttachmentJson, addonDetailJson, addonJson, addonPlanJson, addonServiceJson } from '../serialize.ts';
import { createAddon, destroyAddon, getAddonStatus, listAddons, listAttachments, rotateAddonCredentials } from '../../services/addons.ts';
import { ADDON_SERVICES, findService } from '../../services/addon-catalog.ts';
import { access } from '../access.ts';

/**
 * Add-ons in the Heroku Platform API shape: `/apps/:app/addons[/:addon]`, `/addons/:addon`,
 * `/addons/:addon/actions/rotate-credentials`, `/apps/:app/addon-attachments`, `/addon-services[/:service[/plans]]`.
 */
export function registerAddonRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<{ Params: { app: string } }>('/apps/:app/addons', access('app:view'), async (request) => {
    return (await listAddons(ctx, request.user, request.params.app)).map(addonJson);
  });

  api.post<{ Params: { app: string } }>('/apps/:app/addons', access('app:manage'), async (request, reply) => {
    const body = (request.body ?? {}) as { plan?: unknown; attachment?: unknown };
    if (body.attachment !== undefined && (typeof body.attachment !== 'object' || body.attachment === null || Array.isArray(body.attachment))) {
      throw new PlatformError(ErrorCodes.invalidParams, 'attachment must be an object: {"name": "REPORTING"}.');
    }
    const addon = await createAddon(ctx, request.user, request.params.app, { plan: body.plan, attachment: body.attachment });
    reply.status(201);
    return addonJson(addon);
  });

  api.get<{ Params: { app: string; addon: string } }>('/apps/:app/addons/:addon', access('app:view'), async (request) => {
    return addonDetailJson(await getAddonStatus(ctx, request.user, request.params.addon, request.params.app));
  });

  api.delete<{ Params: { app: string; addon: string } }>('/apps/:app/addons/:addon', access('app:manage'), async (request) => {
    return addonJson(await destroyAddon(ctx, request.user, request.params.addon, request.params.app));
  });

  api.get<{ Params: { addon: string } }>('/addons/:addon', access('user'), async (request) => {
    return addonDetailJson(await getAddonStatus(ctx, request.user, request.params.addon));
  });

  api.delete<{ Params: { addon: string } }>('/addons/:addon', access('user'), async (request) => {
    return addonJson(await destroyAddon(ctx, request.user, request.params.addon));
  });

  // Not in Heroku's Platform API (its Data API does this for `pg:credentials:rotate`): an add-on action here.
  api.post<{ Params: { addon: string } }>('/addons/:addon/actions/rotate-credentials', access('user'), async (request) => {
    return addonJson(await rotateAddonCredentials(ctx, request.user, request.params.addon));
  });

  api.get<{ Params: { app: string } }>('/apps/:app/addon-attachments', access('app:view'), async (request) => {
    return (await listAttachments(ctx, request.user, request.params.app)).map(addonAttachmentJson);
  });

  api.get('/addon-services', access('user'), async () => ADDON_SERVICES.map(addonServiceJson));

  api.get<{ Params: { service: string } }>('/addon-services/:service', access('user'), async (request) => {
    const s = findService(request.params.service) ?? ADDON_SERVICES.find((x) => x.id === request.params.service || x.aliases.includes(request.params.service));
    if (!s) throw new PlatformError(ErrorCodes.notFound, "Couldn't find that add-on service.");
    return addonServiceJson(s);
  });

  api.get<{ Params: { service: string } }>('/addon-services/:service/plans', access('user'), async (request) => {
    const s = findService(request.params.service) ?? ADDON_SERVICES.find((x) => x.id === request.params.service || x.aliases.includes(request.params.service));
    if (!s) throw new PlatformError(ErrorCodes.notFound, "Couldn't find that add-on service.");
    return s.plans.map((p) => addonPlanJson(s, p));
  });
}
