import type { FastifyInstance } from 'fastify';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { ApiContext } from '../context.ts';
import { addonAttachmentJson } from '../serialize.ts';
import { attachAddon, detachAttachment, getAttachment, listAddonAttachments, listUserAttachments } from '../../services/addon-attachments.ts';
import { access } from '../access.ts';

/** `{"name": "x"}`, `{"id": "x"}` or `"x"` (Heroku's identity objects) → the string, else undefined. */
function identity(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as { id?: unknown; name?: unknown };
    if (typeof v.id === 'string' && v.id !== '') return v.id;
    if (typeof v.name === 'string' && v.name !== '') return v.name;
  }
  return undefined;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new PlatformError(ErrorCodes.invalidParams, `${key} must be a string.`);
  return v;
}

/**
 * Add-on attachments in the Heroku Platform API shape: `GET /addon-attachments` (in every app the user sees),
 * `POST /addon-attachments` (attach an add-on to an app),
 * `GET|DELETE /addon-attachments/:attachment`, `GET /apps/:app/addon-attachments/:attachment` (by id or name),
 * `GET /addons/:addon/addon-attachments`. Permissions are checked by the service on both apps involved (manage on
 * each to attach; manage on the attachment's app to detach), so these routes only need a user.
 */
export function registerAddonAttachmentRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.post('/addon-attachments', access('user'), async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new PlatformError(ErrorCodes.invalidParams, 'Send a JSON object: {"addon": "<name or id>", "app": "<name or id>", "name": "REPORTING"}.');
    const addon = identity(body.addon);
    const app = identity(body.app);
    if (!addon || !app) {
      throw new PlatformError(ErrorCodes.invalidParams, 'Say which add-on to attach to which app: {"addon": {"name": "postgresql-…"}, "app": {"name": "my-app"}}.');
    }
    const change = await attachAddon(ctx, request.user, { addon, app, name: optionalString(body, 'name'), confirm: optionalString(body, 'confirm') });
    request.auditApp = change.app;
    reply.status(201);
    return addonAttachmentJson(change);
  });

  api.get('/addon-attachments', access('user'), async (request) => (await listUserAttachments(ctx, request.user)).map(addonAttachmentJson));

  api.get<{ Params: { attachment: string } }>('/addon-attachments/:attachment', access('user'), async (request) => {
    return addonAttachmentJson(await getAttachment(ctx, request.user, request.params.attachment));
  });

  api.delete<{ Params: { attachment: string } }>('/addon-attachments/:attachment', access('user'), async (request) => {
    const change = await detachAttachment(ctx, request.user, request.params.attachment);
    request.auditApp = change.app;
    return addonAttachmentJson(change);
  });

  api.get<{ Params: { app: string; attachment: string } }>('/apps/:app/addon-attachments/:attachment', access('app:view'), async (request) => {
    return addonAttachmentJson(await getAttachment(ctx, request.user, request.params.attachment, request.params.app));
  });

  api.get<{ Params: { addon: string } }>('/addons/:addon/addon-attachments', access('user'), async (request) => {
    return (await listAddonAttachments(ctx, request.user, request.params.addon)).map(addonAttachmentJson);
  });
}
