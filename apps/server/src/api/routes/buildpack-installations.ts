import type { FastifyInstance } from 'fastify';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { ApiContext } from '../context.ts';
import { appBuildpacks, setAppBuildpacks } from '../../services/buildpacks.ts';
import { access } from '../access.ts';

/** Heroku's buildpack-installation: `{ buildpack: { name, url }, ordinal }` (our names are buildpack directories). */
function installationsJson(buildpacks: readonly string[]) {
  return buildpacks.map((name, ordinal) => ({ buildpack: { name, url: name }, ordinal }));
}

/** The `updates` of a PUT: `[{ "buildpack": "nodejs" }, …]`, in order. */
function parseUpdates(body: unknown): unknown[] {
  const updates = (body as { updates?: unknown } | null | undefined)?.updates;
  if (!Array.isArray(updates)) {
    throw new PlatformError(ErrorCodes.invalidParams, 'updates is required: a list like [{"buildpack": "nodejs"}] ([] clears the choice).');
  }
  return updates.map((u) => (u !== null && typeof u === 'object' ? (u as { buildpack?: unknown }).buildpack : u));
}

/** `/apps/:app/buildpack-installations` (Heroku schema): GET the app's chosen buildpacks, PUT the whole list. */
export function registerBuildpackInstallationRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get<{ Params: { app: string } }>('/apps/:app/buildpack-installations', access('app:view'), async (request) => {
    const { buildpacks } = await appBuildpacks(ctx, request.user, request.params.app);
    return installationsJson(buildpacks);
  });

  api.put<{ Params: { app: string } }>('/apps/:app/buildpack-installations', access('app:deploy'), async (request) => {
    const { buildpacks } = await setAppBuildpacks(ctx, request.user, request.params.app, parseUpdates(request.body));
    return installationsJson(buildpacks);
  });
}
