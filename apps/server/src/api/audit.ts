import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppRecord, AuditEvent, Store } from '@platform/store-postgres';

/**
 * The audit trail's API side: one `onResponse` hook records every change the API made (a successful POST, PATCH,
 * PUT or DELETE; `git push` deploys are recorded by the deploy path, platform.ts) with the acting user, the time,
 * the source address and the request id. The action is named from the route (`ACTIONS`); `details` keeps names
 * and ids only: config var names, never values; a drain's scheme and host, never its credentials; no password,
 * token or one-off command.
 */
const ACTIONS: Record<string, string> = {
  'PATCH /account': 'account.password',
  'POST /apps': 'app.create',
  'PATCH /apps/:app': 'app.update',
  'DELETE /apps/:app': 'app.destroy',
  'PATCH /apps/:app/config-vars': 'config.update',
  'PATCH /apps/:app/formation': 'formation.scale',
  'PATCH /apps/:app/formation/:type': 'formation.scale',
  'POST /apps/:app/releases': 'release.rollback',
  'POST /apps/:app/dynos': 'dyno.run',
  'DELETE /apps/:app/dynos': 'dyno.restart',
  'DELETE /apps/:app/dynos/:dyno': 'dyno.restart',
  'DELETE /apps/:app/formations/:type': 'dyno.restart',
  'POST /apps/:app/dynos/:dyno/actions/stop': 'dyno.stop',
  'POST /apps/:app/formations/:type/actions/stop': 'dyno.stop',
  'POST /apps/:app/log-drains': 'drain.add',
  'DELETE /apps/:app/log-drains/:drain': 'drain.remove',
  'POST /apps/:app/collaborators': 'collaborator.add',
  'PATCH /apps/:app/collaborators/:collaborator': 'collaborator.update',
  'DELETE /apps/:app/collaborators/:collaborator': 'collaborator.remove',
  'POST /users': 'user.create',
  'PATCH /users/:user': 'user.update',
  'DELETE /users/:user': 'user.remove',
  'PATCH /invitations/:code': 'invitation.accept',
  'POST /oauth/authorizations': 'token.create',
  'DELETE /oauth/authorizations/:id': 'token.revoke',
  'POST /admin/prune-images': 'images.prune',
  'POST /apps/:app/domains': 'domain.add',
  'DELETE /apps/:app/domains/:domain': 'domain.remove',
  'POST /apps/:app/sni-endpoints': 'certificate.add',
  'PATCH /apps/:app/sni-endpoints/:endpoint': 'certificate.update',
  'DELETE /apps/:app/sni-endpoints/:endpoint': 'certificate.remove',
  'POST /apps/:app/acm': 'acm.enable',
  'PATCH /apps/:app/acm': 'acm.refresh',
  'DELETE /apps/:app/acm': 'acm.disable',
  'PUT /apps/:app/buildpack-installations': 'buildpacks.set',
  'PATCH /apps/:app/features/:feature': 'feature.update',
  'POST /apps/:app/addons': 'addon.create',
  'DELETE /apps/:app/addons/:addon': 'addon.destroy',
  'DELETE /addons/:addon': 'addon.destroy',
  'POST /addons/:addon/actions/rotate-credentials': 'addon.rotate-credentials',
  'POST /apps/:app/pg-backups': 'pg-backup.capture',
  'DELETE /apps/:app/pg-backups/:backup': 'pg-backup.delete',
  'POST /apps/:app/pg-backups/:backup/actions/restore': 'pg-backup.restore',
  'PUT /apps/:app/pg-backup-schedules/:database': 'pg-backup.schedule',
  'DELETE /apps/:app/pg-backup-schedules/:database': 'pg-backup.unschedule',
  'POST /addon-attachments': 'addon.attach',
  'DELETE /addon-attachments/:attachment': 'addon.detach',
  'POST /apps/:app/pg-psql': 'dyno.psql',
};

/** Changes that are not changes: a log session is a read. */
const NOT_CHANGES = new Set(['POST /apps/:app/log-sessions']);

const CHANGING = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** A URL's scheme and host, without credentials, path or query (a drain URL may carry a password). */
function hostOnly(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const u = new URL(value);
    return `${u.protocol}//${u.host}`;
  } catch {
    return undefined;
  }
}

/** What an event keeps of a request: names and ids, never values that may be secret. Pure, table-tested. */
export function auditDetails(route: string, params: Record<string, string>, body: unknown): Record<string, unknown> {
  const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const pick = (...keys: string[]) => Object.fromEntries(keys.filter((k) => b[k] !== undefined).map((k) => [k, b[k]]));
  switch (route) {
    case 'PATCH /apps/:app/config-vars':
      return { set: Object.keys(b).filter((k) => b[k] !== null), unset: Object.keys(b).filter((k) => b[k] === null) };
    case 'PATCH /apps/:app/formation':
      return { updates: Array.isArray(b.updates) ? b.updates.map((u) => pickOf(u, ['type', 'quantity', 'size'])) : [] };
    case 'PATCH /apps/:app/formation/:type':
      return { type: params.type, ...pick('quantity', 'size') };
    case 'POST /apps/:app/releases':
      return pick('release');
    case 'POST /apps/:app/dynos':
      return pick('size', 'attach', 'type');
    case 'POST /apps/:app/log-drains':
      return { url: hostOnly(b.url) };
    case 'POST /apps/:app/collaborators':
      return pick('user', 'permissions');
    case 'PATCH /apps/:app/collaborators/:collaborator':
      return { user: params.collaborator, ...pick('permissions') };
    case 'POST /users':
      return { ...pick('email', 'admin'), invited: b.password === undefined || b.password === null };
    case 'PATCH /users/:user':
      return { user: params.user, ...pick('disabled') };
    case 'POST /oauth/authorizations':
      return pick('description', 'expires_in');
    case 'POST /apps':
    case 'PATCH /apps/:app':
      return pick('name', 'owner', 'maintenance');
    case 'POST /apps/:app/domains':
      return pick('hostname');
    case 'PATCH /apps/:app/features/:feature':
      return { feature: params.feature, ...pick('enabled') };
    case 'POST /apps/:app/addons':
      return { ...pick('plan'), attachment: pickOf(b.attachment, ['name']) };
    case 'POST /apps/:app/pg-psql':
      return pick('database', 'size', 'attach');
    case 'POST /addon-attachments': {
      const ref = (v: unknown) => (typeof v === 'string' ? v : pickOf(v, ['id', 'name']));
      return { addon: ref(b.addon), app: ref(b.app), ...pick('name', 'confirm') };
    }
    case 'PUT /apps/:app/buildpack-installations':
      return { buildpacks: Array.isArray(b.updates) ? b.updates.map((u) => pickOf(u, ['buildpack'])) : [] };
    default: {
      // Path parameters name what was acted on (a dyno, a drain id, a token id, a user); the invitation code is a secret.
      const { code: _secret, ...named } = params;
      return named;
    }
  }
}

function pickOf(value: unknown, keys: string[]): Record<string, unknown> {
  const v = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => v[k] !== undefined).map((k) => [k, v[k]]));
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The app the access rule resolved (`app:*` rules; `POST /apps` sets the new one), so an event names it even after it was destroyed. */
    auditApp: AppRecord | null;
  }
}

/** Installs the recording hook on the root instance (before routes). Recording failures are logged, never answered. */
export function installAudit(app: FastifyInstance, store: Pick<Store, 'audit'>): void {
  app.decorateRequest('auditApp', null);
  app.addHook('onResponse', async (request: FastifyRequest, reply) => {
    const url = request.routeOptions.url;
    const rule = request.routeOptions.config.access;
    if (!url || !CHANGING.has(request.method) || reply.statusCode >= 400 || rule === 'git' || rule === 'session') return;
    const route = `${request.method} ${url}`;
    if (NOT_CHANGES.has(route)) return;
    const params = (request.params ?? {}) as Record<string, string>;
    const user = (request.user as typeof request.user | null) ?? null;
    const target = request.auditApp;
    await store.audit
      .record({
        userId: user?.id ?? null,
        userEmail: user?.email ?? null,
        sourceAddress: request.ip,
        requestId: request.id,
        action: ACTIONS[route] ?? route,
        appId: target?.id ?? null,
        appName: target?.name ?? params.app ?? null,
        details: auditDetails(route, params, request.body),
      })
      .catch((err: unknown) => request.log.error({ err }, 'recording the audit event failed'));
  });
}

/** An event as `/audit` and `/apps/{app}/audit` answer it. */
export function auditJson(e: AuditEvent) {
  return {
    id: e.id,
    created_at: e.createdAt.toISOString(),
    action: e.action,
    user: e.userId ? { id: e.userId, email: e.userEmail } : null,
    source_address: e.sourceAddress,
    request_id: e.requestId,
    app: e.appName ? { id: e.appId, name: e.appName } : null,
    details: e.details,
  };
}
