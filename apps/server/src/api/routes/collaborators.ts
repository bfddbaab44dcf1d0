import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.ts';
import { access } from '../access.ts';
import { collaboratorJson } from '../serialize.ts';
import { addCollaborator, listCollaborators, removeCollaborator, updateCollaborator } from '../../services/collaborators.ts';

type AppParams = { Params: { app: string } };
type CollaboratorParams = { Params: { app: string; collaborator: string } };

/** `/apps/:app/collaborators[/:email|id]` (Heroku's shape; `platform access`, `access:add`, `access:remove`). */
export function registerCollaboratorRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<AppParams>('/apps/:app/collaborators', access('app:view'), async (request) => {
    const { app, collaborators } = await listCollaborators(ctx, request.user, request.params.app);
    return collaborators.map((c) => collaboratorJson(app, c));
  });

  api.post<AppParams>('/apps/:app/collaborators', access('app:manage'), async (request, reply) => {
    const body = (request.body ?? {}) as { user?: unknown; permissions?: unknown };
    const { app, collaborator } = await addCollaborator(ctx, request.user, request.params.app, body);
    reply.status(201);
    return collaboratorJson(app, collaborator);
  });

  api.patch<CollaboratorParams>('/apps/:app/collaborators/:collaborator', access('app:manage'), async (request) => {
    const body = (request.body ?? {}) as { permissions?: unknown };
    const { app, collaborator } = await updateCollaborator(ctx, request.user, request.params.app, request.params.collaborator, body);
    return collaboratorJson(app, collaborator);
  });

  // `view` at the route: a collaborator may remove itself; removing anyone else needs manage (the service checks).
  api.delete<CollaboratorParams>('/apps/:app/collaborators/:collaborator', access('app:view'), async (request) => {
    const { app, collaborator } = await removeCollaborator(ctx, request.user, request.params.app, request.params.collaborator);
    return collaboratorJson(app, collaborator);
  });
}
