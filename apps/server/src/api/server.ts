import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { ApiContext } from './context.ts';
import { access, defaultAccess, installAccessRules } from './access.ts';
import { createAuthThrottle, type AuthThrottle } from './auth-throttle.ts';
import { installErrorHandler } from './errors.ts';
import { limiterOf, registerRateLimit } from './rate-limit.ts';
import { installAudit } from './audit.ts';
import { registerAuditRoutes } from './routes/audit.ts';
import { registerAppRoutes } from './routes/apps.ts';
import { registerReleaseRoutes } from './routes/releases.ts';
import { registerBuildRoutes } from './routes/builds.ts';
import { registerConfigRoutes } from './routes/config-vars.ts';
import { registerFormationRoutes } from './routes/formation.ts';
import { registerDynoRoutes } from './routes/dynos.ts';
import { createAttachSessions, registerAttachUpgrade, registerOneOffRoutes, type AttachSessions } from './routes/one-offs.ts';
import { createLogSessions, registerLogSessionRoutes, registerLogStreamRoutes } from './routes/logs.ts';
import { registerDrainRoutes } from './routes/drains.ts';
import { registerDomainRoutes } from './routes/domains.ts';
import { registerSniEndpointRoutes } from './routes/sni-endpoints.ts';
import { registerAcmRoutes } from './routes/acm.ts';
import { registerFeatureRoutes } from './routes/features.ts';
import { registerBuildpackInstallationRoutes } from './routes/buildpack-installations.ts';
import { registerCliRoutes } from './routes/cli.ts';
import { registerUserRoutes } from './routes/users.ts';
import { registerAuthorizationRoutes } from './routes/authorizations.ts';
import { registerCollaboratorRoutes } from './routes/collaborators.ts';
import { registerAddonRoutes } from './routes/addons.ts';
import { registerPgBackupRoutes } from './routes/pg-backups.ts';
import { registerAddonAttachmentRoutes } from './routes/addon-attachments.ts';
import { registerPgPsqlRoutes } from './routes/pg-psql.ts';
import { VERSION } from '../version.ts';
import { DATABASE_RETRY_AFTER_S } from './database-errors.ts';

const REQUEST_ID_RE = /^[A-Za-z0-9+/=-]{20,200}$/;

/**
 * The API (Heroku Platform API v3 shape) and, beside it, whatever `extra` registers (git smart HTTP, whose routes
 * get the `git` rule: git-http authorises them itself). Every route declares its access rule (api/access.ts).
 * `attachSessions`, when given, are shared with another attach transport (the rendezvous listener, api/rendezvous.ts).
 */
export function createApiServer(
  ctx: ApiContext,
  extra: (app: FastifyInstance, tools: { authThrottle: AuthThrottle }) => Promise<void>,
  options: { attachSessions?: AttachSessions } = {},
): FastifyInstance {
  // Typed as the default instance: the pino logger type would otherwise leak into every route signature.
  const app = Fastify({
    loggerInstance: ctx.logger.child({ component: 'api' }),
    bodyLimit: 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers['request-id'] ?? req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
    },
    // Request logging stays on (the default). The top-level `disableRequestLogging` option is deprecated (FSTDEP023).
    return503OnClosing: true,
    // Served through the edge (config.apiEdge), the API's clients reach it through the proxy on loopback: their
    // address (failed-login counts, rate limits, the audit trail) is the proxy's X-Forwarded-For, trusted from there only.
    trustProxy: ctx.config.apiEdge ? ['127.0.0.1', '::1'] : false,
  }) as unknown as FastifyInstance;
  installErrorHandler(app);
  // One count of failed authentications per address, for the API and git alike.
  const authThrottle = createAuthThrottle({ max: ctx.config.authFailureLimit, windowMs: 60_000 });
  registerRateLimit(app, ctx.config.apiRequestLimit);
  installAccessRules(app, ctx, authThrottle, () => limiterOf(app));
  installAudit(app, ctx.store);
  app.addHook('onSend', async (request, reply) => {
    reply.header('Request-Id', request.id);
  });
  // 200 while the database answers; 503 (with Retry-After) while it does not, though apps keep serving.
  app.get('/healthz', access('public'), async (_request, reply) => {
    if (await ctx.databaseReachable()) return { status: 'ok', version: VERSION, database: 'ok' };
    reply.status(503).header('retry-after', String(DATABASE_RETRY_AFTER_S));
    return { status: 'degraded', version: VERSION, database: 'unavailable' };
  });
  // The CLI's npm package holds no secret, so installing it needs no token.
  registerCliRoutes(app);
  const logSessions = createLogSessions();
  const attachSessions = options.attachSessions ?? createAttachSessions();
  // Open log tails and attach sockets authenticated once, when they opened: a revocation closes those it covers.
  const unsubscribe = ctx.accessEvents.subscribe((scope) => {
    logSessions.revoke(scope);
    attachSessions.revoke(scope);
  });
  app.addHook('onClose', async () => void unsubscribe());

  // Every API route, in one scope; each is behind the per-token request limit through its access rule.
  app.register(async (api) => {
    registerAppRoutes(api, ctx);
    registerUserRoutes(api, ctx);
    registerAuthorizationRoutes(api, ctx);
    registerCollaboratorRoutes(api, ctx);
    registerReleaseRoutes(api, ctx);
    registerBuildRoutes(api, ctx);
    registerConfigRoutes(api, ctx);
    registerFormationRoutes(api, ctx);
    registerDynoRoutes(api, ctx);
    registerOneOffRoutes(api, ctx, attachSessions);
    registerLogSessionRoutes(api, ctx, logSessions);
    registerDrainRoutes(api, ctx);
    registerDomainRoutes(api, ctx);
    registerSniEndpointRoutes(api, ctx);
    registerAcmRoutes(api, ctx);
    registerFeatureRoutes(api, ctx);
    registerBuildpackInstallationRoutes(api, ctx);
    registerAuditRoutes(api, ctx);
    registerAddonRoutes(api, ctx);
    registerPgBackupRoutes(api, ctx);
    registerAddonAttachmentRoutes(api, ctx);
    registerPgPsqlRoutes(api, ctx, attachSessions);
  });
  // The log stream URL carries its own one-time token (rule `session`).
  registerLogStreamRoutes(app, ctx, logSessions);
  // The attach WebSocket URL carries its own one-time secret (from the authenticated POST /apps/:app/dynos).
  registerAttachUpgrade(app, ctx, attachSessions);
  app.register(async (scope) => {
    defaultAccess(scope, 'git');
    await extra(scope, { authThrottle });
  });
  return app;
}
