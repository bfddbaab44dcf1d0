import type { FastifyInstance } from 'fastify';
import { ErrorCodes, PlatformError } from '@platform/types';
import type { ApiContext } from '../context.ts';
import { access } from '../access.ts';
import { auditJson } from '../audit.ts';
import { appFor } from '../auth.ts';

const MAX_EVENTS = 1000;

function limitOf(query: unknown): number {
  const raw = (query as { limit?: unknown } | undefined)?.limit;
  if (raw === undefined) return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_EVENTS) throw new PlatformError(ErrorCodes.invalidParams, `limit must be a whole number from 1 to ${MAX_EVENTS}.`);
  return n;
}

/** The audit trail, newest first: everything for admins (`platform audit`), one app's for its managers. */
export function registerAuditRoutes(api: FastifyInstance, ctx: ApiContext): void {
  api.get('/audit', access('admin'), async (request) => (await ctx.store.audit.list({ limit: limitOf(request.query) })).map(auditJson));

  // An app's own events (by id: a destroyed app's namesake does not inherit them). Owners, admins and `manage`.
  api.get<{ Params: { app: string } }>('/apps/:app/audit', access('app:manage'), async (request) => {
    const app = await appFor(ctx, request, request.params.app, 'manage');
    return (await ctx.store.audit.list({ appId: app.id, limit: limitOf(request.query) })).map(auditJson);
  });
}
