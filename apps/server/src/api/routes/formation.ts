import type { FastifyInstance } from 'fastify';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { AppRecord } from '@platform/store-postgres';
import type { ApiContext } from '../context.ts';
import { formationJson } from '../serialize.ts';
import { getFormation, listFormation, scaleFormation, type FormationEntry, type ScaleUpdate } from '../../services/formation.ts';
import { access } from '../access.ts';

const json = (app: AppRecord, e: FormationEntry) => formationJson(app, e.formation, e.command);

/** `{"updates": [{"type": "web", "quantity": 2}]}`, as Heroku's Formation Batch Update takes it. */
function parseUpdates(body: unknown): ScaleUpdate[] {
  const updates = (body ?? {}) as { updates?: unknown };
  if (!Array.isArray(updates.updates) || updates.updates.length === 0) {
    throw new PlatformError(ErrorCodes.invalidParams, 'Send {"updates": [{"type": "web", "quantity": 2}]}.');
  }
  return updates.updates.map((u) => {
    const x = u as { type?: unknown; quantity?: unknown; size?: unknown } | null;
    if (typeof x?.type !== 'string') throw new PlatformError(ErrorCodes.invalidParams, 'Each update needs a "type".');
    return { type: x.type, quantity: x.quantity, ...(x.size === undefined ? {} : { size: x.size }) };
  });
}

export function registerFormationRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<{ Params: { app: string } }>('/apps/:app/formation', access('app:view'), async (request) => {
    const { app, formation } = await listFormation(ctx, request.user, request.params.app);
    return formation.map((e) => json(app, e));
  });

  api.get<{ Params: { app: string; type: string } }>('/apps/:app/formation/:type', access('app:view'), async (request) => {
    const { app, entry } = await getFormation(ctx, request.user, request.params.app, request.params.type);
    return json(app, entry);
  });

  api.patch<{ Params: { app: string } }>('/apps/:app/formation', access('app:operate'), async (request) => {
    const updates = parseUpdates(request.body);
    const { app, formation } = await scaleFormation(ctx, request.user, request.params.app, updates);
    return formation.map((e) => json(app, e));
  });

  api.patch<{ Params: { app: string; type: string } }>('/apps/:app/formation/:type', access('app:operate'), async (request) => {
    const body = (request.body ?? {}) as { quantity?: unknown; size?: unknown };
    const update = { type: request.params.type, quantity: body.quantity, ...(body.size === undefined ? {} : { size: body.size }) };
    const { app, formation } = await scaleFormation(ctx, request.user, request.params.app, [update]);
    return formation[0] ? json(app, formation[0]) : undefined;
  });
}
