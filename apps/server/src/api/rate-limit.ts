import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { ErrorCodes, PlatformError } from '@platform/types';

/**
 * Per-token request limits (@fastify/rate-limit, in memory): each token — or, without one, each source address —
 * gets `max` requests a minute, so one client flooding the API is answered 429 at once while everyone else keeps
 * being served. The key is a hash of the Authorization header (never the token itself). Heroku answers the same:
 * 429 `rate_limit` (reference §9), here with `Retry-After`. Registered on the root with no route hooks of its own:
 * `limiterOf(app)` is what the access hook (api/access.ts) runs first, before the token is even looked up, for
 * every route that needs one — so a flood costs neither a database query nor a handler.
 */
export function registerRateLimit(app: FastifyInstance, max: number): void {
  void app.register(rateLimit, {
    global: false,
    max,
    timeWindow: 60_000,
    cache: 10_000,
    keyGenerator: (request: FastifyRequest) => {
      const auth = request.headers.authorization;
      return auth ? `t:${createHash('sha256').update(auth).digest('base64url')}` : `a:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => {
      const retryAfter = Math.max(1, Math.ceil(context.ttl / 1000));
      return new PlatformError(ErrorCodes.rateLimited, `Your token reached the API rate limit (${context.max} requests a minute); try again in ${retryAfter} seconds.`, {
        details: { retryAfter },
      });
    },
  });
}

/** The limiter as a request hook (throws PLT_RATE_LIMITED); available once the server is ready. */
export function limiterOf(app: FastifyInstance): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return (app as unknown as { rateLimit(): (request: FastifyRequest, reply: FastifyReply) => Promise<void> }).rateLimit();
}
